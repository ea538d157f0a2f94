"""``shopdb db``: the core chain, the create_all bootstrap and the schema export."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import create_mock_engine, inspect
from sqlalchemy.schema import CreateIndex, CreateTable

from ..auth.bootstrap import ensure_admin
from ..core.services import table_statistics
from ..extensions import db
from ..plugins.alembic_template import CORE_OWNER, PLUGIN_TABLE_OWNERS, never_reuse_ids, owned_tables
from ..plugins.chains import Chain, MigrationFailed
from ..plugins.manager import PluginError, get_manager
from .output import console, fail

CORE_MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
DIALECTS = ("mysql", "postgresql", "sqlite")


def core_chain() -> Chain:
    return Chain(CORE_OWNER, CORE_MIGRATIONS)


@click.group("db")
def db_group() -> None:
    """The core database: migrations, create_all bootstrap, schema export."""


def _announce_admin() -> None:
    password = ensure_admin()
    if password:
        console.print(f"Created user 'admin' with password: [bold]{password}[/bold]")
        console.print("It is shown only this once; set SHOPDB_ADMIN_PASSWORD to choose it yourself.")


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
def upgrade_command(revision: str) -> None:
    """Run the core's migration chain (version table alembic_version)."""
    try:
        result = core_chain().upgrade(db.engine, revision)
    except MigrationFailed as exc:
        fail(str(exc))
    if result.applied or result.adopted:
        how = "adopted existing tables, " if result.adopted else ""
        console.print(f"core: {how}{result.before or 'empty'} -> {result.after} "
                      f"({result.applied} revision(s) applied)")
    else:
        console.print(f"core: already at {result.after}; nothing to do")
    _announce_admin()


@db_group.command("bootstrap")
@with_appcontext
def bootstrap_command() -> None:
    """Create every table with create_all (single-site path) and mark the plugins installed.

    Each chain is stamped at head, so `shopdb plugin upgrade-all` later finds nothing to redo.
    """
    manager = get_manager()
    wanted = manager.wanted_plugins()
    chosen = [n for n in manager.order if manager.records[n].usable
              and manager.records[n].state in ("available", "enabled")
              and (wanted is None or n in wanted)]
    names = set(owned_tables(CORE_OWNER))
    for name in chosen:
        names |= set(owned_tables(name))
    existing = set(inspect(db.engine).get_table_names())
    tables = [t for t in db.metadata.sorted_tables if t.name in names]
    never_reuse_ids(tables)
    db.metadata.create_all(db.engine, tables=tables)
    created = sorted({t.name for t in tables} - existing)
    core = core_chain()
    if core.current(db.engine) is None:
        core.stamp(db.engine, "head")
    refused: list[str] = []
    for name in chosen:
        record = manager.records[name]
        if record.chain.current(db.engine) is None:
            record.chain.stamp(db.engine, "head")
        unmet = [d for d in record.requires if manager.records[d].state != "enabled"]
        if record.state != "enabled" and unmet:
            refused.append(f"plugin {name!r} was not installed: it requires {', '.join(unmet)}")
        elif record.state != "enabled":
            try:
                manager.call_hook(record, "on_install")
            except PluginError as exc:
                refused.append(f"{exc}")
                continue
            manager.set_state(name, "enabled")
    installed = [n for n in chosen if manager.records[n].state == "enabled"]
    console.print(f"bootstrap: created {len(created)} table(s); plugins installed: "
                  f"{', '.join(installed) or 'none'}")
    _announce_admin()
    if refused:
        # Its tables stay, stamped; `plugin install` finishes the job once the cause is fixed.
        fail("; ".join(refused) + " (the other plugins are installed)")


def schema_ddl(dialect_name: str, plugins: list[str] | None = None) -> str:
    """``CREATE TABLE``/``CREATE INDEX`` for the core and the given plugins, in dependency order."""
    names = set(owned_tables(CORE_OWNER))
    for name in plugins if plugins is not None else PLUGIN_TABLE_OWNERS:
        names |= set(PLUGIN_TABLE_OWNERS.get(name, ()))
    statements: list[str] = []
    engine = create_mock_engine(f"{dialect_name}://", executor=lambda ddl, *a, **k: statements.append(
        str(ddl.compile(dialect=engine.dialect)).strip() + ";"))
    never_reuse_ids(db.metadata.tables.values())
    for table in db.metadata.sorted_tables:
        if table.name not in names:
            continue
        # What ``create_all`` runs on that database, in a fixed order: the table's own DDL around it
        # (PostgreSQL's pg_trgm, SQLite's search FTS table and triggers) and only the indexes made for it
        # (``ddl_if``: the trigram GIN on PostgreSQL, the FULLTEXT index on MariaDB).
        table.dispatch.before_create(table, engine, checkfirst=False)
        engine.execute(CreateTable(table))
        for index in sorted(table.indexes, key=lambda i: i.name or ""):
            if index._ddl_if is None or index._ddl_if._should_execute(CreateIndex(index), index, engine):  # noqa: SLF001
                engine.execute(CreateIndex(index))
        table.dispatch.after_create(table, engine, checkfirst=False)
    return "\n\n".join(statements) + "\n"


@db_group.command("export-schema")
@click.option("--dialect", type=click.Choice(DIALECTS), default="mysql", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), default=None)
@with_appcontext
def export_schema_command(dialect: str, output: str | None) -> None:
    """Print the DDL of the core and every loaded plugin for DIALECT."""
    manager = get_manager()
    plugins = [n for n in manager.order if manager.records[n].usable]
    header = (f"-- ShopDB {current_app.config['API_VERSION']} schema ({dialect}); "
              f"generated by `shopdb db export-schema --dialect {dialect}`.\n"
              f"-- Core and plugins: {', '.join(plugins)}.\n\n")
    if dialect == "mysql":
        header += "-- Database: shopdb_flask\n\n"
    text = header + schema_ddl(dialect, plugins)
    if output:
        Path(output).write_text(text)
        console.print(f"wrote {output}")
    else:
        click.echo(text, nl=False)


@db_group.command("analyze")
@click.argument("tables", nargs=-1)
@with_appcontext
def analyze_command(tables: tuple[str, ...]) -> None:
    """Refresh the database's statistics of TABLES (default: all) after bulk work.

    The demo and import commands do it themselves; run it after loading rows another way (SQL, a
    restore) on a database whose autovacuum is off or has not come by yet.
    """
    unknown = sorted(set(tables) - set(inspect(db.engine).get_table_names()))
    if unknown:
        fail(f"no such table: {', '.join(unknown)}")
    if not table_statistics.measured(db.engine):
        console.print("analyze: nothing to do on SQLite: it plans without statistics, as ShopDB's plans "
                      "are tested (docs/adr/0019)")
        return
    started = time.perf_counter()
    names = table_statistics.refresh(db.engine, tables or None)
    console.print(f"analyze: measured {len(names)} table(s) in {time.perf_counter() - started:.1f} s")
