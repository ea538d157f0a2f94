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
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import g, has_request_context
from sqlalchemy import and_, func, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from ... import events
from ...api import ordering
from ...api.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ...extensions import db
from ..models import Asset, AuditLog
from ..models.base import utcnow
from ..models.keys import is_derived
from . import audit, bulk_insert, search_index, unique_rules

log = logging.getLogger(__name__)
M = TypeVar("M")
_PENDING = "shopdb_pending_events"
PENDING_EVENTS = _PENDING  # session.info key of the events queued for after the commit


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


@contextmanager
def savepoint() -> Iterator[None]:
    """A part of the current transaction that may fail alone (one row of an import): on an error its
    rows, their audit entries and the events it queued are undone, the rest stays. The error is
    raised like ``transaction()`` raises it (a constraint violation becomes ``Conflict``...)."""
    session = db.session
    queued = len(session.info.get(_PENDING, []))
    nested = session.begin_nested()
    try:
        yield
        nested.commit()
    except (IntegrityError, OperationalError) as exc:
        _undo(nested, queued)
        refusal = _constraint_refusal(exc)
        if refusal is None:
            raise
        raise refusal from None
    except BaseException:
        _undo(nested, queued)
        raise


def _undo(nested: Any, queued: int) -> None:
    if nested.is_active:
        nested.rollback()
    # Events of rolled-back rows must never reach subscribers.
    del db.session.info.get(_PENDING, [])[queued:]


def _constraint_refusal(exc: IntegrityError | OperationalError) -> Conflict | ValidationFailed | None:
    """The database refused the write: a CHECK (422) or a unique/foreign key (409).

    MariaDB reports CHECK violations as OperationalError 4025, the others as IntegrityError.
    """
    message = str(exc.orig).splitlines()[0][:300]
    lowered = message.lower()
    if "check constraint" in lowered or "constraint `ck_" in lowered or getattr(exc.orig, "args", [None])[0] == 4025:
        return ValidationFailed({"database": [message]}, "The database refused a value (a CHECK constraint).")
    # A unique rule of any table (plugins' too), named as ensure_unique names it (ADR 0008). MariaDB
    # reports a duplicate made by a cascaded move (error 1761) as an OperationalError.
    rule = unique_rules.rule_for(db.metadata, str(exc.orig), exc.statement)
    if rule is not None:
        where = " at this site" if rule.per_site else ""
        return Conflict(f"{rule.field} is already in use{where}.",
                        {"fields": {rule.field: [f"Already in use{where}."]}, "field": rule.field},
                        code="duplicate")
    if isinstance(exc, IntegrityError):
        return Conflict("The change conflicts with existing data (a duplicate or a row still in use).",
                        {"database": message})
    return None


def emit_after_commit(event: str, **payload: Any) -> None:
    """Queue an event for plugin subscribers; it is delivered once the transaction commits."""
    db.session.info.setdefault(_PENDING, []).append((event, payload))


def _deliver_events() -> None:
    pending = db.session.info.pop(_PENDING, [])
    for event, payload in pending:
        events.emit(event, **payload)


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


def create(model: type[M], /, **values: Any) -> M:
    """Add a row, flush it (so it has its id) and audit it.

    ``model`` is positional-only: a column may be called ``model`` (an asset's) and still be passed.
    """
    obj = model(**values)
    guard_sites(obj)
    db.session.add(obj)
    _flush()
    audit.record("create", obj, None, audit.snapshot(obj))
    search_index.note_write(obj)
    return obj


def update(obj: M, values: Mapping[str, Any], /, *, expected_version: int | None = None) -> dict[str, Any]:
    """Apply ``values``; audit and return ``{field: (old, new)}`` for what actually changed."""
    check_version(obj, expected_version)
    guard_sites(obj)  # the sites it is in now...
    before = audit.snapshot(obj)
    changes = {}
    for key, value in values.items():
        old = getattr(obj, key)
        if old != value:
            setattr(obj, key, value)
            changes[key] = (old, value)
    if changes:
        guard_sites(obj)  # ...and the sites it moves to or links to
        _flush()
        audit.record("update", obj, before, audit.snapshot(obj))
        search_index.note_write(obj, changes)
    return changes


