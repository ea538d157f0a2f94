"""Canary tests of ``shopdb plugin new``: what the scaffolder writes passes the framework's contract.

The module-scoped ``canary`` plugin is generated once into a temporary folder and loaded through
``PluginLoader`` by file location; its modules, its table and its PLUGIN_TABLE_OWNERS entry are
removed on teardown. The end-to-end test runs the real ``shopdb`` command in subprocesses.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Blueprint

from shopdb.extensions import db
from shopdb.plugins.alembic_template import PLUGIN_TABLE_OWNERS
from shopdb.plugins.base import BasePlugin
from shopdb.plugins.loader import MODULE_PREFIX, Discovered, PluginLoader
from shopdb.plugins.manifest import load_manifest
from shopdb.plugins.scaffolder import ScaffoldError, pascal_case, scaffold_plugin, validate_name

BIN = Path(sys.executable).parent
SHOPDB = str(BIN / "shopdb")
# Quotes, a backslash, a dollar sign and non-ASCII must survive JSON, TOML and Python string literals.
TRICKY = 'Canary "birds" in C:\\mines, $5 each — ünïcödé'
EXPECTED_FILES = {
    "README.md", "__init__.py", "plugin.py", "rules.py", "demo.py", "events.py", "manifest.json", "pyproject.toml",
    "api/__init__.py", "api/routes.py", "models/__init__.py", "models/canary.py", "schemas/__init__.py",
    "tests/__init__.py", "tests/conftest.py", "tests/test_plugin.py", "migrations/alembic.ini", "migrations/env.py",
    "migrations/script.py.mako", "migrations/versions/0001_baseline.py",
}
HOOKS = ("get_blueprint", "get_models", "get_event_handlers", "generate_demo",
         "on_install", "on_uninstall", "on_enable", "on_disable", "on_upgrade")


def forget_plugin(name: str) -> None:
    """Undo loading a generated plugin in this process: modules, table, table owner."""
    package = f"{MODULE_PREFIX}{name}"
    for key in [k for k in sys.modules if k == package or k.startswith(package + ".")]:
        del sys.modules[key]
    table = db.metadata.tables.get(name)
    if table is not None:
        db.metadata.remove(table)
    PLUGIN_TABLE_OWNERS.pop(name, None)


@pytest.fixture(scope="module")
def canary(tmp_path_factory) -> Iterator[tuple[Path, Discovered]]:
    parent = tmp_path_factory.mktemp("scaffold")
    root = scaffold_plugin("canary", TRICKY, parent)
    found = PluginLoader([parent], use_entry_points=False).load_folder(root)
    try:
        yield root, found
    finally:
        forget_plugin("canary")


def shopdb_env(tmp: Path, plugin_path: Path) -> dict[str, str]:
    """The environment of a ShopDB of its own: plugins, database and instance folder under ``tmp``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPDB_") and k != "PYTHONPATH"}
    env.update(PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}", SHOPDB_PLUGIN_PATH=str(plugin_path),
               SHOPDB_DATABASE_URL=f"sqlite:///{tmp / 'shopdb.sqlite'}", SHOPDB_INSTANCE_PATH=str(tmp / "instance"),
               SHOPDB_ADMIN_PASSWORD="Scaffold-admin-1", SHOPDB_SECRET_KEY="scaffold-test-key")
    return env


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=300)


# -- names --------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["widgets", "usb2", "a", "k" * 40, "mywidgets"])
def test_good_names_pass(name):
    validate_name(name)


