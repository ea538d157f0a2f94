"""A plugin installed with pip is found through the ``shopdb.plugins`` entry point, migrated and served."""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from shopdb import create_app
from shopdb.auth.bootstrap import ensure_admin
from shopdb.cli.db import core_chain
from shopdb.extensions import db
from shopdb.plugins.manager import get_manager
from shopdb.testing import admin_client, config_for, token_for

from plugin_factory import write_plugin

PYPROJECT = """
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "shopdb-pipgizmo"
version = "0.1.0"

[project.entry-points."shopdb.plugins"]
pipgizmo = "shopdb_pipgizmo.plugin:PipgizmoPlugin"

[tool.setuptools]
packages = ["shopdb_pipgizmo"]

[tool.setuptools.package-data]
shopdb_pipgizmo = ["manifest.json", "migrations/*", "migrations/versions/*", "ui/*"]
"""

# The plugin's own UI bundle: an ES module the web UI imports (docs/PLUGIN-HOOKS.md).
UI_MODULE = "export default { name: 'pipgizmo', label: 'Gizmos', menu: [], routes: [] }\n"


def test_pip_installed_plugin_is_discovered_migrated_and_served_with_its_own_ui(tmp_path, monkeypatch):
    project = tmp_path / "project"
    project.mkdir()
    built = write_plugin(tmp_path / "staging", "pipgizmo")
    shutil.copytree(built, project / "shopdb_pipgizmo")
    (project / "shopdb_pipgizmo" / "ui").mkdir()
    (project / "shopdb_pipgizmo" / "ui" / "index.js").write_text(UI_MODULE)
    (project / "pyproject.toml").write_text(textwrap.dedent(PYPROJECT))
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--target", str(site), str(project)], check=True, timeout=300)
    assert (site / "shopdb_pipgizmo" / "migrations" / "versions" / "0001_baseline.py").exists()
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()

    config = config_for(f"sqlite:///{tmp_path / 'pip.db'}", SHOPDB_PLUGIN_PATH=[])
    app = create_app(config)
    record = get_manager(app).records["pipgizmo"]
    assert record.discovered.source == "entry_point" and record.error is None
    with app.app_context():
        core_chain().upgrade(db.engine)
        ensure_admin()
        statuses = get_manager(app).upgrade_all_plugins().statuses
    assert statuses["pipgizmo"]["status"] == "installed"

    client = admin_client(create_app(config))
    headers = {"Authorization": f"Bearer {token_for(client)}"}
    site_id = client.post("/api/v1/sites", json={"code": "S", "name": "s"}, headers=headers).get_json()["data"]["id"]
    made = client.post("/api/v1/pipgizmo", json={"asset_tag": "G", "name": "g", "site_id": site_id}, headers=headers)
    assert made.status_code == 201, made.get_json()
    health = client.get("/api/v1/health").get_json()["data"]["plugins"]["pipgizmo"]
    assert health["state"] == "enabled" and health["ui"] == "/plugins/pipgizmo/index.js"
    bundle = client.get(health["ui"])
    assert bundle.status_code == 200 and bundle.get_data(as_text=True) == UI_MODULE
    assert bundle.mimetype in ("text/javascript", "application/javascript")
    assert client.get("/plugins/pipgizmo/nothing-here.js").status_code == 404
    assert client.get("/plugins/pipgizmo/../manifest.json").status_code == 404

    with app.app_context():
        get_manager(app).disable("pipgizmo")
    disabled = admin_client(create_app(config))
    assert disabled.get(health["ui"]).status_code == 404  # a disabled plugin's UI is not offered
    assert disabled.get("/api/v1/health").get_json()["data"]["plugins"]["pipgizmo"]["ui"] is None


def test_a_folder_named_plugins_on_sys_path_cannot_shadow_folder_plugins(tmp_path, monkeypatch):
    decoy = tmp_path / "decoy" / "plugins"
    decoy.mkdir(parents=True)
    (decoy / "__init__.py").write_text("raise ImportError('the decoy was imported')\n")
    monkeypatch.syspath_prepend(str(decoy.parent))
    folder = tmp_path / "real"
    write_plugin(folder, "shadowless")
    app = create_app(config_for(f"sqlite:///{tmp_path / 's.db'}", SHOPDB_PLUGIN_PATH=[str(folder)],
                                SHOPDB_PLUGIN_ENTRY_POINTS=False))
    record = get_manager(app).records["shadowless"]
    assert record.error is None and record.plugin.__class__.__module__ == "shopdb_plugin_shadowless.plugin"
    assert Path(sys.modules["shopdb_plugin_shadowless"].__path__[0]) == (folder / "shadowless").resolve()