def touch(obj: Any) -> None:
    """Bump ``version`` of ``obj`` without changing data (its extension row changed)."""
    if hasattr(obj, "updated_at"):
        obj.updated_at = utcnow()
        _flush()


def delete(obj: Any, /, *, expected_version: int | None = None) -> None:
    check_version(obj, expected_version)
    guard_sites(obj)
    audit.record("delete", obj, audit.snapshot(obj), None)
    search_index.note_write(obj)
    db.session.delete(obj)
    _flush()


def _flush() -> None:
    # Flush inside transaction() so violations surface as Conflict there, with everything rolled back.
    db.session.flush()


def guard_sites(obj: Any) -> None:
    """A site-limited user writes a row only when every site it touches is one of theirs.

    The sites a row touches are read from its foreign keys: a column referencing ``sites.id`` is a
    site; one referencing ``assets.assetid`` (an extension row, a relationship's ends, an interface's
    connected machine, an IP's holder, a stick's machine...) is that asset's site. So a link between
    two assets needs write access to the sites of both ends, whatever table holds the link.
    """
    user = _acting_user()
    if user is None or not user.sites:
        return
    for site_id in _sites_touched(obj):
        if not user.can_write_site(site_id):
            raise Forbidden(f"You may not change objects of site {site_id}.",
                            {"site_id": site_id, "table": getattr(obj, "__tablename__", None)})


def _acting_user() -> Any:
    return g.get("current_user") if has_request_context() else None


def _sites_touched(obj: Any) -> set[int]:
    sites: set[int] = set()
    for column in sa_inspect(obj).mapper.columns:
        value = getattr(obj, column.key, None)
        if value is None:
            continue
        for fk in column.foreign_keys:
            target = fk.column
            if target.table.name == "sites" and target.name == "id":
                sites.add(value)
            elif target.table.name == "assets" and target.name == "assetid":
                site_id = db.session.execute(
                    select(Asset.site_id).where(Asset.assetid == value)).scalar_one_or_none()
                if site_id is not None:
                    sites.add(site_id)
    return sites


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
    deferred = deferred_checks()
    if deferred is not None and exclude is None:  # a new row of a batch: answered for the whole batch
        deferred.claim(model, field, value, scope, case_insensitive)
        return
    column = getattr(model, field)
    stmt = select(model).where(_lower_in(column, [str(value).lower()]) if case_insensitive else column == value)
    for key, scoped in (scope or {}).items():
        stmt = stmt.where(getattr(model, key) == scoped)
    for existing in db.session.execute(stmt.limit(2)).scalars():
        if existing is not exclude:
            raise Conflict(
                f"{field} {value!r} is already in use.",
                {"fields": {field: ["Already in use."]}, "field": field, "value": value},
                code="duplicate",
            )


def _lower_in(column: Any, lowered: list[str]) -> Any:
    """``lower(column) IN lowered``, said so that an index answers it: ``lower()`` of a column reads every
    row. A column with a normalised key (the one its unique constraint holds) is looked up by the key —
    which finds these rows and perhaps more — and then compared; one stored in a single case
    (``CASE_FOLDED``: hostnames in lower case) by its own index, in either case."""
    key = ordering.key_column(column)
    if key is not None:
        return and_(key.in_(sorted({ordering.fold(v) for v in lowered})), func.lower(column).in_(lowered))
    if ordering.is_case_folded(column):
        spellings = sorted({*lowered, *(v.upper() for v in lowered)})
        return and_(column.in_(spellings), func.lower(column).in_(lowered))
    return func.lower(column).in_(lowered)


# -- many rows at once (``shopdb import``) --------------------------------------------------------
_DEFERRED = "shopdb_deferred_unique"


