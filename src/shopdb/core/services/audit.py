"""Audit records: who changed which row, when, and the row before and after."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from flask import g, has_request_context
from sqlalchemy import inspect

from ...api.timestamps import rfc3339
from ...extensions import db
from ..models import AuditLog
from ..models.keys import is_derived


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
    return {attr.key: _json_safe(getattr(obj, attr.key)) for attr in mapper.column_attrs if not is_derived(attr)}


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


def record(action: str, obj: Any, before: dict | None, after: dict | None) -> AuditLog:
    user_id, username = current_actor()
    entry = AuditLog(
        user_id=user_id,
        username=username,
        action=action,
        table_name=obj.__tablename__,
        row_id=row_id(obj),
        assetid=getattr(obj, "assetid", None) if hasattr(obj, "assetid") else None,
        before=before,
        after=after,
    )
    db.session.add(entry)
    return entry
