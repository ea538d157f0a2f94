"""``PluginManager``: validates, orders, installs, enables and migrates plugins.

State (enabled / disabled / uninstalled) lives in the ``plugin_states`` table, so every worker
and the CLI agree. A plugin that cannot be used (bad manifest, incompatible core_version, import
error, failing hook, unmet requirement) is *failed*: it is reported with its reason and skipped,
and everything else keeps running.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, current_app
from flask_smorest import Blueprint as ApiBlueprint
from sqlalchemy import delete, func, inspect, select, text
from sqlalchemy.exc import SQLAlchemyError

from .. import __version__
from ..core.models import Asset, AssetType, AuditLog, PluginState, utcnow
from ..core.services import asset_kinds
from ..core.services.audit import current_actor as audit_actor
from ..extensions import db
from . import hooks
from .alembic_template import (
    PLUGIN_TABLE_OWNERS,
    TableOwnershipError,
    owned_tables,
    register_table_owner,
)
from .base import BasePlugin
from .chains import MigrationFailed
from .loader import PluginLoader
from .records import PluginRecord, UpgradeReport

log = logging.getLogger(__name__)
EXTENSION_KEY = "shopdb.plugins"


class PluginError(Exception):
    """An operator-facing failure of a plugin command (printed as one line by the CLI)."""


class PluginManager:
    def __init__(self, app: Flask | None = None):
        self.records: dict[str, PluginRecord] = {}
        self.order: list[str] = []
        if app is not None:
            self.init_app(app)

    # -- start-up -------------------------------------------------------------------------------
    def init_app(self, app: Flask) -> None:
        app.extensions[EXTENSION_KEY] = self
        loader = PluginLoader(app.config["SHOPDB_PLUGIN_PATH"],
                              use_entry_points=app.config.get("SHOPDB_PLUGIN_ENTRY_POINTS", True))
        self.discover(loader)
        with app.app_context():
            self.refresh_states()
            for name in self.order:
                record = self.records[name]
                if record.state == "enabled" and record.usable:
                    if self._unmigrated(record):
                        self._fail(record, f"enabled but its tables are missing (chain at base): "
                                           f"run `shopdb plugin migrate {name}` or `shopdb plugin uninstall {name}`")
                        continue
                    self._activate(app, record)

    def discover(self, loader: PluginLoader) -> None:
        for name, found in loader.discover().items():
            record = PluginRecord(name=name, discovered=found)
            self.records[name] = record
            if not found.ok:
                self._fail(record, found.error or "could not be loaded")
                continue
            manifest = found.manifest
            record.requires = manifest.requires
            if not manifest.is_compatible(__version__):
                self._fail(record, f"incompatible: needs core {manifest.core_version}, "
                                   f"this is {__version__}")
                continue
            try:
                if manifest.tables is not None:
                    register_table_owner(name, manifest.tables)
                record.plugin = found.plugin_class(manifest, found.root)
            except (TableOwnershipError, Exception) as exc:  # noqa: B014 - say which kind failed
                self._fail(record, f"{type(exc).__name__}: {exc}", traceback.format_exc())
        self._order_by_requirements()

    def _order_by_requirements(self) -> None:
        """Topological order by ``requires``; plugins in a cycle or missing a requirement fail."""
        order: list[str] = []
        marks: dict[str, str] = {}

        def visit(name: str, chain: list[str]) -> bool:
            record = self.records.get(name)
            if record is None:
                return False
            if marks.get(name) == "done":
                return record.error is None
            if marks.get(name) == "visiting":
                cycle = " -> ".join(chain[chain.index(name):] + [name])
                for member in chain[chain.index(name):]:
                    self._fail(self.records[member], f"requirements form a cycle: {cycle}")
                return False
            marks[name] = "visiting"
            ok = True
            for dep in record.requires:
                if dep not in self.records:
                    self._fail(record, f"requires plugin {dep!r}, which was not found")
                    ok = False
                elif not visit(dep, chain + [name]):
                    if record.error is None:
                        self._fail(record, f"requires plugin {dep!r}, which failed: "
                                           f"{self.records[dep].error}")
                    ok = False
            marks[name] = "done"
            order.append(name)
            return ok and record.error is None

        for name in sorted(self.records):
            visit(name, [])
        self.order = order

    def _fail(self, record: PluginRecord, reason: str, trace: str | None = None) -> None:
        if record.error is None:
            record.error = reason
        record.state = "failed"
        record.plugin = None
        log.error("plugin %s failed: %s%s", record.name, reason, f"\n{trace}" if trace else "")

    def refresh_states(self) -> None:
        """Read persisted states; a database without the table yet means nothing is installed."""
        states = self._persisted_states()
        for name, record in self.records.items():
            if record.error is not None:
                record.state = "failed"
                continue
            row = states.get(name)
            record.state = row.state if row is not None else "available"

    def _persisted_states(self) -> dict[str, PluginState]:
        try:
            if not inspect(db.engine).has_table("plugin_states"):
                return {}
            states = {row.name: row for row in db.session.execute(select(PluginState)).scalars()}
            db.session.commit()  # end the read: migrations write on their own connection
            return states
        except SQLAlchemyError as exc:
            log.warning("cannot read plugin states: %s", exc)
            db.session.rollback()
            return {}

    @staticmethod
    def _unmigrated(record: PluginRecord) -> bool:
        try:
            return record.chain.current(db.engine) is None
        except SQLAlchemyError:
            return False  # the database is unreachable: health reports that on its own

    def _activate(self, app: Flask, record: PluginRecord) -> None:
        """Register an enabled plugin: all of it (hooks, routes, events) or none of it."""
        plugin = record.plugin
        try:
            plugin.init_app(app)
            blueprint = plugin.get_blueprint()
            handlers = plugin.get_event_handlers()
            if blueprint is not None and not isinstance(blueprint, Blueprint):
                raise TypeError("get_blueprint() must return a Flask Blueprint or None")
            if blueprint is not None:
                if blueprint.name in app.blueprints:
                    raise ValueError(f"blueprint name {blueprint.name!r} is already registered")
                if isinstance(blueprint, ApiBlueprint):
                    app.extensions["shopdb.api"].register_blueprint(blueprint)
                else:
                    app.register_blueprint(blueprint)
            for kind in plugin.get_asset_kinds():  # its rules now hold on every write path
                asset_kinds.register(app, kind)
        except Exception as exc:
            self._fail(record, f"start-up failed: {type(exc).__name__}: {exc}", traceback.format_exc())
            return
        bus = app.extensions[hooks.EXTENSION_KEY]
        for event, handler in handlers.items():
            bus.subscribe(event, handler, record.name)
        record.registered = True

    # -- queries ----------------------------------------------------------------------------------
    def get(self, name: str) -> PluginRecord:
        record = self.records.get(name)
        if record is None:
            known = ", ".join(sorted(self.records)) or "none"
            raise PluginError(f"no plugin named {name!r} (found: {known})")
        return record

    def enabled_plugins(self) -> list[BasePlugin]:
        """Enabled, working plugins in dependency order (what the running app serves)."""
        return [self.records[n].plugin for n in self.order
                if self.records[n].state == "enabled" and self.records[n].registered]

    def status(self, name: str) -> dict[str, Any]:
        """What ``/api/v1/health`` and ``plugin info`` show for one plugin."""
        record = self.get(name)
        pending: int | None = None
        current = None
        if record.usable and record.state in ("enabled", "disabled"):
            try:
                current = record.chain.current(db.engine)
                pending = len(record.chain.pending(db.engine, current))
            except Exception as exc:  # a broken chain is reported, never raised from health
                record.error = record.error or f"migrations unreadable: {exc}"
        return {
            "state": record.state, "version": record.version, "pending_migrations": pending,
            "revision": current, "error": record.error, "source": record.discovered.source,
            "path": str(record.discovered.root), "requires": list(record.requires),
            "description": record.discovered.manifest.description if record.discovered.manifest else None,
            "tables": list(PLUGIN_TABLE_OWNERS.get(name, ())),
        }

    # -- state changes ----------------------------------------------------------------------------
    def _set_state(self, name: str, state: str, note: str | None = None) -> None:
        row = db.session.get(PluginState, name)
        record = self.records[name]
        if row is None:
            row = PluginState(name=name, state=state, version=record.version)
            db.session.add(row)
        row.state, row.version, row.note = state, record.version, note
        if state == "enabled" and row.installed_at is None:
            row.installed_at = utcnow()
        db.session.commit()
        record.state = state

    def _require_usable(self, name: str) -> PluginRecord:
        record = self.get(name)
        if not record.usable:
            raise PluginError(f"plugin {name!r} is failed: {record.error}")
        return record

    def _call_hook(self, record: PluginRecord, hook: str, *args: Any) -> None:
        try:
            getattr(record.plugin, hook)(*args)
            db.session.commit()
        except Exception as exc:
            db.session.rollback()
            log.error("plugin %s: %s failed\n%s", record.name, hook, traceback.format_exc())
            first_line = (str(exc).strip().splitlines() or [""])[0]
            raise PluginError(f"plugin {record.name!r}: {hook} failed: {type(exc).__name__}: {first_line}") from exc

    def require_core_schema(self) -> None:
        """Plugin chains build on the core's tables: refuse to run before the core chain did."""
        if not inspect(db.engine).has_table("plugin_states"):
            raise PluginError("the core database is not set up yet: run `shopdb db upgrade` "
                              "(or `shopdb db bootstrap`) first")

    def migrate(self, name: str, revision: str = "head") -> dict[str, Any]:
        """Upgrade one plugin's chain; a create_all database is adopted (baseline stamped)."""
        record = self._require_usable(name)
        self.require_core_schema()
        chain = record.chain
        db.session.commit()  # migrations run on their own connection; SQLite must not be locked
        result = chain.upgrade(db.engine, revision)
        if result.applied and result.before is not None:
            self._call_hook(record, "on_upgrade", result.before, result.after)
        return {"from": result.before, "to": result.after, "applied": result.applied,
                "adopted": result.adopted}

    def install(self, name: str) -> dict[str, Any]:
        record = self._require_usable(name)
        for dep in record.requires:
            if self.records[dep].state != "enabled":
                raise PluginError(f"plugin {name!r} requires {dep!r}; install {dep!r} first")
        fresh = record.chain.current(db.engine) is None
        result = self.migrate(name)
        if record.state != "enabled":
            try:
                self._call_hook(record, "on_install")
            except PluginError as exc:
                if fresh:  # leave the database as it was: no half-installed plugin behind
                    record.chain.downgrade(db.engine, "base")
                record.error = str(exc)
                record.state = "failed"
                raise PluginError(f"{exc}; the install was rolled back") from exc
            self._set_state(name, "enabled")
        return result

    def uninstall(self, name: str, yes: bool = False, keep_data: bool = False) -> dict[str, Any]:
        record = self.get(name)
        if record.state in ("available", "uninstalled"):
            raise PluginError(f"plugin {name!r} is not installed")
        if record.plugin is None:
            raise PluginError(f"plugin {name!r} is failed ({record.error}); fix it before uninstalling, "
                              "its migrations are needed to remove its tables")
        users = [n for n, r in self.records.items() if name in r.requires and r.state == "enabled"]
        if users:
            raise PluginError(f"plugin {name!r} is required by {', '.join(users)}; uninstall those first")
        rows = self.row_counts(name)
        assets = self._asset_count(name)
        if assets:
            rows["assets"] = assets
        if not keep_data and any(rows.values()) and not yes:
            held = ", ".join(f"{t}: {n}" for t, n in rows.items() if n)
            raise PluginError(f"plugin {name!r} tables hold rows ({held}); "
                              "pass --yes to drop them or --keep-data to keep them")
        self._call_hook(record, "on_uninstall")
        result: dict[str, Any] = {"rows": rows, "dropped": False}
        if not keep_data:
            before, after = record.chain.downgrade(db.engine, "base")
            self._delete_assets(name)
            result.update({"from": before, "to": after, "dropped": True})
        self._set_state(name, "uninstalled")
        return result

    def _plugin_asset_filter(self, name: str):
        return Asset.asset_type_id.in_(select(AssetType.id).where(AssetType.plugin == name))

    def _asset_count(self, name: str) -> int:
        return db.session.execute(
            select(func.count()).select_from(Asset).where(self._plugin_asset_filter(name))).scalar_one()

    def _delete_assets(self, name: str) -> None:
        """The plugin's assets in the core go with its tables (their relationships cascade)."""
        count = self._asset_count(name)
        if count:
            db.session.execute(delete(Asset).where(self._plugin_asset_filter(name)))
            db.session.add(AuditLog(username=audit_actor()[1], action="delete", table_name="assets",
                                    row_id="*", after=None, before={"uninstalled_plugin": name, "assets": count}))
            db.session.commit()

    def row_counts(self, name: str) -> dict[str, int]:
        existing = set(inspect(db.engine).get_table_names())
        counts = {}
        for table in owned_tables(name):
            if table in existing:
                counts[table] = db.session.execute(
                    select(func.count()).select_from(text(table))
                ).scalar_one()
        return counts

    def enable(self, name: str) -> None:
        record = self._require_usable(name)
        if record.state == "enabled":
            raise PluginError(f"plugin {name!r} is already enabled")
        if record.state != "disabled":
            raise PluginError(f"plugin {name!r} is {record.state}; install it first")
        for dep in record.requires:
            if self.records[dep].state != "enabled":
                raise PluginError(f"plugin {name!r} requires {dep!r}, which is {self.records[dep].state}")
        self._set_state(name, "enabled")
        self._call_hook(record, "on_enable")

    def disable(self, name: str) -> None:
        record = self.get(name)
        if record.state != "enabled":
            raise PluginError(f"plugin {name!r} is {record.state}, not enabled")
        users = [n for n, r in self.records.items() if name in r.requires and r.state == "enabled"]
        if users:
            raise PluginError(f"plugin {name!r} is required by {', '.join(users)}; disable those first")
        self._set_state(name, "disabled")
        if record.plugin is not None:
            self._call_hook(record, "on_disable")

    # -- upgrade-all ------------------------------------------------------------------------------
    def upgrade_all_plugins(
        self, progress: Callable[[str, dict[str, Any]], None] | None = None,
    ) -> UpgradeReport:
        """Bring every plugin's chain to head; idempotent.

        On a fresh deploy (no plugin state yet) every discovered plugin is installed, or only those
        in ``SHOPDB_PLUGINS`` plus what they require. Plugins the operator disabled or uninstalled
        are skipped and reported so. Returns a status per plugin:
        ``{"status": installed|adopted|upgraded|up_to_date|skipped|error, "from", "to", "applied",
        "reason"}``.
        """
        report = UpgradeReport()
        self.require_core_schema()
        self.refresh_states()
        wanted = self._wanted_plugins()
        for name in self.order:
            record = self.records[name]
            status: dict[str, Any] = {"from": None, "to": None, "applied": 0}
            try:
                if record.state == "failed" or not record.usable:
                    status.update(status="error", reason=record.error)
                elif record.state in ("disabled", "uninstalled"):
                    status.update(status="skipped", reason=f"{record.state} by the operator")
                elif record.state == "available" and wanted is not None and name not in wanted:
                    status.update(status="skipped", reason="not selected by SHOPDB_PLUGINS")
                elif record.state == "available":
                    result = self.install(name)
                    status.update(result, status="adopted" if result["adopted"] else "installed")
                else:
                    result = self.migrate(name)
                    changed = result["applied"] or result["adopted"]
                    status.update(result, status="upgraded" if changed else "up_to_date")
            except (PluginError, MigrationFailed) as exc:
                db.session.rollback()
                status.update(status="error", reason=str(exc))
            except Exception as exc:
                db.session.rollback()
                log.error("plugin %s: upgrade failed\n%s", name, traceback.format_exc())
                status.update(status="error", reason=f"{type(exc).__name__}: {exc}")
            status.pop("adopted", None)
            report.statuses[name] = status
            if progress:
                progress(name, status)
        return report

    def _wanted_plugins(self) -> set[str] | None:
        selected = current_app.config.get("SHOPDB_PLUGINS")
        if not selected:
            return None
        unknown = [n for n in selected if n not in self.records]
        if unknown:
            raise PluginError(f"SHOPDB_PLUGINS names unknown plugins: {', '.join(unknown)}")
        wanted: set[str] = set()
        stack = list(selected)
        while stack:
            name = stack.pop()
            if name not in wanted:
                wanted.add(name)
                stack.extend(self.records[name].requires)
        return wanted


def get_manager(app: Flask | None = None) -> PluginManager:
    return (app or current_app).extensions[EXTENSION_KEY]