@pytest.mark.parametrize(("name", "rule"), [
    ("", "empty"),
    ("k" * 41, "at most 40"),
    ("my_widgets", "no underscores"),
    ("my-widgets", "no hyphens"),
    ("Widgets", "uppercase"),
    ("wid gets", "only lowercase letters a-z and digits"),
    ("widgéts", "only lowercase letters a-z and digits"),
    ("2fast", "must start with a lowercase letter"),
    ("class", "Python keyword"),
    ("match", "Python keyword"),
    ("none", "Python keyword"),
    ("api", "reserved: ShopDB's core"),
    ("core", "reserved: ShopDB's core"),
    ("auth", "reserved: ShopDB's core"),
    ("admin", "reserved: ShopDB's core"),
    ("plugins", "reserved: ShopDB's core"),
    ("printers", "reserved: ShopDB's core"),
    ("json", "Python module"),
    ("flask", "Python module"),
    ("exception", "shadow a Python builtin"),
    ("text", "shadow a Python builtin or a name the generated code imports"),
    ("subnets", "the table 'subnets' belongs to plugin 'network'"),
])
def test_each_bad_name_is_refused_naming_the_rule(name, rule):
    with pytest.raises(ScaffoldError, match=re.escape(rule)):
        validate_name(name)


def test_a_name_an_existing_plugin_holds_is_refused():
    with pytest.raises(ScaffoldError, match="taken: a plugin of that name already exists"):
        validate_name("gadgets", existing={"gadgets", "gizmos"})


def test_pascal_case_makes_class_names():
    assert [pascal_case(n) for n in ("widgets", "usb2", "foo_bar")] == ["Widgets", "Usb2", "FooBar"]


