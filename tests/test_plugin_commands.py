"""The plugin commands as an operator runs them: a real ``shopdb`` subprocess, real exit codes.

Every command a plugin command suggests (in backquotes) is run exactly as printed and must work;
repeating install/uninstall/enable/disable is harmless; a failed install leaves tables it did not
create; uninstall removes assets through the service layer (audit kept, ``asset_deleted`` fires).
"""

from __future__ import annotations

import ast
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool

from shopdb.config import default_plugin_path
from shopdb.testing import ADMIN_PASSWORD, admin_client, make_app, migrate_database, token_for

from plugin_factory import write_plugin

SHOPDB = str(Path(sys.executable).with_name("shopdb"))
SRC = Path(__file__).resolve().parent.parent / "src" / "shopdb"
ADVISING_SOURCES = [SRC / "plugins" / "manager.py", SRC / "cli" / "plugins.py", SRC / "cli" / "db.py"]
ADVICE = re.compile(r"`(shopdb [^`]+)`")
# Test plugins: cmduser requires cmdbase; cmdseeded's on_install fails while SEEDED_FAILS is set.
SEEDED_ON_INSTALL = """
def on_install(self):
    import os
    if os.environ.get("SEEDED_FAILS"):
        raise RuntimeError("the reference rows cannot be seeded")
    ensure_asset_type("cmdseeded", "Cmdseeded", plugin=self.name)
"""


def write_test_plugins(folder: Path) -> Path:
    write_plugin(folder, "cmdbase")
    write_plugin(folder, "cmduser", manifest={"requires": ["cmdbase"]})
    write_plugin(folder, "cmdseeded", plugin_extra=SEEDED_ON_INSTALL)
    return folder


@dataclass
class Plant:
    """One plant's database and the environment the operator's shell has."""

    url: str
    plugin_path: list[str]
    home: Path
    extra_env: dict[str, str] = field(default_factory=dict)

    def env(self, **extra: str) -> dict[str, str]:
        return {"PATH": str(Path(sys.executable).parent), "SHOPDB_DATABASE_URL": self.url,
                "SHOPDB_PLUGIN_PATH": os.pathsep.join(self.plugin_path),
                "SHOPDB_INSTANCE_PATH": str(self.home / "instance"), "SHOPDB_SECRET_KEY": "commands-test",
                "SHOPDB_ADMIN_PASSWORD": ADMIN_PASSWORD, **self.extra_env, **extra}

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run([SHOPDB, *args], capture_output=True, text=True, env=self.env(**env), timeout=300,
                              cwd=self.home)

    def follow(self, line: str) -> subprocess.CompletedProcess:
        """Run a printed command line to the letter."""
        words = shlex.split(line)
        assert words[0] == "shopdb", line
        return self.run(*words[1:])

    def app(self):
        return make_app(self.url, SHOPDB_PLUGIN_PATH=self.plugin_path, SHOPDB_PLUGIN_ENTRY_POINTS=False)

    def tables(self) -> set[str]:
        engine = create_engine(self.url, poolclass=NullPool)
        try:
            return set(inspect(engine).get_table_names())
        finally:
            engine.dispose()

    def scalar(self, sql: str):
        engine = create_engine(self.url, poolclass=NullPool)
        try:
            with engine.connect() as conn:
                return conn.execute(text(sql)).scalar()
        finally:
            engine.dispose()


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def refused(result: subprocess.CompletedProcess) -> str:
    """A refusal is one ``Error: ...`` line and a non-zero exit."""
    assert result.returncode != 0, result.stdout
    last = result.stderr.strip().splitlines()[-1]  # a plugin's own failure is logged above it, on purpose
    assert last.startswith("Error: "), result.stderr
    return last


def advice_in(output: str) -> list[str]:
    return ADVICE.findall(" ".join(output.split()))  # rich may wrap a long line


def plugin_state(plant: Plant, name: str) -> str:
    import json

    return json.loads(ok(plant.run("plugin", "list", "--json")))[name]["state"]


