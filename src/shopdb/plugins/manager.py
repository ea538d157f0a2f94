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
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import SQLAlchemyError

from .. import events
from ..core.models import PluginState, utcnow
from ..core.services import asset_kinds, plugin_directory, search_index
from ..extensions import db
from ..version import __version__
from .alembic_template import (
    PLUGIN_TABLE_OWNERS,
    TableOwnershipError,
    owned_tables,
    register_table_owner,
)
from .asset_removal import Progress, RemovalStopped, count_plugin_assets, delete_plugin_assets
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
        plugin_directory.register(app, self)  # what health and search see of the plugins
        loader = PluginLoader(app.config["SHOPDB_PLUGIN_PATH"],
                              use_entry_points=app.config.get("SHOPDB_PLUGIN_ENTRY_POINTS", True))
        self.discover(loader)
        with app.app_context():
            self.refresh_states()
            for name in self.order:
                record = self.records[name]
                if record.state == "enabled" and record.usable:
                    if self._unmigrated(record):
                        # Not failed: the plugin is fine, its tables are missing; say how to get out.
                        record.not_served = self.unmigrated_advice(name)
                        log.error("plugin %s: %s", name, record.not_served)
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
            plugin.register_choice_sets()
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
            for source in plugin.get_search_sources():  # rows of other tables that feed search documents
                search_index.register_source(app, source, plugin.name)
        except Exception as exc:
            self._fail(record, f"start-up failed: {type(exc).__name__}: {exc}", traceback.format_exc())
            return
        bus = app.extensions[events.EXTENSION_KEY]
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

    def plugin_names(self) -> list[str]:
        return sorted(self.records)

    def recorded_state(self, name: str) -> str:
        """The state known at start-up, without asking the database."""
        return self.get(name).state

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
            # An enabled plugin without its tables is reported failed (health degraded) until migrated.
            "state": "failed" if record.not_served else record.state, "version": record.version,
            "pending_migrations": pending, "revision": current, "error": record.error or record.not_served,
            "source": record.discovered.source,
            "path": str(record.discovered.root), "requires": list(record.requires),
            "description": record.discovered.manifest.description if record.discovered.manifest else None,
            "tables": list(PLUGIN_TABLE_OWNERS.get(name, ())),
            "ui": record.ui_entry,  # the plugin's own UI bundle, when it ships one
        }

    # -- state changes ----------------------------------------------------------------------------
    def set_state(self, name: str, state: str, note: str | None = None) -> None:
        """Persist the operator's choice for ``name`` (every worker reads it at start-up)."""
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

    def require_usable(self, name: str) -> PluginRecord:
        """The record of a plugin that loaded (an enabled plugin without its tables included)."""
        record = self.get(name)
        if not record.usable:
            raise PluginError(f"plugin {name!r} is failed: {record.error}")
        return record

    def call_hook(self, record: PluginRecord, hook: str, *args: Any) -> None:
        """Call a lifecycle hook and commit its writes; a failure is a ``PluginError`` (rolled back)."""
        try:
            getattr(record.plugin, hook)(*args)
            db.session.commit()
        except Exception as exc:
            db.session.rollback()
            log.error("plugin %s: %s failed\n%s", record.name, hook, traceback.format_exc())
            first_line = (str(exc).strip().splitlines() or [""])[0]
            raise PluginError(f"plugin {record.name!r}: {hook} failed: {type(exc).__name__}: {first_line}") from exc

    # -- advice: every command a refusal suggests is one that works as printed -------------------
    def dependents(self, name: str) -> list[str]:
        """Enabled plugins that need ``name``, directly or not, in the order they must be taken away."""
        needing = {name}
        for other in self.order:  # requirements come before the plugins that need them
            record = self.records[other]
            if other != name and record.state == "enabled" and needing & set(record.requires):
                needing.add(other)
        return [n for n in reversed(self.order) if n in needing and n != name]

    def missing_requirements(self, name: str) -> list[str]:
        """Requirements of ``name``, direct or not, that are not enabled, in the order to set them up."""
        needed: set[str] = set()
        stack = list(self.records[name].requires)
        while stack:
            dep = stack.pop()
            if dep not in needed and dep in self.records:
                needed.add(dep)
                stack.extend(self.records[dep].requires)
        return [n for n in self.order if n in needed and self.records[n].state != "enabled"]

    def _setup_line(self, name: str) -> str:
        verb = "enable" if self.records[name].state == "disabled" else "install"
        return f"shopdb plugin {verb} {name}"

    def uninstall_line(self, name: str) -> str:
        """The ``plugin uninstall`` command that goes through now (``--yes`` when rows would go)."""
        held = any(self.row_counts(name).values()) or count_plugin_assets(name)
        db.session.commit()  # a read; migrations that follow use their own connection
        return f"shopdb plugin uninstall {name}" + (" --yes" if held else "")

    def unmigrated_advice(self, name: str) -> str:
        """What to run for an enabled plugin whose chain is at base (its tables were dropped)."""
        advice = (f"enabled but its tables are missing (chain at base), so it is not served: "
                  f"`shopdb plugin migrate {name}` re-creates them")
        if not self.dependents(name):
            line = self.uninstall_line(name)
            deletes = " and deletes its assets" if line.endswith("--yes") else ""
            advice += f", `{line}` removes it{deletes}"
        return advice

    @staticmethod
    def _then(lines: list[str]) -> str:
        return ", then ".join(f"`{line}`" for line in lines)

    def require_core_schema(self) -> None:
        """Plugin chains build on the core's tables: refuse to run before the core chain did."""
        if not inspect(db.engine).has_table("plugin_states"):
            raise PluginError("the core database is not set up yet: run `shopdb db upgrade` "
                              "(or `shopdb db bootstrap`) first")

    def migrate(self, name: str, revision: str = "head") -> dict[str, Any]:
        """Upgrade one plugin's chain; a create_all database is adopted (baseline stamped).

        Also the way back for an enabled plugin downgraded to base: it is served after a restart.
        """
        record = self.require_usable(name)
        self.require_core_schema()
        chain = record.chain
        db.session.commit()  # migrations run on their own connection; SQLite must not be locked
        result = chain.upgrade(db.engine, revision)
        if result.applied or result.adopted:  # the vocabularies' table may be new, or emptied and back
            self.call_hook(record, "register_choice_sets")
        if result.applied and result.before is not None:
            self.call_hook(record, "on_upgrade", result.before, result.after)
        return {"from": result.before, "to": result.after, "applied": result.applied,
                "adopted": result.adopted, "stamped": result.stamped}

    def install(self, name: str) -> dict[str, Any]:
        """Migrate, call ``on_install`` and enable ``name``.

        Installing an installed plugin only brings its chain to head (``result["already"]`` says
        its state). If ``on_install`` fails, the database goes back to where it was: tables this
        install created are dropped, tables that were there before (adopted) keep their rows.
        """
        record = self.require_usable(name)
        missing = self.missing_requirements(name)
        if missing:
            raise PluginError(f"plugin {name!r} requires {', '.join(map(repr, missing))}, not enabled; "
                              f"run {self._then([self._setup_line(m) for m in missing])} first")
        self.require_core_schema()
        before = record.chain.current(db.engine)
        state = record.state
        result = self.migrate(name)
        result["already"] = state if state in ("enabled", "disabled") else None
        if result["already"]:
            return result
        try:
            self.call_hook(record, "on_install")
        except PluginError as exc:
            undone = self._undo_install(record, before, result)
            record.error = str(exc)
            record.state = "failed"
            raise PluginError(f"{exc}; the install was rolled back ({undone})") from exc
        self.set_state(name, "enabled")
        return result

    @staticmethod
    def _undo_install(record: PluginRecord, before: str | None, result: dict[str, Any]) -> str:
        """Take back what one install did to the database, and nothing else."""
        chain = record.chain
        if result["adopted"]:
            # The tables were there before (create_all, `db bootstrap`): they and their rows stay;
            # only the revisions applied on top of the adopted baseline and the stamp go.
            if result["stamped"] != result["to"]:
                chain.downgrade(db.engine, result["stamped"])
            chain.stamp(db.engine, "base")
            return "its existing tables were kept; only the version stamp was removed"
        if result["to"] != before:
            chain.downgrade(db.engine, before or "base")
            return "the tables it created were dropped" if before is None else f"back at revision {before}"
        return "the database was not changed"

    def saved_state(self, name: str) -> str:
        """The persisted choice, also for a plugin that failed to load in this process."""
        row = db.session.get(PluginState, name)
        return row.state if row is not None else "available"

    def uninstall(self, name: str, yes: bool = False, keep_data: bool = False,
                  progress: Progress | None = None) -> dict[str, Any]:
        """Delete the plugin's assets through the service layer, drop its tables, mark it uninstalled.

        Uninstalling what is not installed changes nothing (``result["already"]``). ``progress`` is
        called with (assets deleted, total) as the batches commit.
        """
        record = self.get(name)
        state = self.saved_state(name) if record.state == "failed" else record.state
        if state in ("available", "uninstalled"):
            return {"already": state, "rows": {}, "dropped": False}
        if record.plugin is None:
            raise PluginError(f"plugin {name!r} is failed ({record.error}); fix it before uninstalling, "
                              "its migrations are needed to remove its tables")
        users = self.dependents(name)
        if users:
            raise PluginError(f"plugin {name!r} is required by {', '.join(users)}; "
                              f"run {self._then([self.uninstall_line(u) for u in users])} first")
        rows = self.row_counts(name)
        assets = count_plugin_assets(name)
        if assets:
            rows["assets"] = assets
        if not keep_data and any(rows.values()) and not yes:
            held = ", ".join(f"{t}: {n}" for t, n in rows.items() if n)
            raise PluginError(f"plugin {name!r} tables hold rows ({held}); `shopdb plugin uninstall {name} --yes` "
                              f"deletes them, `shopdb plugin uninstall {name} --keep-data` keeps them")
        self.call_hook(record, "on_uninstall")
        result: dict[str, Any] = {"already": None, "rows": rows, "dropped": False}
        if not keep_data:
            try:
                delete_plugin_assets(name, progress)
            except RemovalStopped as exc:
                raise PluginError(f"plugin {name!r}: {exc}; {exc.deleted} of {exc.total} asset(s) were deleted, "
                                  "the rest and the plugin's tables are kept; run the uninstall again once "
                                  "the refusal is resolved") from exc
            db.session.commit()  # end the reads: the downgrade runs on its own connection
            before, after = record.chain.downgrade(db.engine, "base")
            search_index.forget_plugin(current_app, name)  # what its tables fed (held IPs...) leaves the documents
            search_index.rebuild()
            db.session.commit()
            result.update({"from": before, "to": after, "dropped": True})
        self.set_state(name, "uninstalled")
        record.not_served = None
        return result

    def row_counts(self, name: str) -> dict[str, int]:
        existing = set(inspect(db.engine).get_table_names())
        counts = {}
        for table in owned_tables(name):
            if table in existing:
                counts[table] = db.session.execute(
                    select(func.count()).select_from(text(table))
                ).scalar_one()
        return counts

    def enable(self, name: str) -> bool:
        """Enable an installed plugin; False when it already was."""
        record = self.require_usable(name)
        if record.state == "enabled":
            return False
        if record.state != "disabled":
            lines = [self._setup_line(n) for n in self.missing_requirements(name)]
            raise PluginError(f"plugin {name!r} is not installed; run "
                              f"{self._then([*lines, f'shopdb plugin install {name}'])}")
        missing = self.missing_requirements(name)
        if missing:
            raise PluginError(f"plugin {name!r} requires {', '.join(map(repr, missing))}, not enabled; "
                              f"run {self._then([self._setup_line(m) for m in missing])} first")
        self.set_state(name, "enabled")
        self.call_hook(record, "on_enable")
        return True

    def disable(self, name: str) -> bool:
        """Disable an enabled plugin (its tables and data stay); False when it already was disabled."""
        record = self.get(name)
        state = self.saved_state(name) if record.state == "failed" else record.state
        if state == "disabled":
            return False
        if state != "enabled":
            raise PluginError(f"plugin {name!r} is not installed; there is nothing to disable")
        users = self.dependents(name)
        if users:
            raise PluginError(f"plugin {name!r} is required by {', '.join(users)}; "
                              f"run {self._then([f'shopdb plugin disable {u}' for u in users])} first")
        self.set_state(name, "disabled")
        if record.plugin is not None:
            self.call_hook(record, "on_disable")
        return True

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
        wanted = self.wanted_plugins()
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

    def wanted_plugins(self) -> set[str] | None:
        """``SHOPDB_PLUGINS`` and everything those need; None when every plugin is wanted."""
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
