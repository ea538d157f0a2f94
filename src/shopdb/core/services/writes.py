"""The one path every write takes, for the core and for plugins.

Usage from a view (the whole public API of this module)::

    with writes.transaction():
        site = writes.create(Site, code="P1", name="Plant 1")
        writes.update(asset, {"name": "Lathe 2"}, expected_version=3)
        writes.delete(other, expected_version=7)
        writes.emit_after_commit("asset_updated", asset=..., changes=...)

``transaction()`` commits once at the end: either every row and its audit entry lands, or none.
Unique/foreign-key violations raise ``Conflict``; a stale ``expected_version`` raises ``Conflict``
with ``details.current_version``. Events queued with ``emit_after_commit`` are delivered to plugin
subscribers only after the commit succeeded.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from ...api.errors import Conflict, NotFound, ValidationFailed
from ...extensions import db
from ..models.base import utcnow
from . import audit

log = logging.getLogger(__name__)
M = TypeVar("M")
_PENDING = "shopdb_pending_events"


@contextmanager
def transaction() -> Iterator[None]:
    """One unit of work: commit at the end, roll back on any error, then deliver queued events."""
    session = db.session
    try:
        yield
        session.commit()
    except (IntegrityError, OperationalError) as exc:
        session.rollback()
        session.info.pop(_PENDING, None)
        refusal = _constraint_refusal(exc)
        if refusal is None:
            raise
        raise refusal from None
    except StaleDataError:
        session.rollback()
        session.info.pop(_PENDING, None)
        raise Conflict(
            "Someone else changed this object meanwhile; reload it and try again.",
            code="version_conflict",
        ) from None
    except BaseException:
        session.rollback()
        session.info.pop(_PENDING, None)
        raise
    _deliver_events()


def _constraint_refusal(exc: IntegrityError | OperationalError) -> Conflict | ValidationFailed | None:
    """The database refused the write: a CHECK (422) or a unique/foreign key (409).

    MariaDB reports CHECK violations as OperationalError 4025, the others as IntegrityError.
    """
    message = str(exc.orig).splitlines()[0][:300]
    lowered = message.lower()
    if "check constraint" in lowered or "constraint `ck_" in lowered or getattr(exc.orig, "args", [None])[0] == 4025:
        return ValidationFailed({"database": [message]}, "The database refused a value (a CHECK constraint).")
    if isinstance(exc, IntegrityError):
        return Conflict("The change conflicts with existing data (a duplicate or a row still in use).",
                        {"database": message})
    return None


def emit_after_commit(event: str, **payload: Any) -> None:
    """Queue an event for plugin subscribers; it is delivered once the transaction commits."""
    db.session.info.setdefault(_PENDING, []).append((event, payload))


def _deliver_events() -> None:
    from ...plugins.hooks import emit  # the bus is framework, never a plugin

    pending = db.session.info.pop(_PENDING, [])
    for event, payload in pending:
        emit(event, **payload)


def check_version(obj: Any, expected_version: int | None) -> None:
    """Refuse a write based on an outdated read (SPEC §5): 409 with the current version."""
    if expected_version is None or not hasattr(obj, "version"):
        return
    if int(expected_version) != obj.version:
        raise Conflict(
            f"Version {expected_version} is stale; the current version is {obj.version}.",
            {"current_version": obj.version, "your_version": int(expected_version)},
            code="version_conflict",
        )


def create(model: type[M], **values: Any) -> M:
    """Add a row, flush it (so it has its id) and audit it."""
    obj = model(**values)
    db.session.add(obj)
    _flush()
    audit.record("create", obj, None, audit.snapshot(obj))
    return obj


def update(obj: M, values: Mapping[str, Any], expected_version: int | None = None) -> dict[str, Any]:
    """Apply ``values``; audit and return ``{field: (old, new)}`` for what actually changed."""
    check_version(obj, expected_version)
    before = audit.snapshot(obj)
    changes = {}
    for key, value in values.items():
        old = getattr(obj, key)
        if old != value:
            setattr(obj, key, value)
            changes[key] = (old, value)
    if changes:
        _flush()
        audit.record("update", obj, before, audit.snapshot(obj))
    return changes


def touch(obj: Any) -> None:
    """Bump ``version`` of ``obj`` without changing data (its extension row changed)."""
    if hasattr(obj, "updated_at"):
        obj.updated_at = utcnow()
        _flush()


def delete(obj: Any, expected_version: int | None = None) -> None:
    check_version(obj, expected_version)
    audit.record("delete", obj, audit.snapshot(obj), None)
    db.session.delete(obj)
    _flush()


def _flush() -> None:
    # Flush inside transaction() so violations surface as Conflict there, with everything rolled back.
    db.session.flush()


def get_or_404(model: type[M], ident: Any, what: str | None = None) -> M:
    obj = db.session.get(model, ident)
    if obj is None:
        raise NotFound(f"No {what or model.__name__.lower()} with id {ident}.")
    return obj


def require_reference(model: type[M], ident: Any, field: str) -> M:
    """A referenced row must exist: a wrong id in the body is a field error (422), not a 404."""
    obj = db.session.get(model, ident) if ident is not None else None
    if obj is None:
        raise ValidationFailed({field: [f"No {model.__name__.lower()} with id {ident}."]})
    return obj


def ensure_unique(
    model: type, field: str, value: Any, *, scope: Mapping[str, Any] | None = None,
    exclude: Any = None, case_insensitive: bool = False,
) -> None:
    """Refuse a duplicate with a clear 409 naming the field (the DB constraint is the backstop)."""
    if value is None:
        return
    column = getattr(model, field)
    stmt = select(model).where(
        func.lower(column) == str(value).lower() if case_insensitive else column == value
    )
    for key, scoped in (scope or {}).items():
        stmt = stmt.where(getattr(model, key) == scoped)
    for existing in db.session.execute(stmt.limit(2)).scalars():
        if existing is not exclude:
            raise Conflict(
                f"{field} {value!r} is already in use.",
                {"fields": {field: ["Already in use."]}, "field": field, "value": value},
                code="duplicate",
            )