def add_rows(plant: Plant) -> None:
    """A site, one cmduser asset and one USB stick: uninstalling either now drops data."""
    app = plant.app()
    client = admin_client(app)
    headers = {"Authorization": f"Bearer {token_for(client)}"}
    site = client.post("/api/v1/sites", json={"code": "P1", "name": "Plant 1"}, headers=headers).get_json()["data"]
    made = client.post("/api/v1/cmduser", json={"asset_tag": "Z-1", "name": "z", "site_id": site["id"]},
                       headers=headers)
    assert made.status_code == 201, made.get_json()
    stick = client.post("/api/v1/usb", headers=headers, json={
        "asset_tag": "USB-1", "name": "Program stick", "site_id": site["id"], "serial": "SER1",
        "vendor_id": "0781", "product_id": "5567", "capacity_mb": 16384, "label": "PRG-1", "approved": True})
    assert stick.status_code == 201, stick.get_json()
    from shopdb.extensions import db

    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def test_plugins(tmp_path_factory) -> str:
    """One folder for the module: a plugin's code is imported once per process."""
    return str(write_test_plugins(tmp_path_factory.mktemp("plugins")))


@pytest.fixture(scope="module")
def template(tmp_path_factory, test_plugins) -> tuple[Path, list[str]]:
    """Bundled and test plugins installed once, with rows; each test copies the SQLite file."""
    home = tmp_path_factory.mktemp("template")
    path = [default_plugin_path(), test_plugins]
    url = f"sqlite:///{home / 'plant.sqlite'}"
    statuses = migrate_database(url, SHOPDB_PLUGIN_PATH=path, SHOPDB_PLUGIN_ENTRY_POINTS=False)
    assert all(s["status"] == "installed" for s in statuses.values()), statuses
    add_rows(Plant(url, path, home))
    return home / "plant.sqlite", path


@pytest.fixture
def plant(template, tmp_path) -> Plant:
    source, path = template
    shutil.copy(source, tmp_path / "plant.sqlite")
    return Plant(f"sqlite:///{tmp_path / 'plant.sqlite'}", path, tmp_path)


# -- 1. following the advice works, to the letter ---------------------------------------------------
@dataclass
class Advising:
    """A situation in which a command prints advice, and the advice it must print."""

    story: str
    setup: list[str]
    command: str
    templates: list[str]  # the source's templates this advice comes from
    empty_database: bool = False
    in_order: bool = False  # "run X, then Y first": all of it in order, then the command itself goes through
    then: Callable[[Plant, str], None] | None = None  # what holds after following one piece of advice


def _usb_back_or_gone(plant: Plant, line: str) -> None:
    assert plugin_state(plant, "usb") == ("enabled" if " migrate " in line else "uninstalled")


SITUATIONS = [
    Advising("an enabled plugin downgraded to base", [], "shopdb plugin downgrade usb base",
             ["shopdb plugin migrate {}", "shopdb plugin uninstall {} --yes"], then=_usb_back_or_gone),
    Advising("plugin info on an enabled plugin without tables or rows", ["shopdb plugin downgrade cmdseeded base"],
             "shopdb plugin info cmdseeded", ["shopdb plugin migrate {}", "shopdb plugin uninstall {}"]),
    Advising("uninstall of a plugin that holds rows", [], "shopdb plugin uninstall cmduser",
             ["shopdb plugin uninstall {} --yes", "shopdb plugin uninstall {} --keep-data"]),
    Advising("uninstall of a plugin another one needs", [], "shopdb plugin uninstall cmdbase",
             ["shopdb plugin uninstall {} --yes"], in_order=True),
    Advising("disable of a plugin another one needs", [], "shopdb plugin disable cmdbase",
             ["shopdb plugin disable {}"], in_order=True),
    Advising("enable of an uninstalled plugin whose requirement is uninstalled",
             ["shopdb plugin uninstall cmduser --yes", "shopdb plugin uninstall cmdbase"],
             "shopdb plugin enable cmduser", ["shopdb plugin {} {}", "shopdb plugin install {}"], in_order=True),
    Advising("install of a plugin whose requirement is disabled",
             ["shopdb plugin uninstall cmduser --yes", "shopdb plugin disable cmdbase"],
             "shopdb plugin install cmduser", ["shopdb plugin {} {}"], in_order=True),
    Advising("enable of a disabled plugin whose requirement is disabled",
             ["shopdb plugin disable cmduser", "shopdb plugin disable cmdbase"],
             "shopdb plugin enable cmduser", ["shopdb plugin {} {}"], in_order=True),
    Advising("install of a disabled plugin", ["shopdb plugin disable usb"], "shopdb plugin install usb",
             ["shopdb plugin enable {}"]),
    Advising("autogenerate on a database behind head", ["shopdb plugin downgrade cmdbase base"],
             "shopdb plugin revision cmdbase -m again --autogenerate", ["shopdb plugin migrate {}"]),
    Advising("a plugin command before the core schema exists", [], "shopdb plugin install usb",
             ["shopdb db upgrade", "shopdb db bootstrap"], empty_database=True, in_order=True),
    Advising("the exported schema names the command that made it", [],
             "shopdb db export-schema --dialect sqlite", ["shopdb db export-schema --dialect {}"]),
    Advising("bootstrap's help", [], "shopdb db bootstrap --help", ["shopdb plugin upgrade-all"]),
]


