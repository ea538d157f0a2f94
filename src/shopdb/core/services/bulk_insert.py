"""Many rows into one table at the database's own bulk speed, inside the session's transaction.

The ORM and even SQLAlchemy Core's executemany cost several microseconds per row and value, and the
drivers add a round trip per row (psycopg's pipelined executemany) or parse a 1,000-row statement
with regular expressions (psycopg, for "insertmanyvalues"). For ``shopdb demo`` and ``shopdb import``
that is most of the time, so this module talks to the driver directly, once per page of rows:

* SQLite: ``executemany`` of one prepared INSERT (the loop is in C);
* MariaDB/MySQL: pymysql's ``executemany``, which it sends as multi-row INSERTs;
* PostgreSQL: ``COPY ... FROM STDIN`` (psycopg 3), with ids taken from the table's sequence first
  when the caller needs them.

Values go through each column's SQLAlchemy bind processor (dates on SQLite, JSON everywhere), and
column defaults the model declares are applied as the ORM would; the columns the model layer derives
from others (normalised keys, an extension's site copy: docs/adr/0008) must be filled by the caller,
as ``fill_derived`` does. The database's constraints hold as for any INSERT.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Date, DateTime, Table, select
from sqlalchemy import inspect as sa_inspect

from ...extensions import db
from ..models import Asset
from ..models.keys import ASSET_SITE_INFO, key_columns, normal_key

PAGE = 1000  # rows per statement (SQLite allows 32,766 parameters: plenty for any table here)


def table_of(model: Any) -> Table:
    return model if isinstance(model, Table) else sa_inspect(model).local_table


def column_names(model: Any) -> dict[str, str]:
    """Attribute name → column name (a mapped class may name an attribute unlike its column)."""
    if isinstance(model, Table):
        return {c.key: c.name for c in model.columns}
    return {attr.key: attr.columns[0].name for attr in sa_inspect(model).column_attrs}


def fill_derived(model: Any, rows: Sequence[dict[str, Any]], site_of: dict[int, int] | None = None) -> None:
    """Set the columns the model layer derives on each row (attribute names), as its defaults would.

    Normalised keys come from their sources; an extension's ``site_id`` copy from its asset's site:
    ``site_of`` (assetid → site id) when the caller knows it, else read in one query per call.
    """
    if isinstance(model, Table):
        return
    mapper = sa_inspect(model)
    for attr, sources in key_columns(mapper):
        for row in rows:
            row[attr] = normal_key([row.get(s) for s in sources])
    copies = [a.key for a in mapper.column_attrs if any(c.info.get(ASSET_SITE_INFO) for c in a.columns)]
    if not copies:
        return
    known = site_of if site_of is not None else {}
    unknown = {r["assetid"] for r in rows if r["assetid"] not in known}
    if unknown:
        known.update(db.session.execute(
            select(Asset.assetid, Asset.site_id).where(Asset.assetid.in_(unknown))).tuples().all())
    for row in rows:
        for attr in copies:
            row[attr] = known[row["assetid"]]


def insert_rows(model: Any, rows: Iterable[Mapping[str, Any]], *, new_ids: bool = False) -> list[int]:
    """INSERT ``rows`` (dicts keyed by attribute name) into ``model``'s table, in pages.

    With ``new_ids`` the primary keys the database gave the rows are returned in the rows' order
    (a single integer primary key only); otherwise an empty list.
    """
    table = table_of(model)
    names = column_names(model)
    dialect = db.session.get_bind().dialect
    ids: list[int] = []
    page: list[Mapping[str, Any]] = []
    for row in rows:
        page.append(row)
        if len(page) == PAGE:
            ids.extend(_insert_page(table, names, dialect, page, new_ids))
            page = []
    if page:
        ids.extend(_insert_page(table, names, dialect, page, new_ids))
    return ids


def _insert_page(table: Table, names: dict[str, str], dialect: Any, rows: list[Mapping[str, Any]],
                 new_ids: bool) -> list[int]:
    pk = list(table.primary_key.columns)
    if new_ids and len(pk) != 1:
        raise ValueError(f"{table.name}: new ids need a single-column primary key")
    id_column = pk[0].name if new_ids else None
    columns, values = _values(table, names, dialect, rows)
    if id_column is not None and any(c.name == id_column for c in columns):
        raise ValueError(f"{table.name}: new ids asked for rows that bring their own {id_column}")
    connection = db.session.connection()
    if dialect.name == "postgresql":
        ids: list[int] = []
        if id_column is not None:
            sequence = connection.exec_driver_sql(
                "SELECT pg_get_serial_sequence(%s, %s)", (table.name, id_column)).scalar_one()
            ids = [i for (i,) in connection.exec_driver_sql(
                "SELECT nextval(%s) FROM generate_series(1, %s)", (sequence, len(values)))]
            columns = [*columns, table.c[id_column]]
            values = [(*v, i) for v, i in zip(values, ids, strict=True)]
        _copy(connection, dialect, table, columns, values)
        return ids
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    head = f"INSERT INTO {_target(dialect, table, columns)}"
    one = "(" + ", ".join([marker] * len(columns)) + ")"
    if id_column is None:
        connection.exec_driver_sql(f"{head} VALUES {one}", values)
        return []
    # One multi-row INSERT ... RETURNING (SQLite 3.35+, MariaDB 10.5+). Both number the rows of one
    # statement in VALUES order and return them in that order; the check refuses anything else, so
    # ids are never matched to the wrong rows.
    quote = dialect.identifier_preparer.quote
    result = connection.exec_driver_sql(
        f"{head} VALUES {', '.join([one] * len(values))} RETURNING {quote(id_column)}",
        tuple(v for row in values for v in row)).scalars().all()
    if len(result) != len(values) or result != sorted(result):
        raise RuntimeError(f"{table.name}: the database returned new ids out of order")
    return list(result)


def _values(table: Table, names: dict[str, str], dialect: Any,
            rows: list[Mapping[str, Any]]) -> tuple[list[Any], list[tuple]]:
    """The page's columns and one tuple per row, bound for the driver (column by column: fast)."""
    given: dict[str, None] = {}
    for row in rows:
        given.update(dict.fromkeys(row))
    attr_of = {names.get(attr, attr): attr for attr in given}
    columns = [c for c in table.columns if c.name in attr_of or _python_default(c) is not None]
    cells: list[list[Any]] = []
    for column in columns:
        attr = attr_of.get(column.name)
        if attr is not None:
            try:
                cells.append([row[attr] for row in rows])
            except KeyError:  # some rows leave it out: the model's default for each of those
                cells.append([row[attr] if attr in row else _default_value(column) for row in rows])
        else:
            cells.append([_default_value(column)] * len(rows))  # one value for the page (a timestamp...)
        process = column.type._cached_bind_processor(dialect)
        if process is not None:
            cells[-1] = _processed(column, process, cells[-1])
    return columns, list(zip(*cells, strict=True)) if cells else [() for _ in rows]


