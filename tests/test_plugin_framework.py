"""The plugin framework: discovery, upgrade-all, round trips, adoption, selection, uninstall, events.

Database-specific cases take ``db_url`` and run on SQLite here and on MariaDB/PostgreSQL in CI.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool

from shopdb import create_app
from shopdb.auth.bootstrap import ensure_admin
from shopdb.cli.db import core_chain
from shopdb.extensions import db
from shopdb.plugins.manager import PluginError, get_manager
from shopdb.testing import ADMIN_PASSWORD, admin_client, config_for, token_for

from plugin_factory import write_plugin


@pytest.fixture(scope="module")
def plugin_dir(tmp_path_factory) -> Path:
    """Two good plugins; ``gizmos`` requires ``gadgets``."""
    folder = tmp_path_factory.mktemp("plugins")
    write_plugin(folder, "gadgets")
    write_plugin(folder, "gizmos", manifest={"requires": ["gadgets"]})
    return folder


def build(url: str, plugin_dir: Path, **extra):
    return create_app(config_for(url, SHOPDB_PLUGIN_PATH=[str(plugin_dir)], SHOPDB_PLUGIN_ENTRY_POINTS=False, **extra))


def upgrade_all(url: str, plugin_dir: Path, **extra) -> dict:
    app = build(url, plugin_dir, **extra)
    with app.app_context():
        core_chain().upgrade(db.engine)
        ensure_admin()
        statuses = get_manager(app).upgrade_all_plugins().statuses
        db.engine.dispose()
    return statuses


def tables(url: str) -> set[str]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_all_installs_every_plugin_then_changes_nothing(db_url, plugin_dir):
    first = upgrade_all(db_url, plugin_dir)
    assert {n: s["status"] for n, s in first.items()} == {"gadgets": "installed", "gizmos": "installed"}
    assert first["gadgets"]["to"] == "0001" and first["gadgets"]["from"] is None
    assert {"gadgets", "gizmos", "alembic_version_gadgets", "alembic_version_gizmos"} <= tables(db_url)
    second = upgrade_all(db_url, plugin_dir)
    assert {s["status"] for s in second.values()} == {"up_to_date"}
    assert all(s["applied"] == 0 for s in second.values())


def test_downgrade_to_base_and_migrate_again_round_trips(db_url, plugin_dir):
    upgrade_all(db_url, plugin_dir)
    app = build(db_url, plugin_dir)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["plugin", "downgrade", "gizmos", "base"])
    assert result.exit_code == 0, result.output
    assert "gizmos" not in tables(db_url)
    result = runner.invoke(args=["plugin", "migrate", "gizmos"])
    assert result.exit_code == 0 and "0001" in result.output, result.output
    assert "gizmos" in tables(db_url)
    result = runner.invoke(args=["plugin", "migrate", "gizmos"])
    assert "nothing to do" in result.output


def test_migrate_sql_prints_the_ddl_without_touching_the_database(sqlite_url, plugin_dir):
    app = build(sqlite_url, plugin_dir)
    with app.app_context():
        core_chain().upgrade(db.engine)
    result = app.test_cli_runner().invoke(args=["plugin", "migrate", "gadgets", "--sql"])
    assert result.exit_code == 0, result.output
    assert "CREATE TABLE gadgets" in result.output and "alembic_version_gadgets" in result.output
    assert "gadgets" not in tables(sqlite_url)


def test_served_plugin_api_and_health(sqlite_url, plugin_dir):
    upgrade_all(sqlite_url, plugin_dir)
    client = admin_client(build(sqlite_url, plugin_dir))
    headers = {"Authorization": f"Bearer {token_for(client)}"}
    site = client.post("/api/v1/sites", json={"code": "S", "name": "s"}, headers=headers).get_json()["data"]
    created = client.post("/api/v1/gadgets", json={"asset_tag": "G-1", "name": "g", "site_id": site["id"],
                                                   "colour": "red"}, headers=headers)
    assert created.status_code == 201, created.get_json()
    assert client.get("/api/v1/gadgets").get_json()["data"][0]["colour"] == "red"
    health = client.get("/api/v1/health").get_json()["data"]
    assert health["status"] == "ok"
    assert health["plugins"]["gadgets"] == {"state": "enabled", "version": "0.1.0", "pending_migrations": 0,
                                            "error": None, "ui": None}


def test_shopdb_plugins_selects_what_a_sister_site_adopts(sqlite_url, plugin_dir):
    statuses = upgrade_all(sqlite_url, plugin_dir, SHOPDB_PLUGINS=["gizmos"])
    assert statuses["gizmos"]["status"] == "installed"
    assert statuses["gadgets"]["status"] == "installed"  # required by gizmos
    statuses = upgrade_all(sqlite_url + "-2", plugin_dir, SHOPDB_PLUGINS=["gadgets"])
    assert statuses["gadgets"]["status"] == "installed"
    assert statuses["gizmos"]["status"] == "skipped" and "SHOPDB_PLUGINS" in statuses["gizmos"]["reason"]


def test_uninstall_refuses_to_drop_rows_without_yes_and_keep_data_keeps_them(sqlite_url, plugin_dir):
    upgrade_all(sqlite_url, plugin_dir)
    app = build(sqlite_url, plugin_dir)
    client = admin_client(app)
    headers = {"Authorization": f"Bearer {token_for(client)}"}
    site = client.post("/api/v1/sites", json={"code": "S", "name": "s"}, headers=headers).get_json()["data"]
    client.post("/api/v1/gizmos", json={"asset_tag": "Z-1", "name": "z", "site_id": site["id"]}, headers=headers)
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["plugin", "uninstall", "gadgets"])
    assert refused.exit_code != 0 and "required by gizmos" in refused.output
    refused = runner.invoke(args=["plugin", "uninstall", "gizmos"])
    assert refused.exit_code != 0 and "--yes" in refused.output and "Traceback" not in refused.output
    kept = runner.invoke(args=["plugin", "uninstall", "gizmos", "--keep-data"])
    assert kept.exit_code == 0, kept.output
    assert "gizmos" in tables(sqlite_url)
    assert upgrade_all(sqlite_url, plugin_dir)["gizmos"]["status"] == "skipped"
    # the operator's choice survives a restart: the uninstalled plugin is not served
    assert admin_client(build(sqlite_url, plugin_dir)).get("/api/v1/gizmos").status_code == 404


def test_uninstall_with_yes_drops_the_tables(sqlite_url, plugin_dir):
    upgrade_all(sqlite_url, plugin_dir)
    app = build(sqlite_url, plugin_dir)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["plugin", "uninstall", "gizmos", "--yes"])
    assert result.exit_code == 0, result.output
    assert "gizmos" not in tables(sqlite_url) and "alembic_version_gizmos" in tables(sqlite_url)
    install = runner.invoke(args=["plugin", "install", "gizmos"])
    assert install.exit_code == 0, install.output
    assert "gizmos" in tables(sqlite_url)


def test_disable_and_enable_are_persisted(sqlite_url, plugin_dir):
    upgrade_all(sqlite_url, plugin_dir)
    runner = build(sqlite_url, plugin_dir).test_cli_runner()
    assert runner.invoke(args=["plugin", "disable", "gadgets"]).exit_code != 0  # gizmos needs it
    assert runner.invoke(args=["plugin", "disable", "gizmos"]).exit_code == 0
    served = build(sqlite_url, plugin_dir)
    assert admin_client(served).get("/api/v1/gizmos").status_code == 404
    assert upgrade_all(sqlite_url, plugin_dir)["gizmos"]["reason"] == "disabled by the operator"
    runner = served.test_cli_runner()
    assert runner.invoke(args=["plugin", "enable", "gizmos"]).exit_code == 0
    assert admin_client(build(sqlite_url, plugin_dir)).get("/api/v1/gizmos").status_code == 200


def test_unknown_plugin_is_a_one_line_error(sqlite_url, plugin_dir):
    runner = build(sqlite_url, plugin_dir).test_cli_runner()
    for args in (["plugin", "info", "nope"], ["plugin", "install", "nope"], ["plugin", "migrate", "nope"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 1
        assert "no plugin named 'nope'" in result.output and "Traceback" not in result.output


def test_bootstrap_database_with_data_is_adopted_without_losing_a_row(db_url, plugin_dir):
    app = build(db_url, plugin_dir)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["db", "bootstrap"])
    assert result.exit_code == 0, result.output
    client = admin_client(build(db_url, plugin_dir))
    headers = {"Authorization": f"Bearer {token_for(client)}"}
    site = client.post("/api/v1/sites", json={"code": "S", "name": "s"}, headers=headers).get_json()["data"]
    for i in range(3):
        client.post("/api/v1/gadgets", json={"asset_tag": f"G-{i}", "name": "g", "site_id": site["id"]},
                    headers=headers)
    statuses = upgrade_all(db_url, plugin_dir)
    assert {s["status"] for s in statuses.values()} == {"up_to_date"}
    assert admin_client(build(db_url, plugin_dir)).get("/api/v1/gadgets").get_json()["meta"]["total"] == 3


def test_legacy_create_all_deploy_without_version_tables_is_adopted(db_url, plugin_dir):
    """A deploy made before the chains existed: tables and rows, no alembic_version_* at all."""
    app = build(db_url, plugin_dir)
    with app.app_context():
        db.metadata.create_all(db.engine, tables=[db.metadata.tables[t] for t in (
            "sites", "asset_types", "locations", "assets", "users", "user_sites", "api_tokens", "audit_log",
            "asset_relationships", "plugin_states", "gadgets", "gizmos")])
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO sites (code, code_key, name, timezone, version, created_at, updated_at) "
                              "VALUES ('S', 's', 's', 'UTC', 1, '2024-01-01', '2024-01-01')"))
            conn.execute(text("INSERT INTO asset_types (name, label, created_at, updated_at) "
                              "VALUES ('gadgets', 'G', '2024-01-01', '2024-01-01')"))
            conn.execute(text("INSERT INTO assets (asset_tag, asset_tag_key, name, name_key, asset_type_id, status, "
                              "site_id, version, created_at, updated_at) VALUES ('OLD-1', 'old-1', 'old', 'old', 1, "
                              "'active', 1, 1, "
                              "'2024-01-01', '2024-01-01')"))
            conn.execute(text("INSERT INTO gadgets (assetid, colour) VALUES (1, 'blue')"))
        db.engine.dispose()
    statuses = upgrade_all(db_url, plugin_dir)
    assert statuses["gadgets"]["status"] == "adopted", statuses
    engine = create_engine(db_url, poolclass=NullPool)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT colour FROM gadgets")).scalar_one() == "blue"
        assert conn.execute(text("SELECT version_num FROM alembic_version_gadgets")).scalar_one() == "0001"
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == core_chain().head()
    engine.dispose()
    assert {s["status"] for s in upgrade_all(db_url, plugin_dir).values()} == {"up_to_date"}


def test_asset_events_reach_subscribers_after_commit(sqlite_url, plugin_dir):
    upgrade_all(sqlite_url, plugin_dir)
    app = build(sqlite_url, plugin_dir)
    events = __import__("sys").modules["shopdb_plugin_gadgets.plugin"].EVENTS
    events.clear()
    client = admin_client(app)
    headers = {"Authorization": f"Bearer {token_for(client)}"}
    site = client.post("/api/v1/sites", json={"code": "S", "name": "s"}, headers=headers).get_json()["data"]
    client.post("/api/v1/gizmos", json={"asset_tag": "Z-1", "name": "z", "site_id": site["id"]}, headers=headers)
    client.post("/api/v1/gizmos", json={"asset_tag": "Z-1", "name": "dup", "site_id": site["id"]}, headers=headers)
    assert [(e["asset_type"], e["data"]["asset_tag"]) for e in events] == [("gizmos", "Z-1")]


def test_manager_refuses_install_of_a_plugin_whose_requirement_is_missing(sqlite_url, plugin_dir):
    app = build(sqlite_url, plugin_dir)
    with app.app_context():
        core_chain().upgrade(db.engine)
        with pytest.raises(PluginError, match="requires 'gadgets'"):
            get_manager(app).install("gizmos")


def test_first_admin_exists_after_migration(sqlite_url, plugin_dir):
    upgrade_all(sqlite_url, plugin_dir)
    app = build(sqlite_url, plugin_dir)
    assert token_for(admin_client(app), "admin", ADMIN_PASSWORD)


def test_plugin_commands_before_the_core_schema_say_what_to_run_first(sqlite_url, plugin_dir):
    runner = build(sqlite_url, plugin_dir).test_cli_runner()
    for args in (["plugin", "install", "gadgets"], ["plugin", "upgrade-all"], ["plugin", "migrate", "gadgets"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 1, args
        assert "run `shopdb db upgrade`" in result.output and "Traceback" not in result.output
    assert "gadgets" not in tables(sqlite_url)


def test_an_enabled_plugin_downgraded_to_base_is_not_served_and_health_is_degraded(sqlite_url, plugin_dir):
    upgrade_all(sqlite_url, plugin_dir)
    runner = build(sqlite_url, plugin_dir).test_cli_runner()
    result = runner.invoke(args=["plugin", "downgrade", "gizmos", "base"])
    assert "re-creates them" in result.output
    client = admin_client(build(sqlite_url, plugin_dir))
    assert client.get("/api/v1/gizmos").status_code == 404
    health = client.get("/api/v1/health").get_json()["data"]
    assert health["status"] == "degraded"
    assert health["plugins"]["gizmos"]["state"] == "failed"
    assert "plugin migrate gizmos" in health["plugins"]["gizmos"]["error"]


def test_uninstall_with_yes_removes_the_plugins_assets_from_the_core(sqlite_url, plugin_dir):
    upgrade_all(sqlite_url, plugin_dir)
    app = build(sqlite_url, plugin_dir)
    client = admin_client(app)
    headers = {"Authorization": f"Bearer {token_for(client)}"}
    site = client.post("/api/v1/sites", json={"code": "S", "name": "s"}, headers=headers).get_json()["data"]
    client.post("/api/v1/gizmos", json={"asset_tag": "Z-1", "name": "z", "site_id": site["id"]}, headers=headers)
    refused = app.test_cli_runner().invoke(args=["plugin", "uninstall", "gizmos"])
    assert "assets: 1" in refused.output
    assert app.test_cli_runner().invoke(args=["plugin", "uninstall", "gizmos", "--yes"]).exit_code == 0
    assert client.get("/api/v1/assets").get_json()["meta"]["total"] == 0


def test_a_failing_on_install_rolls_the_install_back(tmp_path):
    folder = tmp_path / "p"
    write_plugin(folder, "badinstall", plugin_extra="""
        def on_install(self):
            raise RuntimeError("cannot seed")
        """)
    url = f"sqlite:///{tmp_path / 'i.db'}"
    app = build(url, folder)
    with app.app_context():
        core_chain().upgrade(db.engine)
    result = app.test_cli_runner().invoke(args=["plugin", "install", "badinstall"])
    assert result.exit_code == 1 and "cannot seed" in result.output and "rolled back" in result.output
    assert "badinstall" not in tables(url)
    listing = build(url, folder).test_cli_runner().invoke(args=["plugin", "info", "badinstall"])
    assert "available" in listing.output


def test_unknown_revisions_and_empty_messages_are_refused_by_name(sqlite_url, plugin_dir):
    upgrade_all(sqlite_url, plugin_dir)
    runner = build(sqlite_url, plugin_dir).test_cli_runner()
    for args in (["plugin", "migrate", "gadgets", "--revision", "nope"], ["plugin", "downgrade", "gadgets", "nope"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 1 and "has no revision 'nope'" in result.output, result.output
    result = runner.invoke(args=["plugin", "revision", "gadgets", "-m", " "])
    assert result.exit_code == 1 and "needs a message" in result.output
    result = runner.invoke(args=["plugin", "uninstall", "gadgets", "--yes", "--keep-data"])
    assert result.exit_code == 1 and "choose one" in result.output