def _template_pattern(template: str) -> re.Pattern:
    return re.compile(re.escape(template).replace(re.escape("{}"), r"\S+") + r"\Z")


def source_templates() -> set[str]:
    """Every ``shopdb ...`` command line the advising modules can print (docstrings of commands
    count: ``--help`` prints them; other docstrings and comments do not)."""
    found: set[str] = set()
    for path in ADVISING_SOURCES:
        tree = ast.parse(path.read_text())
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef) and node.body
                      and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
        help_texts = {id(node.body[0].value) for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)
                      and any("command" in ast.unparse(d) for d in node.decorator_list)
                      and id(getattr(node.body[0], "value", None)) in docstrings}
        parts = {id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for v in node.values}
        for node in ast.walk(tree):
            if id(node) in parts:
                continue
            if isinstance(node, ast.JoinedStr):
                literal = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                if id(node) in docstrings and id(node) not in help_texts:
                    continue
                literal = node.value
            else:
                continue
            found |= set(re.findall(r"`(shopdb [^`]+)`", literal))
            if literal.startswith("shopdb ") and "`" not in literal:
                found.add(literal.split(" (")[0])
    return found


def test_every_command_the_plugin_commands_can_advise_has_a_situation_below():
    declared = {t for situation in SITUATIONS for t in situation.templates}
    missing = source_templates() - declared
    assert not missing, f"advice without a test situation in SITUATIONS: {sorted(missing)}"


class TestFollowingAdvice:
    """A class of its own so that `make test` (``--dist loadscope``) runs these situations on one pytest
    worker while the rest of this module runs on the other: together they are the longest file."""

    @pytest.mark.parametrize("situation", SITUATIONS, ids=[s.story.replace(" ", "_") for s in SITUATIONS])
    def test_following_the_advice_a_command_prints_works_to_the_letter(self, situation, plant, tmp_path):
        if situation.empty_database:
            Path(plant.url.removeprefix("sqlite:///")).unlink()
        for line in situation.setup:
            ok(plant.follow(line))
        shown = plant.follow(situation.command)
        advice = advice_in(shown.stdout + shown.stderr)
        assert advice, shown.stdout + shown.stderr
        for template in situation.templates:
            assert any(_template_pattern(template).match(a) for a in advice), (template, advice)
        database = Path(plant.url.removeprefix("sqlite:///"))
        snapshot = tmp_path / "snapshot.sqlite"
        if database.exists():
            shutil.copy(database, snapshot)
        if situation.in_order:
            for line in advice:
                ok(plant.follow(line))
            ok(plant.follow(situation.command))
            return
        for line in advice:  # alternatives: each on the database as it was when printed
            if snapshot.exists():
                shutil.copy(snapshot, database)
            ok(plant.follow(line))
            if situation.then is not None:
                situation.then(plant, line)


