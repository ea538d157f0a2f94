"""Shared Alembic ``env.py`` logic and baseline helpers for every migration chain.

Each plugin's ``migrations/env.py`` is a five-line shim::

    from shopdb.plugins.alembic_template import run_plugin_migrations

    PLUGIN_NAME = "computers"
    run_plugin_migrations(PLUGIN_NAME)

Each chain keeps its own version table (``alembic_version_<name>``; the core keeps
``alembic_version``) and sees only the tables its owner declares: ``PLUGIN_TABLE_OWNERS`` is that
explicit registry. ``create_plugin_tables`` / ``drop_plugin_tables`` emit DDL from the models
with ``CreateTable``, so a baseline revision holds no copied column definitions.
"""

from __future__ import annotations

import logging

from alembic import context, op
from sqlalchemy import MetaData, Table, create_engine, inspect, pool
from sqlalchemy.schema import CreateIndex, CreateTable, DropTable

log = logging.getLogger(__name__)

CORE_OWNER = "core"

# Which tables belong to which plugin. Bundled plugins are listed here, by hand, on purpose: a
# table appears in a chain because this registry says so, never because some module was imported.
# Plugins outside this repository declare theirs in manifest.json ("tables"); the loader adds them
# through register_table_owner() and `plugin check` verifies both against the models.
PLUGIN_TABLE_OWNERS: dict[str, tuple[str, ...]] = {
    "computers": ("computers",),
    "equipment": ("equipment", "maintenance_records"),
    "network": ("network_devices", "subnets", "ip_addresses", "interfaces"),
    "notifications": ("notifications", "notification_acks"),
    "printers": ("printers",),
    "usb": ("usb_devices", "usb_checkouts"),
}


class TableOwnershipError(Exception):
    pass


def register_table_owner(plugin: str, tables: tuple[str, ...]) -> None:
    """Record the tables a non-bundled plugin declares in its manifest."""
    current = PLUGIN_TABLE_OWNERS.get(plugin)
    if current is not None and set(current) != set(tables):
        raise TableOwnershipError(
            f"plugin {plugin!r}: manifest tables {sorted(tables)} differ from "
            f"PLUGIN_TABLE_OWNERS {sorted(current)}"
        )
    for other, owned in PLUGIN_TABLE_OWNERS.items():
        clash = set(owned) & set(tables)
        if other != plugin and clash:
            raise TableOwnershipError(f"plugin {plugin!r}: tables {sorted(clash)} belong to {other!r}")
    PLUGIN_TABLE_OWNERS[plugin] = tuple(tables)


def owned_tables(owner: str) -> tuple[str, ...]:
    if owner == CORE_OWNER:
        from ..core.models import CORE_TABLES

        return CORE_TABLES
    try:
        return PLUGIN_TABLE_OWNERS[owner]
    except KeyError:
        raise TableOwnershipError(f"plugin {owner!r} has no entry in PLUGIN_TABLE_OWNERS") from None


def version_table(owner: str) -> str:
    return "alembic_version" if owner == CORE_OWNER else f"alembic_version_{owner}"


def _full_metadata() -> MetaData:
    from ..extensions import db

    return db.metadata


def _sorted_owned(owner: str) -> list[Table]:
    """The owner's tables from the models, parents before children."""
    wanted = set(owned_tables(owner))
    tables = [t for t in _full_metadata().sorted_tables if t.name in wanted]
    missing = wanted - {t.name for t in tables}
    if missing:
        raise TableOwnershipError(
            f"{owner}: PLUGIN_TABLE_OWNERS lists {sorted(missing)} but no model declares them"
        )
    return tables