@pytest.mark.parametrize(("description", "rule"), [
    ("", "empty"), ("   ", "empty"), ("two\nlines", "one line"), ("bell\x07", "one line"),
    ("x" * 501, "at most 500"),
])
def test_bad_descriptions_are_refused_and_nothing_is_written(tmp_path, description, rule):
    with pytest.raises(ScaffoldError, match=rule):
        scaffold_plugin("widgets", description, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_bad_name_writes_nothing(tmp_path):
    with pytest.raises(ScaffoldError):
        scaffold_plugin("Bad_Name", "Whatever", tmp_path)
    assert list(tmp_path.iterdir()) == []


# -- what gets written --------------------------------------------------------------------------
def test_every_expected_file_is_written_and_nothing_else(canary):
    root, _ = canary
    written = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert written == EXPECTED_FILES
    assert not [p for p in root.rglob("*.tmpl")]


def test_manifest_fields_declare_the_plugin_and_its_table(canary):
    root, _ = canary
    manifest = load_manifest(root / "manifest.json")
    assert (manifest.name, manifest.version, manifest.description) == ("canary", "0.1.0", TRICKY)
    assert manifest.core_version == ">=0.1.0,<1.0.0" and manifest.is_compatible("0.9.0")
    assert manifest.requires == () and manifest.tables == ("canary",)


def test_the_description_survives_json_toml_and_python(canary):
    root, found = canary
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["description"] == TRICKY
    for module in (f"{MODULE_PREFIX}canary", f"{MODULE_PREFIX}canary.plugin"):  # wrapped in docstrings
        assert TRICKY in " ".join(sys.modules[module].__doc__.split())
    assert TRICKY in (root / "README.md").read_text(encoding="utf-8")


def test_generated_plugin_loads_by_file_location_and_subclasses_baseplugin(canary):
    _, found = canary
    assert found.ok, found.traceback or found.error
    assert found.source == "folder" and found.plugin_class.__name__ == "CanaryPlugin"
    assert issubclass(found.plugin_class, BasePlugin)
    assert found.plugin_class.__module__ == f"{MODULE_PREFIX}canary.plugin"


def test_get_blueprint_returns_a_blueprint_under_its_url(canary):
    _, found = canary
    blueprint = found.plugin_class(found.manifest, found.root).get_blueprint()
    assert isinstance(blueprint, Blueprint)
    assert blueprint.name == "canary" and blueprint.url_prefix == "/api/v1/canary"


def test_get_models_returns_the_extension_model_keyed_by_assetid(canary):
    root, found = canary
    models = found.plugin_class(found.manifest, found.root).get_models()
    assert [m.__tablename__ for m in models] == ["canary"]
    table = models[0].__table__
    assert [c.name for c in table.primary_key] == ["assetid"]
    (fk,) = table.c.assetid.foreign_keys
    assert fk.target_fullname == "assets.assetid" and fk.ondelete == "CASCADE"
    assert table.c.example_field.type.length == 120
    assert "TODO: placeholder" in (root / "models" / "canary.py").read_text()


def test_every_hook_is_implemented_and_the_example_subscription_is_asset_created(canary):
    _, found = canary
    missing = [hook for hook in HOOKS if hook not in vars(found.plugin_class)]
    assert missing == []
    handlers = found.plugin_class(found.manifest, found.root).get_event_handlers()
    assert list(handlers) == ["asset_created"] and callable(handlers["asset_created"])


def test_migrations_are_a_five_line_shim_and_a_baseline_from_the_models(canary):
    root, _ = canary
    env_py = (root / "migrations" / "env.py").read_text()
    assert len(env_py.splitlines()) == 5 and 'PLUGIN_NAME = "canary"' in env_py
    baseline = (root / "migrations" / "versions" / "0001_baseline.py").read_text()
    assert 'create_plugin_tables("canary")' in baseline and 'drop_plugin_tables("canary")' in baseline
    mako = (root / "migrations" / "script.py.mako").read_text()
    assert "${message}" in mako and "$$" not in mako


def test_pyproject_declares_the_entry_point_and_ships_manifest_and_migrations(canary):
    root, _ = canary
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    entry_points = project["project"]["entry-points"]["shopdb.plugins"]
    assert entry_points == {"canary": "shopdb_plugin_canary.plugin:CanaryPlugin"}
    setuptools = project["tool"]["setuptools"]
    assert setuptools["package-dir"] == {"shopdb_plugin_canary": "."}
    assert "shopdb_plugin_canary.migrations.versions" in setuptools["packages"]
    assert not [p for p in setuptools["packages"] if p.endswith(".tests")]
    assert {"manifest.json", "migrations/alembic.ini", "migrations/script.py.mako"} <= set(
        setuptools["package-data"]["shopdb_plugin_canary"])


def test_generated_code_is_lint_clean_even_with_the_longest_name_and_description(canary, tmp_path):
    root, _ = canary
    ruff = BIN / "ruff"
    if not ruff.exists():
        pytest.skip("ruff is not installed next to this Python")
    longest = scaffold_plugin("k" * 40, ('Long "words" \\ ' * 40)[:500], tmp_path)
    result = subprocess.run([str(ruff), "check", "--no-cache", str(root), str(longest)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_forgetting_a_loaded_plugin_leaves_no_module_table_or_owner_behind(tmp_path):
    root = scaffold_plugin("sparrow", "Sparrows", tmp_path)
    PLUGIN_TABLE_OWNERS["sparrow"] = ("sparrow",)  # what the manager registers from the manifest
    assert PluginLoader([tmp_path], use_entry_points=False).load_folder(root).ok
    assert "sparrow" in db.metadata.tables and f"{MODULE_PREFIX}sparrow.models" in sys.modules
    forget_plugin("sparrow")
    assert "sparrow" not in db.metadata.tables and "sparrow" not in PLUGIN_TABLE_OWNERS
    assert not [m for m in sys.modules if m.startswith(f"{MODULE_PREFIX}sparrow")]


# -- overwriting --------------------------------------------------------------------------------
def test_an_existing_plugin_is_only_replaced_with_overwrite_and_then_cleanly(tmp_path):
    root = scaffold_plugin("widgets", "Widget tracking", tmp_path)
    (root / "stray.txt").write_text("left over")
    with pytest.raises(ScaffoldError, match="already exists; pass --overwrite"):
        scaffold_plugin("widgets", "Something else", tmp_path)
    assert load_manifest(root / "manifest.json").description == "Widget tracking"

    again = scaffold_plugin("widgets", "Something else", tmp_path, overwrite=True, existing={"widgets"})
    assert again == root and not (root / "stray.txt").exists()
    assert load_manifest(root / "manifest.json").description == "Something else"
    assert [p.name for p in tmp_path.iterdir()] == ["widgets"]  # no staging folder left behind


def test_overwrite_refuses_a_folder_that_is_not_a_plugin(tmp_path):
    (tmp_path / "widgets").mkdir()
    (tmp_path / "widgets" / "precious.txt").write_text("not a plugin")
    with pytest.raises(ScaffoldError, match="not a plugin folder"):
        scaffold_plugin("widgets", "Widget tracking", tmp_path, overwrite=True)
    assert (tmp_path / "widgets" / "precious.txt").exists()


# -- the command --------------------------------------------------------------------------------
def test_cli_refuses_a_bad_name_and_an_existing_folder_in_one_line(tmp_path):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    env = shopdb_env(tmp_path, plugins)
    bad = run([SHOPDB, "plugin", "new", "My_Widgets", "--description", "Widget tracking"], env, tmp_path)
    assert bad.returncode == 1
    assert bad.stderr.strip().splitlines() == [
        "Error: plugin name 'My_Widgets' contains '_': only lowercase letters and digits, no underscores "
        "(try 'mywidgets')"]
    assert list(plugins.iterdir()) == []

    scaffold_plugin("widgets", "Widget tracking", plugins)
    refused = run([SHOPDB, "plugin", "new", "widgets", "--description", "Widget tracking"], env, tmp_path)
    assert refused.returncode == 1 and len(refused.stderr.strip().splitlines()) == 1
    assert "already exists; pass --overwrite" in refused.stderr

    replaced = run([SHOPDB, "plugin", "new", "widgets", "--description", "Widget tracking", "--overwrite"],
                   env, tmp_path)
    assert replaced.returncode == 0, replaced.stderr
    assert "shopdb plugin install widgets" in replaced.stdout and "python -m pytest" in replaced.stdout
    assert load_manifest(plugins / "widgets" / "manifest.json").name == "widgets"


HTTP_CHECK = """
import json, os
from shopdb import create_app

client = create_app().test_client()
login = {"username": "admin", "password": os.environ["SHOPDB_ADMIN_PASSWORD"]}
headers = {"Authorization": "Bearer " + client.post("/api/v1/auth/tokens", json=login).get_json()["data"]["token"]}
site = client.post("/api/v1/sites", json={"code": "E2E", "name": "End to end"}, headers=headers).get_json()["data"]
body = {"asset_tag": "W-1", "name": "Widget 1", "site_id": site["id"], "example_field": "blue"}
made = client.post("/api/v1/widgets", json=body, headers=headers)
listed = client.get("/api/v1/widgets", headers=headers)
print(json.dumps({"created": made.status_code, "listed": listed.get_json()}))
"""


@pytest.mark.slow
def test_generated_plugin_installs_serves_and_passes_its_own_tests_untouched(tmp_path):
    plugins = tmp_path / "plugins"
    root = scaffold_plugin("widgets", "Widget tracking", plugins)
    env = shopdb_env(tmp_path, plugins)

    for args in (["db", "upgrade"], ["plugin", "install", "widgets"]):
        result = run([SHOPDB, *args], env, tmp_path)
        assert result.returncode == 0, result.stdout + result.stderr
    assert "widgets: installed at revision 0001" in result.stdout

    listed = run([SHOPDB, "plugin", "list", "--json"], env, tmp_path)
    status = json.loads(listed.stdout)["widgets"]
    assert (status["state"], status["error"], status["pending_migrations"]) == ("enabled", None, 0)

    served = run([sys.executable, "-c", HTTP_CHECK], env, tmp_path)
    assert served.returncode == 0, served.stderr
    answer = json.loads(served.stdout.strip().splitlines()[-1])
    assert answer["created"] == 201
    assert [(w["asset_tag"], w["example_field"]) for w in answer["listed"]["data"]] == [("W-1", "blue")]

    own_tests = run([sys.executable, "-m", "pytest", str(root)], env, tmp_path)
    assert own_tests.returncode == 0, own_tests.stdout[-3000:] + own_tests.stderr[-3000:]
    assert "6 passed" in own_tests.stdout