def test_after_downgrade_to_base_the_advised_migrate_brings_the_plugin_back_into_service(db_url, tmp_path):
    plant = Plant(db_url, [default_plugin_path()], tmp_path)
    migrate_database(db_url)
    shown = ok(plant.run("plugin", "downgrade", "usb", "base"))
    assert "usb_devices" not in plant.tables()
    assert "`shopdb plugin migrate usb`" in " ".join(shown.split())
    assert plugin_state(plant, "usb") == "failed"  # reported so (health degraded) until migrated
    assert "restart ShopDB to serve it" in ok(plant.run("plugin", "migrate", "usb"))
    assert "usb_devices" in plant.tables()
    assert plugin_state(plant, "usb") == "enabled"
    client = admin_client(plant.app())
    assert client.get("/api/v1/usb").status_code == 200
    assert client.get("/api/v1/health").get_json()["data"]["plugins"]["usb"]["error"] is None


# -- 2. repeated commands say "already" and exit 0 --------------------------------------------------
def test_repeating_install_enable_disable_and_uninstall_says_already_and_succeeds(plant):
    assert "already installed" in ok(plant.run("plugin", "install", "usb"))
    assert "already enabled" in ok(plant.run("plugin", "enable", "usb"))
    assert "usb: disabled" in ok(plant.run("plugin", "disable", "usb"))
    assert "already disabled" in ok(plant.run("plugin", "disable", "usb"))
    assert "already installed, but disabled" in ok(plant.run("plugin", "install", "usb"))
    assert "usb: uninstalled" in ok(plant.run("plugin", "uninstall", "usb", "--yes"))
    assert "already uninstalled" in ok(plant.run("plugin", "uninstall", "usb"))
    assert "already uninstalled" in ok(plant.run("plugin", "uninstall", "usb", "--yes"))
    assert plugin_state(plant, "usb") == "uninstalled"


def test_what_cannot_be_done_is_one_error_line_and_a_non_zero_exit(plant):
    ok(plant.run("plugin", "uninstall", "usb", "--yes"))
    assert "not installed" in refused(plant.run("plugin", "disable", "usb"))
    assert "not installed" in refused(plant.run("plugin", "enable", "usb"))
    assert "no plugin named" in refused(plant.run("plugin", "enable", "nope"))
    assert "choose one" in refused(plant.run("plugin", "uninstall", "cmduser", "--yes", "--keep-data"))


