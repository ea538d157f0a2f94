"""List requests (SPEC §5): filters by field, ``q`` search, ``sort`` and page/per_page.

A list costs exactly two SQL statements whatever the page size: one ``COUNT`` and one page
query. Serialisers must therefore work on the rows the page query returned (join what you need
into ``stmt``; never lazy-load per row). They return raw values (a model object, or a dict of
Python values): the view's ``list_envelope(Schema)`` dumps the page, once (docs/adr/0011).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, request
from sqlalchemy import BigInteger, Select, false, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from . import responses
from .errors import MAX_INT, BadRequest

# Query parameters every list understands; anything else must be a declared filter.
RESERVED_ARGS = {"page", "per_page", "q", "sort"}


@dataclass
class ListSpec:
    """What a list endpoint lets clients filter, search and sort on.

    ``fields`` maps the public field name to its column; every field is filterable and sortable.
    ``search`` are the columns ``q`` matches (case-insensitive substring). ``extra_args`` names
    endpoint-specific parameters the view handles itself (e.g. ``stale_days``).
    """

    fields: Mapping[str, ColumnElement[Any]]
    search: Iterable[ColumnElement[Any]] = ()
    default_sort: Iterable[str] = ()
    tiebreak: Iterable[ColumnElement[Any]] = ()
    extra_args: set[str] = field(default_factory=set)


def _coerce(name: str, column: ColumnElement[Any], raw: str) -> Any:
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        return raw
    try:
        if python_type is bool:
            if raw.lower() in {"1", "true", "yes"}:
                return True
            if raw.lower() in {"0", "false", "no"}:
                return False
            raise ValueError(raw)
        if python_type is int:
            value = int(raw)
            limit = 2**63 - 1 if isinstance(column.type, BigInteger) else MAX_INT
            if not -limit <= value <= limit:
                raise ValueError(raw)
            return value
        if python_type is float:
            return float(raw)
        if python_type is dt.datetime:
            # Stored as naive UTC; a value copied from a response ends in ``Z`` (or another offset).
            value = dt.datetime.fromisoformat(raw)
            return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value
        if python_type is dt.date:
            return dt.date.fromisoformat(raw)
    except ValueError:
        raise BadRequest(
            f"Filter '{name}' expects a {python_type.__name__}, got {raw!r}.",
            {"fields": {name: [f"Not a valid {python_type.__name__}."]}},
        ) from None
    return raw


LIKE_ESCAPE = "\\"


def like_pattern(q: str) -> str:
    """``%q%`` for a case-insensitive substring match, with ``%`` and ``_`` in ``q`` matched literally.

    Use as ``func.lower(column).like(like_pattern(q), escape=LIKE_ESCAPE)``.
    """
    escaped = q.lower().replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def page_args() -> tuple[int, int]:
    """``page``/``per_page`` from the query string, validated; per_page is capped (SPEC §5)."""
    cap = current_app.config["SHOPDB_MAX_PER_PAGE"]
    default = current_app.config["SHOPDB_DEFAULT_PER_PAGE"]
    values = {}
    for name, fallback in (("page", 1), ("per_page", default)):
        raw = request.args.get(name)
        try:
            values[name] = int(raw) if raw not in (None, "") else fallback
        except ValueError:
            raise BadRequest(f"'{name}' must be a whole number.",
                             {"fields": {name: ["Not a valid integer."]}}) from None
        if not 1 <= values[name] <= MAX_INT:
            raise BadRequest(f"'{name}' must be between 1 and {MAX_INT}.", {"fields": {name: ["Out of range."]}})
    return values["page"], min(values["per_page"], cap)


def refuse_unknown_args(allowed: set[str]) -> None:
    """400 for the first query parameter not in ``allowed`` (``_``-prefixed ones, cache busters, pass)."""
    for name in request.args:
        if name not in allowed and not name.startswith("_"):
            raise BadRequest(f"Unknown query parameter '{name}'.", {"allowed": sorted(allowed)})


def apply_list_args(stmt: Select, spec: ListSpec) -> Select:
    """Apply filters, ``q`` and ``sort`` from the request to ``stmt``; unknown parameters → 400."""
    args = request.args
    for name in args:
        if name in RESERVED_ARGS or name in spec.extra_args or name.startswith("_"):
            continue
        column = spec.fields.get(name)
        if column is None:
            refuse_unknown_args(set(spec.fields) | RESERVED_ARGS | spec.extra_args)
        values = [v for raw in args.getlist(name) for v in raw.split(",") if v != ""]
        if not values:
            continue
        coerced = [_coerce(name, column, v) for v in values]
        stmt = stmt.where(column == coerced[0] if len(coerced) == 1 else column.in_(coerced))

    q = (args.get("q") or "").strip()
    if q:
        if len(q) > 200:
            raise BadRequest("'q' is limited to 200 characters.")
        pattern = like_pattern(q)
        # A list with no searchable column matches nothing (``or_()`` of nothing is deprecated).
        stmt = stmt.where(or_(false(), *[func.lower(col).like(pattern, escape=LIKE_ESCAPE) for col in spec.search]))

    sort_keys = [s.strip() for s in (args.get("sort") or "").split(",") if s.strip()]
    order = []
    for key in sort_keys or list(spec.default_sort):
        descending = key.startswith("-")
        column = spec.fields.get(key.lstrip("-+"))
        if column is None:
            raise BadRequest(f"Cannot sort by '{key}'.", {"allowed": sorted(spec.fields)})
        order.append(column.desc() if descending else column.asc())
    # A unique tiebreak keeps pages stable when sort keys repeat.
    return stmt.order_by(*order, *spec.tiebreak)


def paginate(stmt: Select, serialize: Callable[[Any], Any] | None = None, scalars: bool = True) -> dict[str, Any]:
    """Run ``stmt`` as one page: a COUNT statement plus the page statement, then envelope it.

    ``serialize`` turns a row into what the list schema reads (default: the row itself, e.g. a model
    object); the view's ``@blp.response(200, list_envelope(Schema))`` dumps the result.
    """
    from ..extensions import db

    page, per_page = page_args()
    total = db.session.execute(
        select(func.count()).select_from(stmt.order_by(None).subquery())
    ).scalar_one()
    paged = stmt.limit(per_page).offset((page - 1) * per_page)
    result = db.session.execute(paged)
    rows = result.scalars().all() if scalars else result.all()
    return responses.listing([serialize(r) for r in rows] if serialize else list(rows), page, per_page, total)


def list_response(stmt: Select, spec: ListSpec, serialize: Callable[[Any], Any] | None = None,
                  scalars: bool = True) -> dict[str, Any]:
    """The usual list endpoint in one call: request args applied, then one page enveloped."""
    return paginate(apply_list_args(stmt, spec), serialize, scalars=scalars)
