"""Audit records: who changed which row or used which access, when, from where, and the row before and after.

No secret ever lands here: password and token hashes are left out of every snapshot, and access
events (logins, tokens, password changes) carry names and ids only.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from flask import g, has_request_context, request
from sqlalchemy import inspect

from ...api.timestamps import rfc3339
from ...extensions import db
from ..models import Asset, AuditLog
from ..models.keys import is_derived

# Columns whose values are credentials (even hashed, they are offline-guessable or replayable):
# never copied into a snapshot. A plugin column may opt in with ``info={"secret": True}``.
SECRET_COLUMNS = frozenset({"password_hash", "token_hash"})
ADDRESS_LENGTH = 45  # the longest textual IPv6 address


def _json_safe(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return rfc3339(value)  # with its offset, like every timestamp the API shows
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    return value


def snapshot(obj: Any) -> dict[str, Any]:
    """The row's column values as JSON-safe data (what the audit log stores)."""
    mapper = inspect(obj).mapper
    # Columns derived from others (normalised keys, the asset's site copy: ADR 0008) are left out.
    return {
        attr.key: _json_safe(getattr(obj, attr.key)) for attr in mapper.column_attrs
        if not is_derived(attr) and not _is_secret(attr)
    }


def _is_secret(attr: Any) -> bool:
    return attr.key in SECRET_COLUMNS or any(column.info.get("secret") for column in attr.columns)


def row_id(obj: Any) -> str:
    identity = inspect(obj).identity or tuple(
        getattr(obj, c.key) for c in inspect(obj).mapper.primary_key
    )
    return ",".join(str(v) for v in identity)


_cli_actor: dict[str, Any] = {"user_id": None, "username": "system"}


def set_cli_actor(user_id: int | None, username: str) -> None:
    """Who CLI writes are attributed to (``import``, ``demo``)."""
    _cli_actor.update(user_id=user_id, username=username)


def current_actor() -> tuple[int | None, str]:
    user = g.get("current_user") if has_request_context() else None
    if user is not None:
        return user.id, user.username
    return _cli_actor["user_id"], _cli_actor["username"]


def client_address() -> str | None:
    """The caller's address (right behind a proxy once ProxyFix is configured), or None outside a request."""
    if not has_request_context() or not request.remote_addr:
        return None
    return request.remote_addr[:ADDRESS_LENGTH]


def _site_of(obj: Any) -> int | None:
    """The site a row belongs to: its own ``site_id`` (extension rows carry a copy), else its asset's."""
    site_id = getattr(obj, "site_id", None)
    if site_id is not None:
        return site_id
    assetid = getattr(obj, "assetid", None)
    if assetid is None:
        return None
    asset = db.session.get(Asset, assetid)  # usually already in the session: no query
    return asset.site_id if asset is not None else None


def record(action: str, obj: Any, before: dict | None, after: dict | None) -> AuditLog:
    """Add the audit row of a change to ``obj`` (committed with the change), with actor, site and address."""
    user_id, username = current_actor()
    entry = AuditLog(
        user_id=user_id,
        username=username,
        action=action,
        table_name=obj.__tablename__,
        row_id=row_id(obj),
        assetid=getattr(obj, "assetid", None) if hasattr(obj, "assetid") else None,
        site_id=_site_of(obj),
        address=client_address(),
        before=before,
        after=after,
    )
    db.session.add(entry)
    return entry


def record_access(action: str, table_name: str, row: Any, *, details: dict | None = None,
                  user_id: int | None = None, username: str | None = None) -> AuditLog:
    """Add the audit row of an access event (``login``, ``token_created``, ``deactivated``...).

    The actor is the current user unless ``user_id``/``username`` say otherwise (a login names the
    account it tried). ``details`` land in ``after``; callers put names and ids there, never a secret.
    """
    actor_id, actor_name = current_actor()
    if username is not None:
        actor_id, actor_name = user_id, username[:64]
    entry = AuditLog(
        user_id=actor_id, username=actor_name, action=action, table_name=table_name, row_id=str(row)[:64],
        address=client_address(), before=None, after=details,
    )
    db.session.add(entry)
    return entry
