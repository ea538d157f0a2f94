"""Keyset pages (docs/adr/0019): ``?after=<cursor>`` continues a list right after the row the cursor names.

A cursor is the sort-key values of one row, signed with the app's secret (so a client cannot forge a
position, only hand back one it was given) and bound to the order it was taken in (a cursor of
``sort=name`` is refused by ``sort=-name``). The next page is then ``WHERE <after that row> ORDER BY
... LIMIT n``: with an index on the sort keys the database starts at the cursor and reads n rows, at
any depth — unlike OFFSET, which walks every row before the page.

The order is read from the statement itself, so whatever a view added after ``apply_list_args`` is
honoured. NULLs sit where each database puts them unless the ORDER BY says where (``apply_list_args``
says so on PostgreSQL, so a list orders alike on all three databases: NULLs first ascending).
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import Select, and_, false, inspect, or_, true
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import ColumnElement, Label, UnaryExpression

from . import ordering
from .errors import BadRequest

_DIRECTIONS = {operators.asc_op: False, operators.desc_op: True}
_NULLS = {operators.nulls_first_op: "first", operators.nulls_last_op: "last"}
# ORDER BY a name (``desc("total_minutes")``) or raw SQL: nothing a WHERE clause can compare against.
_NOT_COMPARABLE = {"textual_label_reference", "label_reference", "textclause"}
SALT = "shopdb.list-cursor"


@dataclass(frozen=True)
class OrderKey:
    """One ORDER BY term: what is compared, which way, and where NULLs sit in value order."""

    expression: ColumnElement[Any]
    descending: bool
    nulls_smallest: bool
    nullable: bool

    def describe(self) -> str:
        return f"{self.expression} {'desc' if self.descending else 'asc'} {self.nulls_smallest}"


def order_keys(stmt: Select, dialect: str) -> list[OrderKey] | None:
    """The statement's ORDER BY as keys, or None when some term cannot be compared in a WHERE."""
    keys = []
    # SQLAlchemy has no public reader for a statement's ORDER BY; this attribute is stable through 2.x.
    for clause in stmt._order_by_clauses:
        descending, nulls, element = False, None, clause
        while isinstance(element, UnaryExpression) and (element.modifier in _DIRECTIONS
                                                         or element.modifier in _NULLS):
            if element.modifier in _DIRECTIONS:
                descending = _DIRECTIONS[element.modifier]
            else:
                nulls = _NULLS[element.modifier]
            element = element.element
        if isinstance(element, Label):
            element = element.element
        if not isinstance(element, ColumnElement) or element.__visit_name__ in _NOT_COMPARABLE:
            return None
        # Unless the ORDER BY says, NULLs sit where the database puts them: PostgreSQL sorts them largest.
        smallest = dialect != "postgresql" if nulls is None else (nulls == "first") != descending
        keys.append(OrderKey(element, descending, smallest, ordering.nullable(element)))
    return keys


def with_primary_key_last(stmt: Select) -> Select:
    """``stmt`` ordered by its first entity's primary key last, unless the order already ends in it.

    Keyset pages need a total order (ties would be skipped); page numbers profit too (stable pages).
    The key follows the direction of the last term so one index can serve the whole order.
    """
    entity = stmt.column_descriptions[0].get("entity") if stmt.column_descriptions else None
    keys = order_keys(stmt, "")
    info = inspect(entity) if entity is not None else None
    if info is None or keys is None or getattr(info, "is_aliased_class", False):
        return stmt
    missing = [col for col in info.primary_key
               if not any(col.compare(k.expression) or _same_key(k.expression, col) for k in keys)]
    if not missing or _unique_order(info, keys):
        return stmt
    descending = bool(keys) and keys[-1].descending
    return stmt.order_by(*[col.desc() if descending else col.asc() for col in missing])


def _unique_order(info: Any, keys: Sequence[OrderKey]) -> bool:
    """Whether the order holds a unique NOT NULL key of the entity's table, or of a one-to-one extension
    of it (``computers.hostname`` in the computers list): one row per entity, so the order is total."""
    (key,) = info.primary_key if len(info.primary_key) == 1 else (None,)
    tables = {id(info.local_table): info.local_table}
    for k in keys:
        table = getattr(k.expression, "table", None)
        primary_key = list(getattr(getattr(table, "primary_key", None), "columns", ()))
        if key is not None and len(primary_key) == 1 and _same_key(primary_key[0], key):
            tables[id(table)] = table
    return any(ordering.holds_unique_key(table, [k.expression for k in keys]) for table in tables.values())


