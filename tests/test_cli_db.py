"""The ``shopdb`` command as an operator runs it: a real subprocess, real exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from shopdb.cli.db import core_chain

ROOT = Path(__file__).resolve().parent.parent
SHOPDB = str(Path(sys.executable).with_name("shopdb"))


def run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    base = {"PATH": os.environ.get("PATH", ""), "SHOPDB_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
            "SHOPDB_INSTANCE_PATH": str(tmp_path / "instance")}
    return subprocess.run([SHOPDB, *args], capture_output=True, text=True, env={**base, **env}, timeout=300)


def test_first_upgrade_generates_and_prints_the_admin_password_once(tmp_path):
    first = run(tmp_path, "db", "upgrade")
    assert first.returncode == 0, first.stderr
    assert f"core: empty -> {core_chain().head()}" in first.stdout
    assert "Created user 'admin' with password:" in first.stdout
    second = run(tmp_path, "db", "upgrade")
    assert second.returncode == 0 and "nothing to do" in second.stdout
    assert "password" not in second.stdout


def test_admin_password_from_the_environment_is_never_printed(tmp_path):
    result = run(tmp_path, "db", "upgrade", SHOPDB_ADMIN_PASSWORD="Chosen-secret-1")
    assert result.returncode == 0 and "Chosen-secret-1" not in result.stdout + result.stderr


def test_bootstrap_creates_everything_and_upgrade_all_then_has_nothing_to_do(tmp_path):
    boot = run(tmp_path, "db", "bootstrap", SHOPDB_ADMIN_PASSWORD="Chosen-secret-1")
    assert boot.returncode == 0, boot.stderr
    assert "bootstrap: created" in boot.stdout
    again = run(tmp_path, "plugin", "upgrade-all")
    assert again.returncode == 0, again.stderr
    assert "nothing changed" in again.stdout
    assert run(tmp_path, "db", "upgrade").stdout.strip().startswith("core: already at")


@pytest.mark.parametrize("dialect,marker", [("mysql", "AUTO_INCREMENT"), ("postgresql", "SERIAL"),
                                            ("sqlite", "CREATE TABLE assets")])
def test_export_schema_prints_ddl_for_each_dialect(tmp_path, dialect, marker):
    result = run(tmp_path, "db", "export-schema", "--dialect", dialect)
    assert result.returncode == 0, result.stderr
    assert marker in result.stdout and "CREATE TABLE audit_log" in result.stdout


def test_export_schema_refuses_an_unknown_dialect(tmp_path):
    result = run(tmp_path, "db", "export-schema", "--dialect", "oracle")
    assert result.returncode == 2 and "oracle" in result.stderr


def test_committed_mysql_schema_matches_the_models(tmp_path):
    """docs/schema/mysql.sql is the schema of shopdb_flask; regenerate with `make schema`."""
    result = run(tmp_path, "db", "export-schema", "--dialect", "mysql")
    assert result.returncode == 0, result.stderr
    committed = (ROOT / "docs" / "schema" / "mysql.sql").read_text()
    assert result.stdout == committed, "docs/schema/mysql.sql drifted from the models: run `make schema`"


def test_version_option(tmp_path):
    result = run(tmp_path, "--version")
    assert result.returncode == 0 and "0.1.0" in result.stdout


def test_the_exported_schema_builds_on_its_database_exactly_what_the_models_describe(tmp_path, db_url):
    """An operator may create the database from ``export-schema`` (a DBA's review, a locked-down server):
    the file runs as it is on that database and leaves every table and index the models make there —
    only those made for that database (no PostgreSQL trigram index on MariaDB), and its own DDL (SQLite's
    search FTS table, PostgreSQL's pg_trgm) included."""
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.pool import NullPool

    from shopdb import create_app
    from shopdb.extensions import db
    from shopdb.plugins.alembic_template import CORE_OWNER, PLUGIN_TABLE_OWNERS, owned_tables
    from shopdb.plugins.manager import get_manager
    from shopdb.testing import config_for

    engine = create_engine(db_url, poolclass=NullPool)
    result = run(tmp_path, "db", "export-schema", "--dialect", engine.dialect.name)
    assert result.returncode == 0, result.stderr
    with engine.begin() as connection:
        for statement in result.stdout.split(";\n\n"):
            if statement.strip():
                connection.exec_driver_sql(statement)
    made = inspect(engine)
    app = create_app(config_for(db_url))
    with app.app_context():
        assert core_chain().diff(engine) == []
        manager = get_manager()
        exported = set(owned_tables(CORE_OWNER))  # the core and the bundled plugins, as the command exports
        for name in manager.order:
            if manager.records[name].usable:
                exported |= set(PLUGIN_TABLE_OWNERS.get(name, ()))
        assert {"assets", "computers", "search_documents"} <= exported
        tables = set(made.get_table_names())
        for table in db.metadata.sorted_tables:
            if table.name not in exported:
                continue  # a table another test declared in this process
            assert table.name in tables, f"{table.name} is not in the exported schema"
            expected = {index.name for index in table.indexes
                        if index._ddl_if is None or index._ddl_if.dialect == engine.dialect.name}  # noqa: SLF001
            assert expected <= {index["name"] for index in made.get_indexes(table.name)}, table.name
        if engine.dialect.name == "sqlite":
            assert "search_fts" in tables
    engine.dispose()
