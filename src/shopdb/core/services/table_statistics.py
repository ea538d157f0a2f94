"""The planner's statistics, refreshed after a bulk load (docs/adr/0019, addendum 3).

A database plans from what it last measured about a table. Right after the demo or an import has
written a hundred thousand rows into tables it measured empty, PostgreSQL sequentially scans and sorts
the whole table for a 50-row page (633 ms instead of 5 ms at 814k assets) and cannot answer a deep
page from its index alone (no visibility map yet), until autovacuum comes by — if it is on at all. Its
manual says "run ANALYZE afterwards"; so do these commands, and `shopdb db analyze` lets an operator
do it after their own bulk work. SQLite is left unmeasured on purpose (``refresh``).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine, inspect


def measured(engine: Engine) -> bool:
    """Whether ShopDB has this database keep statistics (not SQLite: see ``refresh``)."""
    return engine.dialect.name != "sqlite"


def refresh(engine: Engine, tables: Iterable[str] | None = None) -> list[str]:
    """Measure ``tables`` (default: every table) again; returns the names measured.

    PostgreSQL: ``VACUUM (ANALYZE)`` — the statistics, and the visibility map that lets an index-only
    scan skip the heap (outside a transaction, as VACUUM must run). MariaDB: ``ANALYZE TABLE``.
    SQLite: nothing. Without ``sqlite_stat1`` it plans every table as a large one — the plans the tests
    hold (tests/test_list_order_indexes.py) — and it never measures again by itself: statistics taken on
    a 300-asset demo would stay, and once the plant grew it would sort tables it should walk by index.
    """
    if not measured(engine):
        return []
    existing = set(inspect(engine).get_table_names())
    names = sorted(existing if tables is None else set(tables) & existing)
    if not names:
        return []
    preparer = engine.dialect.identifier_preparer
    quoted = ", ".join(preparer.quote(name) for name in names)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql(f"VACUUM (ANALYZE) {quoted}")
    else:
        with engine.begin() as connection:
            connection.exec_driver_sql(f"ANALYZE TABLE {quoted}").fetchall()  # one status row per table
    return names
