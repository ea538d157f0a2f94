"""What a plugin's tests may import from ShopDB, beside ``shopdb.plugins.toolkit`` itself.

The fixtures come from ShopDB's pytest plugin (``shopdb.testing``, loaded automatically through the
``pytest11`` entry point), so a plugin's ``tests/conftest.py`` only adds its own: ``app``, ``client``
(the admin's), ``anonymous_client``, ``runner``, ``auth_headers``, ``site``, ``other_site``, ``user_headers``,
``count_rows``, ``db_url``
(SQLite, MariaDB, PostgreSQL) and ``migrated_app``. The helpers below are for tests that build an app
themselves, drive the plugin manager, reach the event bus (``events``), generate the demo plant or
check a plugin's contract. Same stability promise as the toolkit (docs/PLUGIN-HOOKS.md).
"""

from __future__ import annotations

from ... import events
from ...cli.demo import DemoContext, ensure_plant
from ...testing import ADMIN_PASSWORD, admin_client, config_for, make_app, migrate_database, reset_database, token_for
from ..checks import check_contract, check_drift
from ..loader import MODULE_PREFIX, Discovered, PluginLoader
from ..manager import PluginManager, get_manager

FIXTURES = ("app", "client", "anonymous_client", "runner", "auth_headers", "site", "other_site", "user_headers",
            "count_rows", "db_url", "migrated_app", "sqlite_url")
"""The fixtures ShopDB's pytest plugin provides to every plugin's tests."""

__all__ = [
    "ADMIN_PASSWORD", "admin_client", "config_for", "make_app", "migrate_database", "reset_database", "token_for",
    "DemoContext", "ensure_plant", "check_contract", "check_drift", "MODULE_PREFIX", "Discovered",
    "PluginLoader", "PluginManager", "get_manager", "FIXTURES", "events",
]
