"""The one SQLite tweak a chain applies to its tables."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Table


def never_reuse_ids(tables: Iterable[Table]) -> None:
    """SQLite hands out the id of the last deleted row again unless a table says AUTOINCREMENT;
    an asset's history, links and custody records must never attach to a newcomer."""
    for table in tables:
        column = table.autoincrement_column
        if column is not None and not column.foreign_keys:
            table.dialect_options["sqlite"]["autoincrement"] = True