@dataclass(frozen=True)
class _Claim:
    """One uniqueness check a rule asked for while checks were deferred: ``row`` wants ``value``."""

    row: int
    model: type
    field: str
    value: Any
    scope: tuple[tuple[str, Any], ...]  # ("site_id", 3)...; ``in_site`` scopes by the asset's site
    case_insensitive: bool
    in_site: bool


class DeferredUniqueness:
    """The uniqueness checks of many new rows, answered with one query per table and field.

    While ``deferred_uniqueness()`` is active, ``ensure_unique`` and ``ensure_unique_in_site`` for a
    *new* row (nothing to exclude) record a claim instead of querying; the caller says which row is
    being checked (``row``). ``clashing_rows()`` then names every row whose claim is taken, in the
    database or by an earlier row of the batch (any earlier claim: the caller decides what that row
    becomes). It only flags: the caller writes such rows the ordinary way, where the real check
    raises its own message. A check whose comparison the database makes differently (MariaDB's
    case-insensitive collation) flags more rows, never fewer; the constraints stay the backstop.
    """

    def __init__(self) -> None:
        self.row = -1
        self.claims: list[_Claim] = []

    def claim(self, model: type, field: str, value: Any, scope: Mapping[str, Any] | None,
              case_insensitive: bool, in_site: bool = False) -> None:
        self.claims.append(_Claim(self.row, model, field, value, tuple(sorted((scope or {}).items())),
                                  case_insensitive, in_site))

    def clashing_rows(self) -> set[int]:
        fold = db.session.get_bind().dialect.name == "mysql"  # its collations ignore case everywhere

        def key(claim: _Claim, value: Any) -> Any:
            if isinstance(value, str) and (claim.case_insensitive or fold):
                return value.lower()
            return value

        groups: dict[tuple, list[_Claim]] = {}
        for claim in self.claims:
            names = tuple(name for name, _ in claim.scope)
            groups.setdefault((claim.model, claim.field, claim.case_insensitive, claim.in_site, names),
                              []).append(claim)
        clashing: set[int] = set()
        for (model, field, case_insensitive, in_site, names), claims in groups.items():
            stored = _stored_values(model, field, case_insensitive, in_site, names,
                                    sorted({str(c.value).lower() if case_insensitive else c.value for c in claims},
                                           key=str))
            taken = {(key(claims[0], value), scope) for value, scope in stored}
            first: dict[tuple, int] = {}
            for claim in claims:
                wanted = (key(claim, claim.value), tuple(value for _, value in claim.scope))
                if wanted in taken or first.setdefault(wanted, claim.row) != claim.row:
                    clashing.add(claim.row)
        return clashing


def _stored_values(model: type, field: str, case_insensitive: bool, in_site: bool, names: tuple[str, ...],
                   values: list[Any]) -> list[tuple[Any, tuple]]:
    """``(value, scope values)`` of the stored rows holding one of ``values``: one query per page."""
    column = getattr(model, field)
    compared = func.lower(column) if case_insensitive else column
    scope_columns = [Asset.site_id] if in_site else [getattr(model, name) for name in names]
    found: list[tuple[Any, tuple]] = []
    for start in range(0, len(values), 500):
        page = values[start:start + 500]
        condition = _lower_in(column, page) if case_insensitive else column.in_(page)
        stmt = select(compared, *scope_columns).where(condition)
        if in_site:
            stmt = stmt.join(Asset, Asset.assetid == model.assetid)
        found.extend((row[0], tuple(row[1:])) for row in db.session.execute(stmt))
    return found


@contextmanager
def deferred_uniqueness(checks: DeferredUniqueness | None = None) -> Iterator[DeferredUniqueness]:
    """Record the uniqueness checks of new rows in ``checks`` (a new one by default) instead of running
    them (see ``DeferredUniqueness``)."""
    checks = checks if checks is not None else DeferredUniqueness()
    info = db.session.info  # once: the import enters this per row, and each look-up goes through the proxy
    previous = info.get(_DEFERRED)
    info[_DEFERRED] = checks
    try:
        yield checks
    finally:
        if previous is None:
            info.pop(_DEFERRED, None)
        else:
            info[_DEFERRED] = previous


