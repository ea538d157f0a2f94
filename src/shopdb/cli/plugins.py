"""``shopdb plugin ...``: every plugin operation of SPEC §3, each printing what it did.

Operator mistakes (unknown plugin, rows that would be dropped, a bad name) end with a one-line
``Error: ...`` and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from rich.table import Table
from sqlalchemy import text

from ..config import PACKAGED_PLUGINS
from ..extensions import db
from ..plugins.chains import MigrationFailed
from ..plugins.manager import PluginError, get_manager
from .output import console, fail, progress


@click.group("plugin")
def plugin_group() -> None:
    """Discover, install, migrate and check plugins."""


def _guard(func):
    """Turn framework errors into one-line failures."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (PluginError, MigrationFailed) as exc:
            db.session.rollback()
            fail(str(exc))

    return wrapper


@plugin_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
@with_appcontext
@_guard
def list_command(as_json: bool) -> None:
    """Every discovered plugin with its state, version and pending migrations."""
    db.session.execute(text("SELECT 1"))  # an unreachable database is an error, not "available"
    manager = get_manager()
    statuses = {name: manager.status(name) for name in sorted(manager.records)}
    if as_json:
        click.echo(json.dumps(statuses, indent=2))
        return
    table = Table("plugin", "state", "version", "pending", "source", "error")
    for name, s in statuses.items():
        pending = "" if s["pending_migrations"] is None else str(s["pending_migrations"])
        table.add_row(name, s["state"], s["version"] or "?", pending, s["source"], s["error"] or "")
    console.print(table)
    if not statuses:
        console.print("no plugins found on SHOPDB_PLUGIN_PATH: "
                      + ", ".join(current_app.config["SHOPDB_PLUGIN_PATH"]))


@plugin_group.command("info")
@click.argument("name")
@with_appcontext
@_guard
def info_command(name: str) -> None:
    """Everything known about one plugin."""
    db.session.execute(text("SELECT 1"))
    status = get_manager().status(name)
    for key, value in status.items():
        console.print(f"{key:>18}: {value if value not in (None, []) else '-'}")


@plugin_group.command("install")
@click.argument("name")
@with_appcontext
@_guard
def install_command(name: str) -> None:
    """Run NAME's migrations, call its on_install hook and enable it (again: changes nothing)."""
    result = get_manager().install(name)
    adopted = ", existing tables adopted" if result["adopted"] else ""
    applied = f"{result['applied']} revision(s) applied{adopted}"
    if result["already"] == "disabled":
        console.print(f"{name}: already installed, but disabled; `shopdb plugin enable {name}` serves it")
    elif result["already"] and (result["applied"] or result["adopted"]):
        console.print(f"{name}: already installed; migrated {result['from'] or 'empty'} -> {result['to']} ({applied})")
    elif result["already"]:
        console.print(f"{name}: already installed, at revision {result['to']}; nothing to do")
    else:
        console.print(f"{name}: installed at revision {result['to']} ({applied})")


@plugin_group.command("uninstall")
@click.argument("name")
@click.option("--yes", is_flag=True, help="drop the plugin's tables even if they hold rows")
@click.option("--keep-data", is_flag=True, help="leave the plugin's tables in place")
@with_appcontext
@_guard
def uninstall_command(name: str, yes: bool, keep_data: bool) -> None:
    """Delete NAME's assets, downgrade its chain to base (dropping its tables), mark it uninstalled."""
    if yes and keep_data:
        fail("--yes drops the data and --keep-data keeps it: choose one")
    with progress() as bar:
        task = None

        def step(done: int, total: int) -> None:
            nonlocal task
            if total and task is None:
                task = bar.add_task(f"deleting {name} assets", total=total)
            if task is not None:
                bar.update(task, completed=done)

        result = get_manager().uninstall(name, yes=yes, keep_data=keep_data, progress=step)
    if result["already"]:
        console.print(f"{name}: already uninstalled" if result["already"] == "uninstalled"
                      else f"{name}: not installed; nothing to do")
        return
    assets = result["rows"].pop("assets", 0)
    rows = sum(result["rows"].values())
    if result["dropped"]:
        console.print(f"{name}: uninstalled; dropped {len(result['rows'])} table(s) ({rows} row(s)) "
                      f"and deleted its {assets} asset(s)")
    else:
        console.print(f"{name}: uninstalled; kept its tables ({rows} row(s)) and its {assets} asset(s)")


