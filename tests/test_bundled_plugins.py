"""The six bundled plugins together: each can be switched off without breaking the others, the
contract check is clean, the demo plant covers all of them on both bootstrap paths."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from shopdb.core.models import Asset, AssetType
from shopdb.extensions import db
from shopdb.plugins.manager import get_manager
from shopdb.testing import admin_client, make_app, migrate_database, token_for

BUNDLED = ("computers", "equipment", "network", "notifications", "printers", "usb")
LIST_URL = {"computers": "/api/v1/computers", "equipment": "/api/v1/equipment",
            "network": "/api/v1/network/devices", "notifications": "/api/v1/notifications",
            "printers": "/api/v1/printers", "usb": "/api/v1/usb"}


def test_every_bundled_plugin_is_healthy_and_serves_its_list(client):
    health = client.get("/api/v1/health").get_json()["data"]
    assert health["status"] == "ok", health
    for name in BUNDLED:
        assert health["plugins"][name]["state"] == "enabled", (name, health["plugins"][name])
        response = client.get(LIST_URL[name])
        assert response.status_code == 200, (name, response.get_json())
        assert "meta" in response.get_json()


def test_plugin_check_is_clean_for_the_bundled_plugins(migrated_app):
    """No drift between models and migrations, on every database (type reflection differs)."""
    result = migrated_app.test_cli_runner().invoke(args=["plugin", "check", "--strict"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("disabled", BUNDLED)
def test_disabling_one_plugin_leaves_the_others_and_the_core_working(tmp_path, disabled):
    url = f"sqlite:///{tmp_path / 'off.db'}"
    migrate_database(url)
    app = make_app(url)
    with app.app_context():
        get_manager(app).disable(disabled)
    served = make_app(url)
    client = admin_client(served)
    health = client.get("/api/v1/health").get_json()["data"]
    assert health["status"] == "ok" and health["plugins"][disabled]["state"] == "disabled"
    assert client.get(LIST_URL[disabled]).status_code == 404
    for name in BUNDLED:
        if name != disabled:
            assert client.get(LIST_URL[name]).status_code == 200, name
    headers = {"Authorization": f"Bearer {token_for(client)}"}
    site = client.post("/api/v1/sites", json={"code": "S", "name": "s"}, headers=headers)
    assert site.status_code == 201
    assert client.get("/api/v1/search?q=s").status_code == 200


@pytest.mark.parametrize("path", ["chains", "bootstrap"])
def test_demo_plant_covers_every_plugin_on_both_bootstrap_paths(tmp_path, path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    if path == "chains":
        migrate_database(url)
        app = make_app(url)
    else:
        app = make_app(url)
        assert app.test_cli_runner().invoke(args=["db", "bootstrap"]).exit_code == 0
        app = make_app(url)
    result = app.test_cli_runner().invoke(args=["demo", "--assets", "400"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        by_type = dict(db.session.execute(
            select(AssetType.name, func.count(Asset.assetid)).join(Asset).group_by(AssetType.name)).all())
    for kind in ("computer", "equipment", "network_device", "printer", "usb_device"):
        assert by_type.get(kind, 0) > 0, (kind, by_type)
    client = admin_client(app)
    assert client.get("/api/v1/notifications/active").get_json()["meta"]["total"] > 0
    again = app.test_cli_runner().invoke(args=["demo", "--if-empty"])
    assert again.exit_code == 0 and "nothing to do" in again.output