def _processed(column: Any, process: Any, values: list[Any]) -> list[Any]:
    """``values`` through the column's bind processor. Timestamps repeat (a page's ``created_at``...) and
    SQLite's processor formats each with ``%`` (microseconds a value): naive ones are formatted once."""
    if not isinstance(column.type, Date | DateTime):
        return [None if v is None else process(v) for v in values]
    done: dict[Any, Any] = {}
    out = []
    for v in values:
        if v is None:
            out.append(None)
        elif getattr(v, "tzinfo", None) is None and type(v) in (dt.datetime, dt.date):
            found = done.get(v)
            if found is None:
                found = done[v] = process(v)
            out.append(found)
        else:
            out.append(process(v))
    return out


def _python_default(column: Any) -> Any:
    default = column.default
    if default is None or column.primary_key or getattr(default, "is_sequence", False):
        return None
    return default


def _default_value(column: Any) -> Any:
    """The model's default for a column a row leaves out (the models' callables ignore the context)."""
    default = _python_default(column)
    if default is None:
        return None
    return default.arg(None) if default.is_callable else default.arg if default.is_scalar else None


def _target(dialect: Any, table: Table, columns: list[Any]) -> str:
    quote = dialect.identifier_preparer.quote
    return f"{dialect.identifier_preparer.format_table(table)} ({', '.join(quote(c.name) for c in columns)})"


def _copy(connection: Any, dialect: Any, table: Table, columns: list[Any], values: list[tuple]) -> None:
    target = _target(dialect, table, columns)
    raw = connection.connection.dbapi_connection
    with raw.cursor() as cursor, cursor.copy(f"COPY {target} FROM STDIN") as copy:
        for row in values:
            copy.write_row(row)