@plugin_group.command("enable")
@click.argument("name")
@with_appcontext
@_guard
def enable_command(name: str) -> None:
    """Enable NAME (restart the server to serve its routes)."""
    if get_manager().enable(name):
        console.print(f"{name}: enabled (restart ShopDB to serve it)")
    else:
        console.print(f"{name}: already enabled")


@plugin_group.command("disable")
@click.argument("name")
@with_appcontext
@_guard
def disable_command(name: str) -> None:
    """Disable NAME; its tables and data stay (restart the server to stop serving it)."""
    if get_manager().disable(name):
        console.print(f"{name}: disabled (restart ShopDB to stop serving it)")
    else:
        console.print(f"{name}: already disabled")


@plugin_group.command("migrate")
@click.argument("name")
@click.option("--revision", default="head", show_default=True,
              help="target revision; with --sql also a range like 0001:0002")
@click.option("--sql", is_flag=True, help="print the SQL instead of running it (offline mode)")
@with_appcontext
@_guard
def migrate_command(name: str, revision: str, sql: bool) -> None:
    """Upgrade NAME's chain to REVISION."""
    manager = get_manager()
    record = manager.require_usable(name)
    _known_revision(record, revision)
    if sql:
        url = db.engine.url.render_as_string(hide_password=False)
        click.echo(record.chain.sql(url, revision), nl=False)
        return
    result = manager.migrate(name, revision)
    if result["applied"] or result["adopted"]:
        console.print(f"{name}: {result['from'] or 'empty'} -> {result['to']} "
                      f"({result['applied']} revision(s) applied)")
        if record.not_served:
            console.print(f"{name}: its tables are back; restart ShopDB to serve it")
    else:
        console.print(f"{name}: already at {result['to']}; nothing to do")


@plugin_group.command("downgrade")
@click.argument("name")
@click.argument("revision")
@click.option("--sql", is_flag=True, help="print the SQL instead of running it")
@with_appcontext
@_guard
def downgrade_command(name: str, revision: str, sql: bool) -> None:
    """Downgrade NAME's chain to REVISION ('base' drops its tables)."""
    record = get_manager().require_usable(name)
    _known_revision(record, revision)
    if sql:
        current = record.chain.current(db.engine) or record.chain.head()
        url = db.engine.url.render_as_string(hide_password=False)
        click.echo(record.chain.sql(url, revision, downgrade_from=current), nl=False)
        return
    before, after = record.chain.downgrade(db.engine, revision)
    console.print(f"{name}: {before or 'empty'} -> {after or 'base'}")
    if after is None and record.state == "enabled":
        console.print(f"{name} is not served after a restart: {get_manager().unmigrated_advice(name)}")


def _known_revision(record, revision: str) -> None:
    """Refuse a revision the chain does not have, naming what it does have."""
    from alembic.util import CommandError

    for part in revision.split(":"):
        if part in ("head", "heads", "base", ""):
            continue
        try:
            record.chain.script().get_revision(part)
        except CommandError:
            known = ", ".join(r for r, _, _ in record.chain.history())
            fail(f"{record.name} has no revision {part!r} (it has: {known}, or head/base)")


@plugin_group.command("history")
@click.argument("name")
@with_appcontext
@_guard
def history_command(name: str) -> None:
    """NAME's revisions, oldest first; the applied one is marked."""
    record = get_manager().require_usable(name)
    current = record.chain.current(db.engine)
    for revision, down, doc in record.chain.history():
        marker = " (current)" if revision == current else ""
        console.print(f"{down or 'base'} -> {revision}{marker}: {doc.splitlines()[0] if doc else ''}")


@plugin_group.command("current")
@with_appcontext
@_guard
def current_command() -> None:
    """The applied revision of every plugin chain."""
    manager = get_manager()
    for name in manager.order:
        record = manager.records[name]
        if not record.usable:
            console.print(f"{name}: failed ({record.error})")
            continue
        current = record.chain.current(db.engine)
        head = record.chain.head()
        note = "head" if current == head else f"head is {head}"
        console.print(f"{name}: {current or 'not installed'} ({note})")


