"""List requests (SPEC §5): filters by field, ``q`` search, ``sort``, and pages by number or by cursor.

A list costs at most two SQL statements whatever the page size or depth (docs/adr/0019): one page query
and a ``COUNT`` capped at ``SHOPDB_COUNT_CAP`` rows, left out when the page holds the list's end (ADR
0027). ``?page=N`` pages by OFFSET; ``?after=<cursor>`` (``meta.next`` of the previous page) continues
right after a row, which an index serves at any depth.
Serialisers must work on the rows the page query returned (join what you need into ``stmt``; never
lazy-load per row). They return raw values (a model object, or a dict of Python values): the view's
``list_envelope(Schema)`` dumps the page, once (docs/adr/0011).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, request
from sqlalchemy import BigInteger, Select, false, func, inspect, literal_column, or_, select
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BinaryExpression, ColumnClause, ColumnElement, UnaryExpression
from sqlalchemy.sql.selectable import Join, ScalarSelect, SelectBase
from sqlalchemy.sql.util import find_tables

from . import keyset, ordering, responses
from .errors import MAX_INT, BadRequest

# Query parameters every list understands; anything else must be a declared filter.
RESERVED_ARGS = {"page", "per_page", "q", "sort", "after"}


@dataclass
class ListSpec:
    """What a list endpoint lets clients filter, search and sort on.

    ``fields`` maps the public field name to its column; every field is filterable and sortable.
    ``search`` are the columns ``q`` matches (case-insensitive substring). ``extra_args`` names
    endpoint-specific parameters the view handles itself (e.g. ``stale_days``). ``search_index``
    (asset lists) replaces ``search``: ``q`` → the condition the search index answers (docs/adr/0018).
    ``tiebreak`` makes the order total; ``tiebreak_by_table`` names, per table, the key that replaces it
    when the last sort key is that table's column (an extension sorted by ``hostname`` ends in
    ``computers.assetid``, not ``assets.assetid``: the same value, but only the first lets the extension's
    index serve the order without a sort). ``then_by`` names, per field sorted on last, the fields that
    order rows with equal keys before the tiebreak (in the last key's direction, unless already sorted
    on): the asset list sorted by ``status`` continues by tag, the order its ``(status, asset_tag_key,
    assetid)`` index holds, so no database sorts the plant for a page.
    """

    fields: Mapping[str, ColumnElement[Any]]
    search: Iterable[ColumnElement[Any]] = ()
    search_index: Callable[[str], ColumnElement[bool]] | None = None
    default_sort: Iterable[str] = ()
    tiebreak: Iterable[ColumnElement[Any]] = ()
    tiebreak_by_table: Mapping[str, ColumnElement[Any]] = field(default_factory=dict)
    extra_args: set[str] = field(default_factory=set)
    then_by: Mapping[str, Iterable[str]] = field(default_factory=dict)


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


def apply_list_args(stmt: Select, spec: ListSpec, *, sort: bool = True) -> Select:
    """Apply filters, ``q`` and ``sort`` from the request to ``stmt``; unknown parameters → 400.

    ``sort=False`` leaves the order alone (a statement that only counts the rows)."""
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
        stmt = stmt.where(ordering.equal_to(column, coerced))

    q = (args.get("q") or "").strip()
    if q:
        if len(q) > 200:
            raise BadRequest("'q' is limited to 200 characters.")
        if spec.search_index is not None:  # -- search index hook (docs/adr/0018): asset lists ask the index
            stmt = stmt.where(spec.search_index(q))
        else:
            pattern = like_pattern(q)
            # A list with no searchable column matches nothing (``or_()`` of nothing is deprecated).
            stmt = stmt.where(or_(false(), *[func.lower(col).like(pattern, escape=LIKE_ESCAPE) for col in spec.search]))

    if not sort:
        return stmt
    order = []
    descending = False
    tiebreaks = list(spec.tiebreak)
    sorted_on: list[str] = []
    for key in _sort_keys(spec):
        descending = key.startswith("-")
        column = spec.fields.get(key.lstrip("-+"))
        if column is None:
            raise BadRequest(f"Cannot sort by '{key}'.", {"allowed": sorted(spec.fields)})
        order.append(_ordered(column, descending))
        sorted_on.append(key.lstrip("-+"))
        table = getattr(getattr(column, "table", None), "name", None)
        tiebreaks = [spec.tiebreak_by_table[table]] if table in spec.tiebreak_by_table else list(spec.tiebreak)
    # Sorted on a unique key of the tiebreak's own table (``hostname``), the order is total already.
    dialect = _dialect()
    if tiebreaks and ordering.holds_unique_key(
            getattr(_unordered(tiebreaks[0]), "table", None),
            [ordering.sort_expression(spec.fields[name], dialect) for name in sorted_on]):
        return stmt.order_by(*order)
    then = spec.then_by.get(sorted_on[-1], ()) if sorted_on else ()
    order += [_ordered(spec.fields[name], descending) for name in then if name not in sorted_on]
    # A unique tiebreak keeps pages stable when sort keys repeat. One without a direction of its own
    # follows the last sort key's, so one index (``(sorted column, primary key)``) serves the whole order.
    tiebreak = [t if isinstance(t, UnaryExpression) else _ordered(t, descending) for t in tiebreaks]
    return stmt.order_by(*order, *tiebreak)


def _sort_keys(spec: ListSpec) -> list[str]:
    """The request's ``sort`` keys (``-name`` descending), else the list's default order."""
    asked = [key.strip() for key in (request.args.get("sort") or "").split(",") if key.strip()]
    return asked or list(spec.default_sort)


def first_sort_expression(spec: ListSpec) -> ColumnElement[Any] | None:
    """What ``apply_list_args`` will order the list by first (a column, its key column or ``lower()``),
    without building the statement; None when the first sort key names no field (``apply_list_args``
    refuses it)."""
    keys = _sort_keys(spec)
    column = spec.fields.get(keys[0].lstrip("-+")) if keys else None
    if column is None:
        return None
    expression = ordering.sort_expression(column, _dialect())
    return getattr(expression, "expression", expression)  # an ORM attribute's column


def _unordered(term: ColumnElement[Any]) -> ColumnElement[Any]:
    """The column of an ORDER BY term (``col.desc().nulls_last()`` → ``col``)."""
    while isinstance(term, UnaryExpression):
        term = term.element
    return term


def _ordered(column: ColumnElement[Any], descending: bool) -> ColumnElement[Any]:
    """``column`` ascending or descending, text without regard to case (``ordering``), with NULLs first
    ascending (last descending) on every database: SQLite and MariaDB sort them so natively; PostgreSQL
    is told to (ADR 0019)."""
    dialect = _dialect()
    column = ordering.sort_expression(column, dialect)
    term = column.desc() if descending else column.asc()
    if dialect != "postgresql" or not ordering.nullable(column):
        return term
    return term.nulls_last() if descending else term.nulls_first()


def _dialect() -> str:
    from ..extensions import db

    return db.session.get_bind().dialect.name


def _keyset_args() -> str | None:
    """``after`` from the query string; 400 when it comes with ``page`` (two answers to "which page")."""
    after = request.args.get("after")
    if after in (None, ""):
        return None
    if request.args.get("page") not in (None, ""):
        raise BadRequest("Give 'page' or 'after', not both.",
                         {"fields": {"after": ["Cannot be combined with 'page'."]}})
    if len(after) > 2000:
        raise BadRequest("'after' is not a cursor this server gave out.",
                         {"fields": {"after": ["Too long."]}})
    return after


def capped_count(stmt: Select, cap: int) -> tuple[int, bool]:
    """How many rows ``stmt`` selects, counting at most ``cap + 1``: ``(count, exact)``.

    The database stops after ``cap + 1`` rows (read from an index when the filters allow), so the count
    costs the same on a plant of 10k or 10M rows; beyond the cap the count is a lower bound.
    """
    from ..extensions import db

    ones = stmt.order_by(None).with_only_columns(literal_column("1"), maintain_column_froms=True)
    counted = db.session.execute(select(func.count()).select_from(ones.limit(cap + 1).subquery())).scalar_one()
    return (counted, True) if counted <= cap else (cap, False)


def _at_offset(stmt: Select, offset: int, limit: int, driven: bool = False) -> Select:
    """``stmt`` from row ``offset`` on, by a deferred join (docs/adr/0019).

    OFFSET walks every row before the page. Walked as the primary keys alone (a covering scan of the
    sort's index, which ends in the key) and joined back for the ``limit`` rows of the page, a deep
    page reads its rows once instead of reading and dropping all those before it. ``driven``: the walk
    keeps the statement's join order (``_drive``). The statement comes back limited to ``limit`` rows;
    the deferred join is limited by its keys alone: with a LIMIT of its own MariaDB read the list in
    index order looking for the page's keys among all rows (the last page of 81k assets: 96 → 14 ms).
    """
    if offset == 0:
        return (_drive(stmt) if driven else stmt).limit(limit)
    entity = stmt.column_descriptions[0].get("entity") if stmt.column_descriptions else None
    info = inspect(entity) if entity is not None else None
    primary_key = list(info.primary_key) if info is not None and hasattr(info, "primary_key") else []
    if len(primary_key) != 1 or stmt._distinct or stmt._group_by_clauses:
        return (_drive(stmt) if driven else stmt).offset(offset).limit(limit)
    key = primary_key[0]
    walk = _key_walk(stmt, key, entity)
    page_keys = (_drive(walk) if driven else walk).offset(offset).limit(limit).subquery("page_keys")
    return stmt.join(page_keys, page_keys.c.page_key == key)


def _drive(stmt: Select) -> Select:
    return stmt.prefix_with("STRAIGHT_JOIN", dialect="mysql")


def _driven_by_order(stmt: Select, keys: list[keyset.OrderKey] | None) -> bool:
    """MariaDB only: whether to read the tables in the order written (``STRAIGHT_JOIN``), the table that
    holds the sort key first, so the page is read from that key's index.

    MariaDB's planner otherwise tends to start from the smaller or the filtered table and sort
    everything it joins (the equipment list at 81k assets: 92 ms; the address list, started from its
    18 subnets: 290 ms). Only when every condition is on that table (its indexes can serve them too),
    and not for a search: a selective condition on another table (``?asset_tag=`` on the PC list, a
    search hit) can be the better start, and the planner is left to weigh it.
    """
    if _dialect() != "mysql" or not keys or (request.args.get("q") or "").strip():
        return False
    froms = stmt.get_final_froms()
    if len(froms) != 1:
        return False
    leftmost = froms[0]
    while isinstance(leftmost, Join):
        leftmost = leftmost.left
    if not ordering.same_table(leftmost, getattr(keys[0].expression, "table", None)):
        return False
    return all(ordering.same_table(table, leftmost)
               for criterion in stmt._where_criteria for table in _tables_outside_subqueries(criterion))


def _tables_outside_subqueries(clause: Any) -> set[Any]:
    """The tables whose columns ``clause`` compares, not counting those inside its subqueries (``asset_type_id
    = (SELECT id FROM asset_types ...)`` reads ``assets``)."""
    found: dict[int, Any] = {}
    pending = [clause]
    while pending:
        element = pending.pop()
        if isinstance(element, SelectBase | ScalarSelect):
            continue
        table = getattr(element, "table", None) if isinstance(element, ColumnClause) else None
        if table is not None:
            found[id(table)] = table
        pending.extend(element.get_children())
    return set(found.values())


def _key_walk(stmt: Select, key: ColumnElement[Any], entity: Any) -> Select:
    """``stmt`` selecting only ``key``, without the outer joins that can neither filter nor repeat its rows.

    A LEFT JOIN to at most one row (on the joined table's primary key, or a many-to-one relationship), of
    a table no condition, order or other join names, drops no row and repeats none: it is there for the
    page's columns (the asset's type), not for which rows the page holds. Left in the walk it cost MariaDB
    the covering index — it read the joining column from another index and sorted the plant (2.9 s for
    the last page of 814k assets). Everything else — the entity, the inner joins, the conditions and the
    site scope the ORM adds to each entity — stays.
    """
    joins = stmt._setup_joins  # SQLAlchemy's record of .join()/.outerjoin(), stable through 2.x
    named: list[Any] = [*stmt._where_criteria, *stmt._order_by_clauses]
    kept = [join for index, join in enumerate(joins) if not _idle_outer_join(
        join, [*named, *(j[1] for j in joins[:index] + joins[index + 1:] if j[1] is not None)])]
    if len(kept) == len(joins):
        return stmt.with_only_columns(key.label("page_key"), maintain_column_froms=True)
    # Built anew: after with_only_columns the ORM keeps the dropped joins for the columns it replaced.
    mapper = inspect(entity)
    walk = select(getattr(mapper.entity, mapper.get_property_by_column(key).key).label("page_key"))
    if stmt._from_obj:
        walk = walk.select_from(*stmt._from_obj)
    for target, onclause, left, flags in kept:
        how = {"isouter": bool(flags.get("isouter")), "full": bool(flags.get("full"))}
        walk = walk.join(target, onclause, **how) if left is None else walk.join_from(left, target, onclause, **how)
    return walk.where(*stmt._where_criteria).order_by(*stmt._order_by_clauses)


def _idle_outer_join(join: tuple, clauses: list[Any]) -> bool:
    """Whether ``join`` is a LEFT JOIN to at most one row of a table none of ``clauses`` reads."""
    target, onclause, _from, flags = join
    if not flags.get("isouter") or flags.get("full"):
        return False
    prop = getattr(target, "property", None)
    if prop is not None and hasattr(prop, "direction"):  # a relationship: Asset.asset_type
        if onclause is not None or prop.direction.name != "MANYTOONE":
            return False
        selectable = prop.entity.selectable
    else:
        selectable = _selectable(target)
        if not _on_own_key(selectable, onclause):
            return False
    return not any(ordering.same_table(found, selectable)
                   for clause in clauses for found in find_tables(clause, include_aliases=True))


def _selectable(target: Any) -> Any:
    info = inspect(target, raiseerr=False)
    return getattr(info, "selectable", target)


def _on_own_key(selectable: Any, onclause: Any) -> bool:
    """Whether ``onclause`` is ``<selectable's single-column primary key> = <a column elsewhere>``."""
    primary_key = list(getattr(selectable, "primary_key", ()))
    if len(primary_key) != 1 or not isinstance(onclause, BinaryExpression) or onclause.operator is not operators.eq:
        return False
    own = [side for side in (onclause.left, onclause.right) if getattr(side, "name", None) == primary_key[0].name
           and ordering.same_table(getattr(side, "table", None), selectable)]
    return len(own) == 1


class PageRow(tuple):
    """A row as the view selected it, by position (``row[0]``, ``*row``) or name (``row.assetid``): the sort
    keys ``paginate`` selected for the cursor are cut off the end."""

    def __new__(cls, row: Any, width: int) -> PageRow:
        page_row = super().__new__(cls, tuple(row)[:width])
        page_row.row = row
        return page_row

    def __getattr__(self, name: str) -> Any:
        return getattr(self.row, name)


def paginate(stmt: Select, serialize: Callable[[Any], Any] | None = None, scalars: bool = True,
             count: Select | None = None) -> dict[str, Any]:
    """Run ``stmt`` as one page: the page statement plus a capped COUNT, then envelope it.

    ``?page=N`` skips ``N-1`` pages (OFFSET); ``?after=<cursor>`` starts right after the row the cursor
    names, in the statement's ORDER BY (made total by the first entity's primary key). ``meta.next`` is
    the cursor of the following page (None on the last), whichever way this page was asked for.
    ``count`` is a cheaper statement selecting the same rows, when the view knows one (an extension list
    with no core filter counts its own table). ``serialize`` turns a row into what the list schema reads
    (default: the row itself, e.g. a model object); the view's ``@blp.response(200,
    list_envelope(Schema))`` dumps the result. The COUNT is left out when the page is the last one asked
    for by number: its rows and the pages before it are the total.
    """
    from ..extensions import db

    after = _keyset_args()
    page, per_page = page_args()
    stmt = keyset.with_primary_key_last(stmt)
    keys = keyset.order_keys(stmt, _dialect())
    if after is not None:
        if not keys:
            raise BadRequest("This list pages by number only: use 'page'.",
                             {"fields": {"after": ["Not supported by this list."]}})
        paged = stmt.where(keyset.after_row(keys, keyset.values_of(after, keys)))
        paged = (_drive(paged) if _driven_by_order(stmt, keys) else paged).limit(per_page + 1)
        page = None
    else:
        paged = _at_offset(stmt, (page - 1) * per_page, per_page + 1, _driven_by_order(stmt, keys))
    # One row more than the page tells whether another page follows; the sort keys ride along as extra
    # columns so the cursor of the last row is read without touching the serialised objects.
    width = len(stmt.column_descriptions)  # one per entity or column: what a row holds
    key_columns = [k.expression.label(f"shopdb_sort_key_{i}") for i, k in enumerate(keys or ())]
    full = db.session.execute(paged.add_columns(*key_columns)).all()
    more = len(full) > per_page
    rows = [row[0] if scalars else PageRow(row, width) for row in full[:per_page]]
    next_cursor = keyset.cursor_for(keys, full[per_page - 1][width:]) if more and keys else None
    if page is not None and not more and (rows or page == 1):
        # The last page, reached by number: the rows before it and on it are all there are. No COUNT —
        # a search with a handful of hits or a narrow filter runs one statement, not two.
        total, exact = (page - 1) * per_page + len(rows), True
    else:
        total, exact = capped_count(count if count is not None else stmt, current_app.config["SHOPDB_COUNT_CAP"])
        if page is not None and not exact:  # at least every row up to the end of this page exists
            total = max(total, (page - 1) * per_page + len(rows) + (1 if more else 0))
    items = [serialize(r) for r in rows] if serialize else list(rows)
    return responses.listing(items, page, per_page, total, total_is_exact=exact, next_cursor=next_cursor)


def list_response(stmt: Select, spec: ListSpec, serialize: Callable[[Any], Any] | None = None,
                  scalars: bool = True) -> dict[str, Any]:
    """The usual list endpoint in one call: request args applied, then one page enveloped."""
    return paginate(apply_list_args(stmt, spec), serialize, scalars=scalars)
