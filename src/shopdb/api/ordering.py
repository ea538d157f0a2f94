"""How lists order text: without regard to case, alike on every database (docs/adr/0026).

A plant types ``m-100``, ``M-101`` and ``Press 7`` and expects them in that order, as a spreadsheet sorts
them. The databases disagree by default: MariaDB's ``utf8mb4_*_ci`` collations ignore case, SQLite's
``BINARY`` and PostgreSQL's ``C`` collations put every capital before every small letter. So a list
sorts a text column by

* its **normalised key column** when the model keeps one (``asset_tag`` → ``asset_tag_key``, the case-folded
  value the model layer fills on every write, docs/adr/0008): a plain column, indexed like any other,
  so the order is served by an index on all three databases;
* the column itself when its values are stored in one case already (``info={CASE_FOLDED: True}``:
  hostnames, MACs, choice slugs) or on MariaDB (its collations ignore case);
* otherwise ``lower(column)``, which SQLite and PostgreSQL sort by reading and sorting the rows.

Equal keys are then ordered by the list's tiebreak (the primary key), so ``M-1`` and ``m-1`` keep a
stable order between pages.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import PrimaryKeyConstraint, String, UniqueConstraint, and_, func
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import TableClause
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.selectable import Alias

# Column.info: the source columns of a normalised key, public field last (filled by the model layer).
KEY_INFO = "shopdb_key_of"
# Column.info: the values are stored in one case (normalised on write), so they sort as they are.
CASE_FOLDED = "shopdb_case_folded"


def _column(expression: Any) -> Any:
    """The Core column behind an ORM attribute (``Asset.asset_tag``) or the expression itself."""
    clause = getattr(expression, "__clause_element__", None)
    return clause() if clause is not None else expression


def _key_column(column: Any) -> Any | None:
    """The normalised key kept for ``column`` alone, on the same table (or alias), or None."""
    table = getattr(column, "table", None)
    name = getattr(column, "name", None)
    if table is None or name is None or not hasattr(table, "c"):
        return None
    for candidate in table.c:
        if candidate.info.get(KEY_INFO) == (name,):
            return candidate
    return None


def key_column(expression: Any) -> Any | None:
    """The normalised key column kept for ``expression`` (an ORM attribute or a column), or None."""
    return _key_column(_column(expression))


def is_case_folded(expression: Any) -> bool:
    """True when the column's values are stored in one case (``Column.info[CASE_FOLDED]``)."""
    return bool(getattr(_column(expression), "info", {}).get(CASE_FOLDED))


def fold(value: Any) -> str:
    """The case-folded form a normalised key holds. ``casefold`` (not ``lower``) is Unicode's caseless match:
    ``STRASSE`` and ``straße`` fold alike, as they compare under MariaDB's ``utf8mb4_unicode_ci``."""
    return str(value).casefold()


def equal_to(expression: Any, values: list[Any]) -> ColumnElement[bool]:
    """``expression`` equals one of ``values``; on a column with a normalised key the key is compared too,
    so the lookup is served by the key's indexes (the lists' indexes hold keys, not the text itself)."""
    matched = expression == values[0] if len(values) == 1 else expression.in_(values)
    key = _key_column(_column(expression))
    if key is None:
        return matched
    folded = sorted({fold(v) for v in values})
    return and_(key == folded[0] if len(folded) == 1 else key.in_(folded), matched)


def sort_expression(expression: Any, dialect: str) -> ColumnElement[Any]:
    """What a list orders by when a client sorts by ``expression`` (see the module's docstring)."""
    column = _column(expression)
    if not isinstance(getattr(column, "type", None), String):
        return expression
    key = _key_column(column)
    if key is not None:
        return key
    if dialect == "mysql" or getattr(column, "info", {}).get(CASE_FOLDED):
        return expression
    return func.lower(expression, type_=column.type)


def nullable(expression: Any) -> bool:
    """Whether ``expression`` may be NULL: a column says; ``lower(column)`` is NULL when its column is."""
    element = _column(expression)
    if isinstance(element, FunctionElement):
        arguments = list(element.clauses)
        return len(arguments) != 1 or nullable(arguments[0])
    return getattr(element, "nullable", True) is not False


def holds_unique_key(table: Any, expressions: list[Any]) -> bool:
    """Whether ``expressions`` include every column of a unique key of ``table`` whose columns are all
    NOT NULL: rows ordered by them are in a total order already, and a tiebreak after them adds nothing.

    It also costs something on MariaDB: its planner reads a non-unique index as ending in the primary
    key, but not a unique one, so ``ORDER BY hostname, assetid`` sorts every row where ``ORDER BY hostname``
    walks the unique index (docs/adr/0019, addendum 4).
    """
    if table is None or not hasattr(table, "constraints"):
        return False
    # By name: an ORM attribute's column is an annotated copy of the table's own.
    ordered = {c.name for c in (_column(e) for e in expressions) if same_table(getattr(c, "table", None), table)}
    candidates = [list(c.columns) for c in table.constraints
                  if isinstance(c, UniqueConstraint | PrimaryKeyConstraint)]
    candidates += [list(i.columns) for i in table.indexes if i.unique]
    return any(columns and all(c.name in ordered and not c.nullable for c in columns) for columns in candidates)


def same_table(one: Any, other: Any) -> bool:
    """Whether two FROM elements are the same table, or the same alias of one (an ORM statement holds
    annotated copies of both; an alias is never its table)."""
    if one is other:
        return one is not None
    if isinstance(one, Alias) and isinstance(other, Alias):
        return one.name == other.name and one.element is other.element
    return (isinstance(one, TableClause) and isinstance(other, TableClause)
            and (one.schema, one.name) == (other.schema, other.name))