@plugin_group.command("revision")
@click.argument("name")
@click.option("-m", "--message", required=True, help="what the revision changes")
@click.option("--autogenerate", is_flag=True, help="compare the models with the database")
@with_appcontext
@_guard
def revision_command(name: str, message: str, autogenerate: bool) -> None:
    """Write a new revision in NAME's chain, limited to NAME's tables."""
    record = get_manager().require_usable(name)
    if not message.strip():
        fail("a revision needs a message (-m) saying what it changes")
    if autogenerate and record.chain.current(db.engine) != record.chain.head():
        fail(f"{name}: the database is not at head; run `shopdb plugin migrate {name}` first")
    path = record.chain.new_revision(db.engine, message, autogenerate)
    console.print(f"{name}: wrote {path}")


@plugin_group.command("upgrade-all")
@click.option("--json", "as_json", is_flag=True, help="print the status dict as JSON")
@with_appcontext
@_guard
def upgrade_all_command(as_json: bool) -> None:
    """Run pending migrations of every plugin; install all (or SHOPDB_PLUGINS) on a fresh deploy."""
    manager = get_manager()
    with progress() as bar:
        task = bar.add_task("plugins", total=len(manager.order))

        def step(name: str, status: dict) -> None:
            bar.update(task, advance=1, description=f"plugins ({name})")

        report = manager.upgrade_all_plugins(progress=step)
    if as_json:
        click.echo(json.dumps(report.statuses, indent=2))
    else:
        for name, s in report.statuses.items():
            detail = s.get("reason") or (
                f"{s['from'] or 'empty'} -> {s['to']} ({s['applied']} applied)"
                if s["status"] != "up_to_date" else f"at {s['to']}")
            console.print(f"{name:>16}: {s['status']}: {detail}")
        if not report.changed and not report.failed:
            console.print("Everything is up to date; nothing changed.")
    if report.failed:
        fail(f"{len(report.failed)} plugin(s) failed: {', '.join(report.failed)}")


@plugin_group.command("check")
@click.option("--strict", is_flag=True, help="also fail on incompatible core_version and failed plugins")
@with_appcontext
@_guard
def check_command(strict: bool) -> None:
    """Fail on model/migration drift, PLUGIN_TABLE_OWNERS disagreements or contract breaches."""
    from ..plugins.checks import check_all

    problems, warnings = check_all(get_manager(), strict=strict)
    for warning in warnings:
        console.print(f"warning: {warning}")
    for problem in problems:
        console.print(f"problem: {problem}")
    if problems:
        fail(f"plugin check found {len(problems)} problem(s)")
    console.print(f"plugin check: {len(get_manager().records)} plugin(s) checked, no problems")


@plugin_group.command("new")
@click.argument("name")
@click.option("--description", required=True, help="one line saying what the plugin tracks")
@click.option("--overwrite", is_flag=True, help="replace an existing plugin folder")
@click.option("--dest", type=click.Path(file_okay=False), default=None,
              help="parent folder (default: the first folder of SHOPDB_PLUGIN_PATH)")
@with_appcontext
def new_command(name: str, description: str, overwrite: bool, dest: str | None) -> None:
    """Write a working plugin skeleton into DEST/NAME from the templates."""
    from ..plugins.scaffolder import ScaffoldError, next_steps, scaffold_plugin

    paths = current_app.config["SHOPDB_PLUGIN_PATH"]
    if not dest and not paths:
        fail("SHOPDB_PLUGIN_PATH is empty; pass --dest DIR")
    parent = Path(dest) if dest else Path(paths[0])
    if not dest and parent.resolve() == PACKAGED_PLUGINS.resolve():
        # An installed wheel's own plugins live inside site-packages: a new plugin written there would be
        # lost at the next upgrade of ShopDB.
        fail(f"the first folder of SHOPDB_PLUGIN_PATH is the installed package's ({parent}); pass --dest DIR "
             "and add DIR to SHOPDB_PLUGIN_PATH")
    taken = set(get_manager().records)
    try:
        created = scaffold_plugin(name, description, parent, overwrite=overwrite, existing=taken)
    except ScaffoldError as exc:
        fail(str(exc))
    console.print(f"created plugin {name!r} in {created} ({len(list(created.rglob('*.*')))} files)")
    console.print(next_steps(name, created))
