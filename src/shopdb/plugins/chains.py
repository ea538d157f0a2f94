"""One Alembic chain (the core's or a plugin's): configure it, inspect it, move it.

Used by ``shopdb db upgrade`` for the core chain and by ``PluginManager`` for plugin chains.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Engine

from ..extensions import db
from .migration.metadata import include_owned, plugin_metadata
from .migration.ownership import CORE_OWNER, owned_tables, version_table

_SCRIPTS: dict[tuple[str, tuple], ScriptDirectory] = {}


@dataclass
class UpgradeResult:
    before: str | None
    after: str | None
    applied: int
    adopted: bool
    stamped: str | None = None  # adopted: the revision the existing tables were stamped at


def _relevant(diff) -> bool:
    """Ignore differences no dialect can express faithfully (SQLite has no real types, ...)."""
    op = diff[0] if isinstance(diff, tuple) else diff[0][0]
    return op not in ("modify_comment", "modify_default")


class MigrationFailed(Exception):
    """A revision failed; the message names the chain and the revision."""

    def __init__(self, owner: str, revision: str | None, error: BaseException):
        self.owner, self.revision, self.error = owner, revision, error
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        super().__init__(f"{owner}: revision {revision or '?'} failed: {first_line}")


@dataclass
class Chain:
    owner: str
    directory: Path

    @property
    def version_table(self) -> str:
        return version_table(self.owner)

    def config(self, engine: Engine | None = None, url: str | None = None,
               output: io.StringIO | None = None) -> Config:
        ini = self.directory / "alembic.ini"
        cfg = Config(str(ini) if ini.exists() else None, output_buffer=output,
                     attributes={"engine": engine} if engine is not None else {})
        cfg.set_main_option("path_separator", "os")
        cfg.set_main_option("script_location", str(self.directory))
        cfg.set_main_option("version_locations", str(self.directory / "versions"))
        # Plugin authors' revision files: 0002_add_field.py, numbered by `plugin revision`.
        cfg.set_main_option("file_template", "%%(rev)s_%%(slug)s")
        if engine is not None:
            url = engine.url.render_as_string(hide_password=False)
        if url:
            cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
        return cfg

    def script(self) -> ScriptDirectory:
        """The chain's revisions, parsed once per change of the versions folder (health asks often)."""
        versions = self.directory / "versions"
        files = tuple(sorted((p.name, p.stat().st_mtime_ns) for p in versions.glob("*.py")))
        key = (str(self.directory), files)
        if key not in _SCRIPTS:
            _SCRIPTS[key] = ScriptDirectory.from_config(self.config())
        return _SCRIPTS[key]

    def head(self) -> str | None:
        return self.script().get_current_head()

    def base(self) -> str | None:
        bases = self.script().get_bases()
        return bases[0] if bases else None

    def current(self, engine: Engine) -> str | None:
        with engine.connect() as conn:
            if not inspect(conn).has_table(self.version_table):
                return None
            ctx = MigrationContext.configure(conn, opts={"version_table": self.version_table})
            return ctx.get_current_revision()

    def pending(self, engine: Engine, current: str | None = ...) -> list[str]:
        """Revisions between the database's current revision and head, oldest first."""
        if current is ...:
            current = self.current(engine)
        head = self.head()
        if head is None or current == head:
            return []
        revs = list(self.script().iterate_revisions(head, current or "base"))
        return [r.revision for r in reversed(revs)]

    def history(self) -> list[tuple[str, str | None, str]]:
        return [(r.revision, r.down_revision, r.doc or "")
                for r in reversed(list(self.script().walk_revisions()))]

    def upgrade(self, engine: Engine, target: str = "head") -> UpgradeResult:
        """Bring the chain to ``target`` (docs/adr/0003 and 0004 explain the three cases).

        * fresh (no version table, none of the owner's tables): the baseline builds the tables
          from the models, which *are* the head schema, so the chain is stamped at head;
        * adopted (no version table, every table present, from ``db bootstrap``/create_all):
          nothing is re-created; stamped at head when the tables match the models, else at the
          baseline so later revisions bring them up to date;
        * otherwise: ordinary Alembic upgrade of the pending revisions.
        """
        before = self.current(engine)
        cfg = self.config(engine)
        owned = set(owned_tables(self.owner))
        existing = owned & set(inspect(engine).get_table_names())
        try:
            if before is None and target == "head" and not existing:
                command.upgrade(cfg, self.base())
                command.stamp(cfg, "head")
                return UpgradeResult(before, self.current(engine), 1, False)
            if before is None and target == "head" and existing == owned:
                command.stamp(cfg, "head" if not self.diff(engine) else self.base())
                stamped = self.current(engine)
                planned = self.pending(engine)
                command.upgrade(cfg, "head")
                return UpgradeResult(before, self.current(engine), len(planned), True, stamped)
            planned = self.pending(engine, before) if target == "head" else None
            command.upgrade(cfg, target)
        except Exception as exc:
            failing = self._next_revision(self.current(engine))
            raise MigrationFailed(self.owner, failing, exc) from exc
        after = self.current(engine)
        applied = len(planned) if planned is not None else len(self._between(before, after))
        return UpgradeResult(before, after, applied, False)

    def diff(self, engine: Engine) -> list:
        """Differences between the owner's models and its tables in the database (drift)."""
        metadata = db.metadata if self.owner == CORE_OWNER else plugin_metadata(self.owner)
        owned = set(owned_tables(self.owner))
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={
                "compare_type": True, "include_object": include_owned(owned),
                "version_table": self.version_table,
            })
            return [d for d in compare_metadata(ctx, metadata) if _relevant(d)]

    def downgrade(self, engine: Engine, target: str) -> tuple[str | None, str | None]:
        before = self.current(engine)
        try:
            command.downgrade(self.config(engine), target)
        except Exception as exc:
            raise MigrationFailed(self.owner, self.current(engine), exc) from exc
        return before, self.current(engine)

    def stamp(self, engine: Engine, revision: str) -> None:
        command.stamp(self.config(engine), revision)

    def sql(self, url: str, target: str = "head", downgrade_from: str | None = None) -> str:
        """The SQL a migration would run, without touching any database (offline mode).

        ``target`` "head" prints a fresh install (baseline, stamped at head); "A:B" prints the
        revisions between A and B for an existing database.
        """
        buffer = io.StringIO()
        cfg = self.config(url=url, output=buffer)
        if downgrade_from:
            command.downgrade(cfg, f"{downgrade_from}:{target}", sql=True)
        elif target == "head":
            base = self.base()
            command.upgrade(cfg, base, sql=True)
            if self.head() != base:
                command.stamp(cfg, f"{base}:head", sql=True)
        else:
            command.upgrade(cfg, target, sql=True)
        return buffer.getvalue()

    def new_revision(self, engine: Engine, message: str, autogenerate: bool) -> Path | None:
        existing = [r for r in self.script().walk_revisions()]
        rev_id = f"{len(existing) + 1:04d}"
        script = command.revision(self.config(engine), message=message, autogenerate=autogenerate,
                                  rev_id=rev_id)
        scripts = script if isinstance(script, list) else [script]
        return Path(scripts[0].path) if scripts and scripts[0] is not None else None

    def _between(self, lower: str | None, upper: str | None) -> list[str]:
        if upper is None or lower == upper:
            return []
        return [r.revision for r in self.script().iterate_revisions(upper, lower or "base")]

    def _next_revision(self, current: str | None) -> str | None:
        for rev in self.script().walk_revisions():
            if rev.down_revision == current or (current is None and rev.down_revision is None):
                return rev.revision
        return None