# -- 3. a failed install never drops tables it did not create ---------------------------------------
def test_failed_install_on_a_plant_set_up_with_create_all_keeps_its_tables_and_rows(db_url, tmp_path, test_plugins):
    """A plant bootstrapped before plugin chains existed: tables and rows, no version stamp, no state."""
    plant = Plant(db_url, [test_plugins], tmp_path)
    ok(plant.run("db", "bootstrap"))
    client = admin_client(plant.app())
    headers = {"Authorization": f"Bearer {token_for(client)}"}
    site = client.post("/api/v1/sites", json={"code": "P1", "name": "P"}, headers=headers).get_json()["data"]
    for i in range(3):
        made = client.post("/api/v1/cmdseeded", json={"asset_tag": f"S-{i}", "name": "s", "site_id": site["id"],
                                                      "colour": "red"}, headers=headers)
        assert made.status_code == 201, made.get_json()
    engine = create_engine(db_url, poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version_cmdseeded"))
        conn.execute(text("DELETE FROM plugin_states WHERE name = 'cmdseeded'"))
    engine.dispose()

    error = refused(plant.run("plugin", "install", "cmdseeded", SEEDED_FAILS="1"))
    assert "cannot be seeded" in error and "existing tables were kept" in error
    assert plant.scalar("SELECT COUNT(*) FROM cmdseeded WHERE colour = 'red'") == 3
    assert plant.scalar("SELECT COUNT(*) FROM alembic_version_cmdseeded") == 0  # the stamp it made is gone
    assert "adopted" in ok(plant.run("plugin", "install", "cmdseeded"))
    assert plant.scalar("SELECT COUNT(*) FROM cmdseeded") == 3


def test_failed_fresh_install_drops_only_the_tables_it_created(tmp_path, test_plugins):
    plant = Plant(f"sqlite:///{tmp_path / 'p.sqlite'}", [test_plugins], tmp_path)
    ok(plant.run("db", "upgrade"))
    error = refused(plant.run("plugin", "install", "cmdseeded", SEEDED_FAILS="1"))
    assert "tables it created were dropped" in error
    assert "cmdseeded" not in plant.tables() and "assets" in plant.tables()
    assert plugin_state(plant, "cmdseeded") == "available"


def test_bootstrap_with_a_failing_on_install_ends_with_one_line_and_installs_the_rest(tmp_path, test_plugins):
    plant = Plant(f"sqlite:///{tmp_path / 'p.sqlite'}", [test_plugins], tmp_path)
    error = refused(plant.run("db", "bootstrap", SEEDED_FAILS="1"))
    assert "cmdseeded" in error and "cannot be seeded" in error
    assert plugin_state(plant, "cmdbase") == "enabled" and plugin_state(plant, "cmdseeded") == "available"
    assert "cmdseeded: installed" in ok(plant.run("plugin", "install", "cmdseeded"))


# -- 4. uninstall deletes assets through the service layer ------------------------------------------
def test_uninstalling_equipment_ends_the_machine_down_notice_and_audits_each_machine(db_url, tmp_path):
    plant = Plant(db_url, [default_plugin_path()], tmp_path)
    migrate_database(db_url)
    app = plant.app()
    client = admin_client(app)
    headers = {"Authorization": f"Bearer {token_for(client)}"}
    site = client.post("/api/v1/sites", json={"code": "P1", "name": "P"}, headers=headers).get_json()["data"]
    machines = []
    for i, status in enumerate(("down", "running", "idle")):
        made = client.post("/api/v1/equipment", headers=headers, json={
            "asset_tag": f"M-{i}", "name": "Mill", "site_id": site["id"], "machine_number": str(i),
            "operational_status": status})
        assert made.status_code == 201, made.get_json()
        machines.append(made.get_json()["data"]["assetid"])
    active = client.get("/api/v1/notifications/active").get_json()["data"]
    assert [n["title"] for n in active] == ["M-0 is down"]
    from shopdb.extensions import db

    with app.app_context():
        db.engine.dispose()

    advice = advice_in(refused(plant.run("plugin", "uninstall", "equipment")))
    assert "shopdb plugin uninstall equipment --yes" in advice
    shown = ok(plant.follow("shopdb plugin uninstall equipment --yes"))
    assert "deleted its 3 asset(s)" in " ".join(shown.split())
    assert "equipment" not in plant.tables()
    assert plant.scalar("SELECT COUNT(*) FROM notifications WHERE ends_at IS NULL") == 0
    assert plant.scalar("SELECT COUNT(*) FROM assets") == 0
    audited = plant.scalar(
        "SELECT COUNT(DISTINCT row_id) FROM audit_log WHERE action = 'delete' AND table_name = 'assets' "
        f"AND row_id IN ({', '.join(repr(str(m)) for m in machines)})")
    assert audited == 3


def test_uninstalling_usb_with_yes_removes_sticks_that_have_a_custody_history(plant):
    client = admin_client(plant.app())
    headers = {"Authorization": f"Bearer {token_for(client)}"}
    stick = client.get("/api/v1/usb", headers=headers).get_json()["data"][0]
    out = client.post(f"/api/v1/usb/{stick['assetid']}/checkout", headers=headers,
                      json={"checked_out_to": "Anna Becker", "purpose": "Load part program"})
    assert out.status_code == 201, out.get_json()
    assert client.post(f"/api/v1/usb/{stick['assetid']}/checkin", headers=headers, json={}).status_code == 200
    # the usb rule "a stick with history is retired, not deleted" still holds through the API
    assert client.delete(f"/api/v1/assets/{stick['assetid']}", headers=headers).status_code == 409
    ok(plant.run("plugin", "uninstall", "usb", "--yes"))
    assert plant.scalar("SELECT COUNT(*) FROM assets WHERE asset_tag = 'USB-1'") == 0
    assert plant.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'delete' AND table_name = 'assets' "
                        f"AND row_id = '{stick['assetid']}'") == 1