def _same_key(expression: ColumnElement[Any], key: ColumnElement[Any]) -> bool:
    """Whether ``expression`` always equals ``key`` in the joined row: it is the whole primary key of a
    one-to-one extension table, and a foreign key to ``key`` (``computers.assetid`` → ``assets.assetid``)."""
    table = getattr(expression, "table", None)
    primary_key = getattr(table, "primary_key", None)
    if primary_key is None or list(primary_key.columns) != [expression]:
        return False
    return any(fk.column is key for fk in getattr(expression, "foreign_keys", ()))


def _fingerprint(keys: Sequence[OrderKey]) -> str:
    return hashlib.sha256("|".join(k.describe() for k in keys).encode()).hexdigest()[:16]


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=SALT)


def _to_json(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def _python_type(expression: ColumnElement[Any]) -> type | None:
    try:
        return expression.type.python_type
    except NotImplementedError:
        return None


def _from_json(value: Any, key: OrderKey) -> Any:
    """The cursor's value as the column's Python type; ValueError/TypeError when it cannot be one."""
    if value is None:
        return None
    python_type = _python_type(key.expression)
    if python_type is dt.datetime:
        return dt.datetime.fromisoformat(value)
    if python_type is dt.date:
        return dt.date.fromisoformat(value)
    if python_type is decimal.Decimal:
        return decimal.Decimal(value)
    if python_type is bool:
        if not isinstance(value, bool):
            raise TypeError(value)
        return value
    if python_type in (int, float) and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise TypeError(value)
    if python_type is str and not isinstance(value, str):
        raise TypeError(value)
    return value


def cursor_for(keys: Sequence[OrderKey], values: Sequence[Any]) -> str:
    """The opaque, signed, URL-safe cursor of the row whose sort keys are ``values``."""
    return _serializer().dumps([_fingerprint(keys), [_to_json(v) for v in values]])


def _refuse(message: str) -> BadRequest:
    return BadRequest(message, {"fields": {"after": ["Not a cursor of this list in this order."]}})


def values_of(cursor: str, keys: Sequence[OrderKey]) -> list[Any]:
    """The sort-key values a cursor holds; 400 for a forged, damaged or other-order cursor."""
    try:
        fingerprint, raw = _serializer().loads(cursor)
    except (BadData, ValueError, TypeError):
        raise _refuse("'after' is not a cursor this server gave out.") from None
    if fingerprint != _fingerprint(keys) or not isinstance(raw, list) or len(raw) != len(keys):
        raise _refuse("'after' belongs to another list or sort order; start again without it.")
    try:
        return [_from_json(value, key) for value, key in zip(raw, keys, strict=True)]
    except (ValueError, TypeError):
        raise _refuse("'after' is not a cursor this server gave out.") from None


def _greater(key: OrderKey, value: Any, or_equal: bool) -> ColumnElement[bool]:
    """Rows whose key is greater than ``value`` in value order (NULL placed as the key says)."""
    col = key.expression
    if value is None:
        if key.nulls_smallest:
            return true() if or_equal else col.is_not(None)
        return col.is_(None) if or_equal else false()
    compared = col >= value if or_equal else col > value
    return or_(compared, col.is_(None)) if key.nullable and not key.nulls_smallest else compared


def _less(key: OrderKey, value: Any, or_equal: bool) -> ColumnElement[bool]:
    col = key.expression
    if value is None:
        if key.nulls_smallest:
            return col.is_(None) if or_equal else false()
        return true() if or_equal else col.is_not(None)
    compared = col <= value if or_equal else col < value
    return or_(compared, col.is_(None)) if key.nullable and key.nulls_smallest else compared


def _later(key: OrderKey, value: Any, or_equal: bool = False) -> ColumnElement[bool]:
    """Rows that come after ``value`` (or at it) in this key's order."""
    return _less(key, value, or_equal) if key.descending else _greater(key, value, or_equal)


def _same(key: OrderKey, value: Any) -> ColumnElement[bool]:
    return key.expression.is_(None) if value is None else key.expression == value


def after_row(keys: Sequence[OrderKey], values: Sequence[Any]) -> ColumnElement[bool]:
    """The WHERE clause of "every row after this one": ``k1 > v1 OR (k1 = v1 AND (k2 > v2 OR ...))``.

    It opens with ``k1 >= v1`` on its own, the bound an index range scan starts from on every database
    (a row-value comparison would be neater but MariaDB does not range-scan it).
    """
    pairs = list(zip(keys, values, strict=True))
    last_key, last_value = pairs[-1]
    clause = _later(last_key, last_value)
    for key, value in reversed(pairs[:-1]):
        clause = or_(_later(key, value), and_(_same(key, value), clause))
    first_key, first_value = pairs[0]
    return and_(_later(first_key, first_value, or_equal=True), clause) if len(pairs) > 1 else clause
