"""``/api/v1/audit`` (admins only): the whole audit log — changes, logins, tokens, access changes.

Filters: ``user`` (id or username), ``table_name``, ``row_id``, ``action``, ``assetid``, ``site_id``,
and a time range ``since``/``until`` (RFC 3339, inclusive); newest first, paged like every list.
"""

from __future__ import annotations

import datetime as dt

from flask import request
from flask_smorest import Blueprint
from sqlalchemy import Select, func, or_, select

from ...api import LIST_PARAMETERS, ListSpec, list_envelope, list_response
from ...api.errors import MAX_INT, BadRequest
from ...auth import require_role
from ..models import AuditLog
from ..schemas.audit import AuditRecordSchema

blp = Blueprint("audit", __name__, url_prefix="/api/v1/audit", description="Who did what, when, from where")

SPEC = ListSpec(
    fields={"id": AuditLog.id, "at": AuditLog.at, "user_id": AuditLog.user_id, "action": AuditLog.action,
            "table_name": AuditLog.table_name, "row_id": AuditLog.row_id, "assetid": AuditLog.assetid,
            "site_id": AuditLog.site_id, "address": AuditLog.address},
    search=[AuditLog.username, AuditLog.action, AuditLog.table_name, AuditLog.row_id],
    default_sort=["-id"], tiebreak=[AuditLog.id.desc()], extra_args={"user", "since", "until"},
)
FILTER_PARAMETERS = [
    {"in": "query", "name": "user", "schema": {"type": "string"}, "description": "a user id or username"},
    {"in": "query", "name": "since", "schema": {"type": "string", "format": "date-time"},
     "description": "from this time on (RFC 3339, inclusive)"},
    {"in": "query", "name": "until", "schema": {"type": "string", "format": "date-time"},
     "description": "up to this time (RFC 3339, inclusive)"},
    *({"in": "query", "name": name, "schema": {"type": "string"}} for name in
      ("action", "table_name", "row_id", "assetid", "site_id", "user_id")),
]


def _moment(name: str) -> dt.datetime | None:
    """``since``/``until`` as naive UTC (how ``at`` is stored); a value without an offset is UTC."""
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = dt.datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise BadRequest(f"'{name}' must be an RFC 3339 time such as 2026-05-01T08:00:00Z.",
                         {"fields": {name: ["Not a valid RFC 3339 date-time."]}}) from None
    return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value


def _filtered(stmt: Select) -> Select:
    who = (request.args.get("user") or "").strip()
    if who:
        by_name = func.lower(AuditLog.username) == who.lower()
        # Digits are an id, or a username made of digits.
        by_id = AuditLog.user_id == int(who) if who.isdigit() and int(who) <= MAX_INT else None
        stmt = stmt.where(by_name if by_id is None else or_(by_id, by_name))
    since, until = _moment("since"), _moment("until")
    if since is not None:
        stmt = stmt.where(AuditLog.at >= since)
    if until is not None:
        stmt = stmt.where(AuditLog.at <= until)
    return stmt


@blp.route("", methods=["GET"])
@require_role("admin")
@blp.doc(parameters=[*LIST_PARAMETERS, *FILTER_PARAMETERS])
@blp.response(200, list_envelope(AuditRecordSchema))
def list_audit():
    """The audit log, newest first: who (user id and name), when, from which address, what changed."""
    return list_response(_filtered(select(AuditLog)), SPEC)
