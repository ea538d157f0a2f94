"""Baseline revisions from the models: ``CREATE``/``DROP`` of an owner's tables, no copied columns."""

from __future__ import annotations

import logging

from alembic import context, op
from sqlalchemy import inspect
from sqlalchemy.schema import CreateIndex, CreateTable, DropTable

from .metadata import sorted_owned_tables
from .sqlite import never_reuse_ids

log = logging.getLogger(__name__)


def existing_tables() -> set[str]:
    """Tables already in the database the running migration is connected to."""
    return set(inspect(op.get_bind()).get_table_names())


def create_tables_of(owner: str) -> None:
    """Baseline ``upgrade()``: create the owner's tables and indexes from the models.

    Online, a table that already exists is left alone: a database bootstrapped with create_all
    is adopted, never re-created (docs/adr/0004). Offline (``--sql``) every statement is printed.
    """
    offline = context.is_offline_mode()
    existing = set() if offline else existing_tables()
    never_reuse_ids(sorted_owned_tables(owner))
    for table in sorted_owned_tables(owner):
        if table.name in existing:
            log.info("%s: table %s already exists; adopted", owner, table.name)
            continue
        if not offline:  # the table's DDL events and per-dialect indexes hold (the search index, ADR 0018)
            table.create(op.get_bind(), checkfirst=False)
            continue
        op.execute(CreateTable(table))
        for index in sorted(table.indexes, key=lambda i: i.name or ""):
            op.execute(CreateIndex(index))


def drop_tables_of(owner: str) -> None:
    """Baseline ``downgrade()``: drop the owner's tables, children first."""
    offline = context.is_offline_mode()
    existing = None if offline else existing_tables()
    for table in reversed(sorted_owned_tables(owner)):
        if existing is None:
            op.execute(DropTable(table))
        elif table.name in existing:
            table.drop(op.get_bind(), checkfirst=False)  # with its DDL events (SQLite's FTS table, ADR 0018)


def create_plugin_tables(name: str) -> None:
    """What a plugin's baseline ``upgrade()`` calls."""
    create_tables_of(name)


def drop_plugin_tables(name: str) -> None:
    """What a plugin's baseline ``downgrade()`` calls."""
    drop_tables_of(name)
