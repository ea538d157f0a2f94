"""Per-plugin Alembic chains (the seed's tests/test_plugin_migrations.py, grown up).

For every bundled plugin: an entry in PLUGIN_TABLE_OWNERS, the on-disk scaffolding, the filtered
metadata holding every owned table. Then the chain mechanics: a failing revision names itself and
leaves nothing half-applied, drift is caught by `plugin check`, `plugin revision --autogenerate`
writes a revision limited to the plugin's tables.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlalchemy import Column, String, create_engine, inspect, text
from sqlalchemy.pool import NullPool

from shopdb import create_app
from shopdb.auth.bootstrap import ensure_admin
from shopdb.cli.db import core_chain
from shopdb.config import default_plugin_path
from shopdb.extensions import db
from shopdb.plugins.alembic_template import PLUGIN_TABLE_OWNERS, _get_plugin_metadata, version_table
from shopdb.plugins.chains import MigrationFailed
from shopdb.plugins.manager import get_manager
from shopdb.testing import config_for

from plugin_factory import write_plugin

BUNDLED = ("computers", "equipment", "network", "notifications", "printers", "usb")
BUNDLED_DIR = Path(default_plugin_path())


@pytest.fixture(scope="module")
def bundled_app(tmp_path_factory):
    return create_app(config_for(f"sqlite:///{tmp_path_factory.mktemp('b') / 'b.db'}"))


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_plugin_has_an_entry_in_plugin_table_owners(name):
    assert PLUGIN_TABLE_OWNERS[name], name


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_plugin_has_its_alembic_scaffolding_on_disk(name):
    migrations = BUNDLED_DIR / name / "migrations"
    for required in ("alembic.ini", "env.py", "script.py.mako", "versions/0001_baseline.py"):
        assert (migrations / required).is_file(), f"{name}: {required}"
    env = (migrations / "env.py").read_text()
    assert f'PLUGIN_NAME = "{name}"' in env and "run_plugin_migrations" in env
    assert len([line for line in env.splitlines() if line.strip()]) <= 5
    baseline = (migrations / "versions" / "0001_baseline.py").read_text()
    assert f'create_plugin_tables("{name}")' in baseline and f'drop_plugin_tables("{name}")' in baseline


@pytest.mark.parametrize("name", BUNDLED)
def test_filtered_metadata_contains_every_owned_table(bundled_app, name):
    record = get_manager(bundled_app).records[name]
    assert record.error is None, record.error
    with bundled_app.app_context():
        metadata = _get_plugin_metadata(name)
    assert set(PLUGIN_TABLE_OWNERS[name]) <= set(metadata.tables)
    assert metadata.info["owned_tables"] == set(PLUGIN_TABLE_OWNERS[name])
    assert {m.__tablename__ for m in record.plugin.get_models()} == set(PLUGIN_TABLE_OWNERS[name])


def test_each_chain_has_its_own_version_table(migrated_app):
    engine_tables = set(inspect(create_engine(migrated_app.config["SQLALCHEMY_DATABASE_URI"],
                                              poolclass=NullPool)).get_table_names())
    assert "alembic_version" in engine_tables
    for name in BUNDLED:
        assert version_table(name) in engine_tables, name
        assert set(PLUGIN_TABLE_OWNERS[name]) <= engine_tables


FAILING_REVISION = '''"""add a table, then fail"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("{name}_half", sa.Column("id", sa.Integer, primary_key=True))
    op.execute("THIS IS NOT SQL")


def downgrade() -> None:
    op.drop_table("{name}_half")
'''


def _setup(url: str, folder: Path):
    config = config_for(url, SHOPDB_PLUGIN_PATH=[str(folder)], SHOPDB_PLUGIN_ENTRY_POINTS=False)
    app = create_app(config)
    with app.app_context():
        core_chain().upgrade(db.engine)
        ensure_admin()
        get_manager(app).upgrade_all_plugins()
    return app


def test_a_revision_failing_half_way_names_itself_and_leaves_nothing_half_applied(db_url, tmp_path):
    name = f"halfway{abs(hash(db_url)) % 1000}"
    write_plugin(tmp_path, name)
    app = _setup(db_url, tmp_path)
    (tmp_path / name / "migrations" / "versions" / "0002_fails.py").write_text(FAILING_REVISION.format(name=name))
    with app.app_context(), pytest.raises(MigrationFailed) as failure:
        get_manager(app).migrate(name)
    assert failure.value.owner == name and failure.value.revision == "0002"
    assert f"{name}: revision 0002 failed" in str(failure.value)
    engine = create_engine(db_url, poolclass=NullPool)
    with engine.connect() as conn:
        assert conn.execute(text(f"SELECT version_num FROM {version_table(name)}")).scalar_one() == "0001"
        if conn.dialect.name != "mysql":  # MariaDB commits DDL implicitly: docs/adr/0003 says what to do
            assert f"{name}_half" not in inspect(conn).get_table_names()
    engine.dispose()


def test_drift_is_caught_and_autogenerate_writes_a_revision_for_the_plugin_only(tmp_path):
    name = "driftee"
    write_plugin(tmp_path, name)
    url = f"sqlite:///{tmp_path / 'drift.db'}"
    app = _setup(url, tmp_path)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["plugin", "check"]).exit_code == 0
    table = db.metadata.tables[name]
    table.append_column(Column("serial", String(40)))  # the author edits the model...
    try:
        drift = runner.invoke(args=["plugin", "check"])
        assert drift.exit_code == 1 and "differ" in drift.output and "serial" in drift.output, drift.output
        made = runner.invoke(args=["plugin", "revision", name, "-m", "add serial", "--autogenerate"])
        assert made.exit_code == 0, made.output
        revision_file = next((tmp_path / name / "migrations" / "versions").glob("0002_*.py"))
        body = revision_file.read_text()
        assert "serial" in body and f"'{name}'" in body
        assert "assets" not in body.replace(f"{name}", "")  # other chains' tables stay out
        assert runner.invoke(args=["plugin", "migrate", name]).exit_code == 0
        assert runner.invoke(args=["plugin", "check"]).exit_code == 0
        history = runner.invoke(args=["plugin", "history", name])
        assert "0001 -> 0002 (current)" in history.output
    finally:
        table._columns.remove(table.c.serial)
        sys.modules.pop("shopdb_plugin_driftee", None)


def test_owner_registry_disagreeing_with_models_fails_the_check(tmp_path):
    folder = tmp_path / "p"
    write_plugin(folder, "mislabel", manifest={"tables": ["mislabel", "phantom"]})
    app = create_app(config_for(f"sqlite:///{tmp_path / 'm.db'}", SHOPDB_PLUGIN_PATH=[str(folder)],
                                SHOPDB_PLUGIN_ENTRY_POINTS=False))
    result = app.test_cli_runner().invoke(args=["plugin", "check"])
    assert result.exit_code == 1
    assert "phantom" in result.output
    PLUGIN_TABLE_OWNERS.pop("mislabel", None)
