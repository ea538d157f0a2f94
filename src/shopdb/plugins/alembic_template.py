"""Shared Alembic ``env.py`` logic and baseline helpers for every migration chain — the seed's names.

Each plugin's ``migrations/env.py`` is a five-line shim::

    from shopdb.plugins.toolkit import run_plugin_migrations

    PLUGIN_NAME = "computers"
    run_plugin_migrations(PLUGIN_NAME)

Each chain keeps its own version table (``alembic_version_<name>``; the core keeps
``alembic_version``) and sees only the tables its owner declares: ``PLUGIN_TABLE_OWNERS`` is that
explicit registry. ``create_plugin_tables`` / ``drop_plugin_tables`` emit DDL from the models
with ``CreateTable``, so a baseline revision holds no copied column definitions.

Each concern lives in a module of ``shopdb.plugins.migration``; this module keeps the names the
seed published (``_get_plugin_metadata`` included, public by contract) so nothing that used them breaks.
"""

from __future__ import annotations

from .migration.ddl import create_plugin_tables, create_tables_of, drop_plugin_tables, drop_tables_of
from .migration.metadata import full_metadata, include_owned, plugin_metadata, sorted_owned_tables
from .migration.ownership import (
    CORE_OWNER,
    PLUGIN_TABLE_OWNERS,
    TableOwnershipError,
    owned_tables,
    register_table_owner,
    version_table,
)
from .migration.runner import run_migrations, run_plugin_migrations
from .migration.sqlite import never_reuse_ids

# The seed's name for a plugin's filtered metadata; kept public by contract (tests and old env.py use it).
_get_plugin_metadata = plugin_metadata

__all__ = [
    "CORE_OWNER", "PLUGIN_TABLE_OWNERS", "TableOwnershipError", "register_table_owner", "owned_tables",
    "version_table", "full_metadata", "sorted_owned_tables", "plugin_metadata", "_get_plugin_metadata",
    "include_owned", "never_reuse_ids", "create_tables_of", "drop_tables_of", "create_plugin_tables",
    "drop_plugin_tables", "run_migrations", "run_plugin_migrations",
]
