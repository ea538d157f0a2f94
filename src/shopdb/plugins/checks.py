"""``plugin check``: the contract every plugin must keep, and drift between models and migrations."""

from __future__ import annotations

from flask import Blueprint

from ..extensions import db
from .alembic_template import PLUGIN_TABLE_OWNERS, TableOwnershipError, owned_tables
from .base import BasePlugin
from .manager import PluginManager
from .records import PluginRecord

REQUIRED_MIGRATION_FILES = ("alembic.ini", "env.py", "script.py.mako")


def check_contract(record: PluginRecord) -> list[str]:
    """Problems with how ``record``'s plugin is built (files, class, models, ownership)."""
    name = record.name
    plugin = record.plugin
    problems = []
    if not isinstance(plugin, BasePlugin):
        return [f"{name}: the plugin class does not subclass BasePlugin"]
    migrations = record.discovered.root / "migrations"
    for required in REQUIRED_MIGRATION_FILES:
        if not (migrations / required).exists():
            problems.append(f"{name}: migrations/{required} is missing")
    if not list((migrations / "versions").glob("0001_*.py")):
        problems.append(f"{name}: migrations/versions/0001_*.py (the baseline) is missing")
    try:
        blueprint = plugin.get_blueprint()
        if blueprint is not None and not isinstance(blueprint, Blueprint):
            problems.append(f"{name}: get_blueprint() did not return a Blueprint")
        elif blueprint is not None and not (blueprint.url_prefix or "").startswith(f"/api/v1/{name}"):
            problems.append(f"{name}: the blueprint must live under /api/v1/{name}")
        models = plugin.get_models()
    except Exception as exc:
        return problems + [f"{name}: calling the plugin failed: {type(exc).__name__}: {exc}"]
    model_tables = set()
    for model in models:
        table = getattr(model, "__tablename__", None)
        if table is None:
            problems.append(f"{name}: get_models() returned {model!r} without __tablename__")
        else:
            model_tables.add(table)
    try:
        owned = set(owned_tables(name))
    except TableOwnershipError as exc:
        return problems + [str(exc)]
    if owned != model_tables:
        problems.append(
            f"{name}: PLUGIN_TABLE_OWNERS lists {sorted(owned)} but the models declare "
            f"{sorted(model_tables)}"
        )
    manifest_tables = record.discovered.manifest.tables
    if manifest_tables is not None and set(manifest_tables) != owned:
        problems.append(f"{name}: manifest tables {sorted(manifest_tables)} differ from {sorted(owned)}")
    for other, tables in PLUGIN_TABLE_OWNERS.items():
        if other != name and set(tables) & owned:
            problems.append(f"{name}: shares tables {sorted(set(tables) & owned)} with {other}")
    return problems


def check_drift(record: PluginRecord) -> list[str]:
    """Models vs the installed chain at head: a model changed without a revision."""
    chain = record.chain
    current = chain.current(db.engine)
    if current is None:
        return []
    if current != chain.head():
        return [f"{record.name}: database at {current}, head is {chain.head()}; "
                f"run `shopdb plugin migrate {record.name}`"]
    diffs = chain.diff(db.engine)
    if not diffs:
        return []
    summary = "; ".join(_describe(d) for d in diffs[:5])
    return [f"{record.name}: models and migration head differ ({summary}); "
            f"write a revision with `shopdb plugin revision {record.name} -m ... --autogenerate`"]


def _describe(diff) -> str:
    if isinstance(diff, list):
        diff = diff[0]
    op = diff[0]
    target = diff[1]
    name = getattr(target, "name", None) or (diff[3] if len(diff) > 3 else "")
    table = getattr(getattr(target, "table", None), "name", None) or (diff[2] if len(diff) > 2 else "")
    return f"{op} {table}.{name}" if table and isinstance(table, str) else f"{op} {name}"


def check_all(manager: PluginManager, strict: bool = False) -> tuple[list[str], list[str]]:
    """(problems, warnings). An incompatible core_version is a warning unless ``strict``."""
    problems: list[str] = []
    warnings: list[str] = []
    for name in sorted(manager.records):
        record = manager.records[name]
        if not record.usable:
            # An incompatible core_version never blocks start-up, so only --strict fails on it.
            lenient = (record.error or "").startswith("incompatible") and not strict
            (warnings if lenient else problems).append(f"{name}: failed: {record.error}")
            continue
        problems += check_contract(record)
        problems += check_drift(record)
    return problems, warnings