def _get_plugin_metadata(name: str) -> MetaData:
    """``db.metadata`` filtered to the tables ``name`` owns.

    The tables they reference (``assets``...) are copied in too, so foreign keys resolve; the
    chain's ``include_object`` keeps them out of comparisons and DDL.
    """
    full = _full_metadata()
    filtered = MetaData(naming_convention=full.naming_convention)
    owned = _sorted_owned(name)
    needed: dict[str, Table] = {}
    stack = list(owned)
    while stack:  # every table reachable through foreign keys, so references resolve
        table = stack.pop()
        if table.name in needed:
            continue
        needed[table.name] = table
        for fk in table.foreign_keys:
            referenced = full.tables.get(fk.target_fullname.rsplit(".", 1)[0])
            if referenced is not None:
                stack.append(referenced)
    for table in full.sorted_tables:
        if table.name in needed:
            table.to_metadata(filtered)
    filtered.info["owned_tables"] = {t.name for t in owned}
    return filtered


def _existing_tables() -> set[str]:
    bind = op.get_bind()
    return set(inspect(bind).get_table_names())


def never_reuse_ids(tables) -> None:
    """SQLite hands out the id of the last deleted row again unless a table says AUTOINCREMENT;
    an asset's history, links and custody records must never attach to a newcomer."""
    for table in tables:
        column = table.autoincrement_column
        if column is not None and not column.foreign_keys:
            table.dialect_options["sqlite"]["autoincrement"] = True


def create_tables_of(owner: str) -> None:
    """Baseline ``upgrade()``: create the owner's tables and indexes from the models.

    Online, a table that already exists is left alone: a database bootstrapped with create_all
    is adopted, never re-created (docs/adr/0004). Offline (``--sql``) every statement is printed.
    """
    offline = context.is_offline_mode()
    existing = set() if offline else _existing_tables()
    never_reuse_ids(_sorted_owned(owner))
    for table in _sorted_owned(owner):
        if table.name in existing:
            log.info("%s: table %s already exists; adopted", owner, table.name)
            continue
        op.execute(CreateTable(table))
        for index in sorted(table.indexes, key=lambda i: i.name or ""):
            op.execute(CreateIndex(index))


def drop_tables_of(owner: str) -> None:
    """Baseline ``downgrade()``: drop the owner's tables, children first."""
    offline = context.is_offline_mode()
    existing = None if offline else _existing_tables()
    for table in reversed(_sorted_owned(owner)):
        if existing is None or table.name in existing:
            op.execute(DropTable(table))


def create_plugin_tables(name: str) -> None:
    create_tables_of(name)


def drop_plugin_tables(name: str) -> None:
    drop_tables_of(name)


def _include_object(owned: set[str]):
    def include(obj, name, type_, reflected, compare_to):
        table = obj if type_ == "table" else getattr(obj, "table", None)
        table_name = name if type_ == "table" else getattr(table, "name", None)
        return table_name in owned

    return include


def run_migrations(owner: str) -> None:
    """The body of every ``env.py``: online or offline, one chain, its own version table."""
    config = context.config
    metadata = _get_plugin_metadata(owner) if owner != CORE_OWNER else _full_metadata()
    owned = set(owned_tables(owner))
    options = dict(
        target_metadata=metadata,
        version_table=version_table(owner),
        include_object=_include_object(owned),
        compare_type=True,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
        transaction_per_migration=True,
    )
    if context.is_offline_mode():
        url = config.get_main_option("sqlalchemy.url")
        context.configure(url=url, literal_binds=True, dialect_opts={"paramstyle": "named"}, **options)
        with context.begin_transaction():
            context.run_migrations()
        return

    engine = config.attributes.get("engine")
    if engine is None:
        engine = create_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
    with engine.connect() as connection:
        # SQLite DDL is transactional once SQLAlchemy owns BEGIN (see shopdb.extensions).
        transactional = connection.dialect.name in ("sqlite", "postgresql")
        context.configure(connection=connection, transactional_ddl=transactional, **options)
        with context.begin_transaction():
            context.run_migrations(**config.attributes.get("run_args", {}))


def run_plugin_migrations(name: str) -> None:
    """What a plugin's ``env.py`` calls."""
    run_migrations(name)