def deferred_checks() -> DeferredUniqueness | None:
    """The active ``DeferredUniqueness``, if a batch is being checked."""
    return db.session.info.get(_DEFERRED)


def create_many(model: type, rows: list[dict[str, Any]], /, *, new_ids: bool = False,
                site_of: dict[int, int] | None = None, snapshots: list[dict[str, Any]] | None = None) -> list[int]:
    """``create`` for many new rows of one table: one bulk INSERT per page and one for their audit
    entries, instead of a flush and an audit object per row.

    ``rows`` are dicts of attribute values; they are completed in place as ``create`` would complete
    the object (the model's ``@validates`` normal forms, its Python defaults, the derived key and
    site-copy columns, the new primary key with ``new_ids``) and audited as ``create`` audits. The
    caller writes the search documents of the assets (``search_index.rebuild``) and queues events; a
    constraint violation raises the database's error (``savepoint()`` turns it into ``Conflict``).
    ``snapshots``, when given, receives each row's audited snapshot in row order (an event's data: the
    caller copies before changing one).
    """
    if not rows:
        return []
    mapper = sa_inspect(model)
    table = mapper.local_table
    for name, (validator, _options) in mapper.validators.items():
        blank = model.__new__(model)  # the validators read only the value: no need for a whole object
        for row in rows:
            if name in row:
                row[name] = validator(blank, name, row[name])
    for attr in mapper.column_attrs:
        column = attr.columns[0]
        default = column.default
        if column.primary_key or default is None or getattr(default, "is_sequence", False):
            continue
        missing = [row for row in rows if attr.key not in row]
        if missing and not is_derived(attr):  # derived columns: fill_derived below
            value = default.arg(None) if default.is_callable else default.arg if default.is_scalar else None
            for row in missing:
                row[attr.key] = value
    bulk_insert.fill_derived(model, rows, site_of)
    user = _acting_user()
    if user is not None and user.sites:
        for site_id in {row.get("site_id") for row in rows} - {None}:
            if not user.can_write_site(site_id):
                raise Forbidden(f"You may not change objects of site {site_id}.",
                                {"site_id": site_id, "table": table.name})
    ids = bulk_insert.insert_rows(model, rows, new_ids=new_ids)
    keys = [attr.key for attr in mapper.column_attrs if attr.columns[0].primary_key]
    if ids:
        for row, new_id in zip(rows, ids, strict=True):
            row[keys[0]] = new_id
    user_id, username = audit.current_actor()
    address = audit.client_address()
    afters = [row_snapshot(model, row) for row in rows]
    bulk_insert.insert_rows(AuditLog, [{
        "user_id": user_id, "username": username, "action": "create", "table_name": table.name,
        "row_id": ",".join(str(row[key]) for key in keys), "assetid": row.get("assetid"),
        "site_id": row.get("site_id"), "address": address, "before": None, "after": after,
    } for row, after in zip(rows, afters, strict=True)])
    if snapshots is not None:
        snapshots.extend(afters)
    return ids


def row_snapshot(model: type, values: Mapping[str, Any]) -> dict[str, Any]:
    """``audit.snapshot`` of a row given as a dict of attribute values (``create_many``'s rows)."""
    shown = _SHOWN.get(model)
    if shown is None:
        shown = _SHOWN[model] = [attr.key for attr in sa_inspect(model).column_attrs
                                 if not is_derived(attr) and not audit._is_secret(attr)]  # noqa: SLF001
    safe = audit._json_safe  # noqa: SLF001 - the same conversion as snapshot()
    plain = _PLAIN
    return {key: value if type(value) in plain else safe(value) for key in shown
            for value in (values.get(key),)}


_PLAIN = frozenset({str, int, float, bool, type(None)})  # what _json_safe returns unchanged


_SHOWN: dict[type, list[str]] = {}
