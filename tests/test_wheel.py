"""The wheel is the product (SPEC §1, ADR 0014): built from the tree and installed in a fresh venv, far from
the checkout, it migrates, lists its six bundled plugins enabled and serves the web UI and the API."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from helpers import free_port

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
PLUGINS = REPO / "plugins"
DIST = REPO / "frontend" / "dist"
BUNDLED = sorted(manifest.parent.name for manifest in PLUGINS.glob("*/manifest.json"))
# What an sdist is made of (MANIFEST.in); the build runs on a copy so it never writes into the shared tree.
TREE = ["src", "plugins", "frontend", "docs", "pyproject.toml", "setup.py", "MANIFEST.in", "README.md",
        "constraints.txt", "Makefile"]
NOT_SHIPPED = shutil.ignore_patterns("node_modules", "__pycache__", "*.py[cod]", "*.egg-info", ".pytest_cache")


def run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(args, capture_output=True, text=True, timeout=600, **kwargs)
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done


def runtime_files(plugin: Path) -> set[str]:
    """Every file of a bundled plugin that it needs at run time (all but its tests and bytecode)."""
    return {
        path.relative_to(PLUGINS).as_posix() for path in plugin.rglob("*")
        if path.is_file() and not {"tests", "__pycache__"} & set(path.relative_to(plugin).parts)
        and path.suffix != ".pyc"
    }


def fetch(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read()


def build(tmp_path: Path) -> tuple[Path, Path]:
    tree = tmp_path / "tree"
    for name in TREE:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, tree / name, ignore=NOT_SHIPPED)
        elif source.is_file():
            shutil.copy2(source, tree / name)
    out = tmp_path / "out"
    # sdist first, then the wheel built from that sdist (what `python -m build` does); no isolation, so the
    # dev venv's setuptools builds it without a download.
    run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(tree)], cwd=tree)
    (sdist,) = out.glob("shopdb-*.tar.gz")
    (wheel,) = out.glob("shopdb-*.whl")
    return sdist, wheel


def test_the_built_wheel_runs_shopdb_with_its_six_plugins_and_the_ui_from_a_fresh_venv(tmp_path):
    assert len(BUNDLED) == 6, BUNDLED
    ui_built = (DIST / "index.html").is_file()
    sdist, wheel = build(tmp_path)

    with zipfile.ZipFile(wheel) as archive:
        carried = set(archive.namelist())
    for name in BUNDLED:
        expected = {f"shopdb/bundled_plugins/{f}" for f in runtime_files(PLUGINS / name)}
        assert expected <= carried, f"{name}: the wheel lacks {sorted(expected - carried)}"
        assert f"shopdb/bundled_plugins/{name}/migrations/alembic.ini" in expected
    assert not [f for f in carried if ("bundled_plugins" in f and "/tests/" in f) or "__pycache__" in f]
    assert ("shopdb/bundled_ui/index.html" in carried) == ui_built
    assert {"shopdb/core/api/docs_files/docs.html", "shopdb/core/api/docs_files/shopdb-docs.js"} <= carried
    # label PDFs' font and its licence (ADR 0022 addendum)
    assert {f"shopdb/core/services/fonts/{f}" for f in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "LICENSE")} <= carried
    with tarfile.open(sdist) as archive:
        in_sdist = {member.split("/", 1)[1] for member in archive.getnames() if "/" in member}
    assert {f"plugins/{name}/manifest.json" for name in BUNDLED} <= in_sdist
    assert ("frontend/dist/index.html" in in_sdist) == ui_built

    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)])
    run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "-c", str(REPO / "constraints.txt"),
         str(wheel)])

    work = tmp_path / "work"  # outside the checkout: nothing of the repo can be imported from here
    work.mkdir()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("SHOPDB_") and k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
               SHOPDB_DATABASE_URL=f"sqlite:///{tmp_path / 'shop.sqlite'}",
               SHOPDB_INSTANCE_PATH=str(tmp_path / "instance"),
               SHOPDB_ADMIN_PASSWORD="wheel-test-password", SHOPDB_SECRET_KEY="wheel-test")
    shopdb = str(venv / "bin" / "shopdb")

    where = run([str(venv / "bin" / "python"), "-c",
                 "import shopdb, shopdb.config as c; print(shopdb.__file__); print(c.default_plugin_path())"],
                cwd=work, env=env).stdout.split()
    site_packages = str(venv)
    assert all(path.startswith(site_packages) for path in where), where

    run([shopdb, "db", "upgrade"], cwd=work, env=env)
    run([shopdb, "plugin", "upgrade-all"], cwd=work, env=env)
    listed = json.loads(run([shopdb, "plugin", "list", "--json"], cwd=work, env=env).stdout)
    assert sorted(listed) == BUNDLED
    assert {name: (s["state"], s["error"], s["pending_migrations"]) for name, s in listed.items()} == {
        name: ("enabled", None, 0) for name in BUNDLED}
    assert all(s["path"].startswith(site_packages) for s in listed.values())

    # A new plugin is not written into site-packages (an upgrade of ShopDB would drop it): --dest is asked for.
    inside = subprocess.run([shopdb, "plugin", "new", "widgets", "--description", "Widgets"], cwd=work, env=env,
                            capture_output=True, text=True, timeout=120)
    assert inside.returncode != 0 and "pass --dest DIR" in inside.stderr + inside.stdout, inside
    outside = run([shopdb, "plugin", "new", "widgets", "--description", "Widgets", "--dest", str(tmp_path / "mine")],
                  cwd=work, env=env)
    assert (tmp_path / "mine" / "widgets" / "manifest.json").is_file(), outside.stdout

    port = free_port()
    server = subprocess.Popen([str(venv / "bin" / "gunicorn"), "--workers", "1", "--bind", f"127.0.0.1:{port}",
                               "shopdb:create_app()"], cwd=work, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                status, body = fetch(f"{base}/api/v1/health")
                break
            except OSError:
                assert server.poll() is None, f"gunicorn exited:\n{server.communicate()[1]}"
                assert time.monotonic() < deadline, "gunicorn did not answer within 60 s"
                time.sleep(0.3)
        health = json.loads(body)["data"]
        assert status == 200 and health["status"] == "ok" and health["database"] == "ok"
        assert {name: p["state"] for name, p in health["plugins"].items()} == dict.fromkeys(BUNDLED, "enabled")

        # The API docs work offline: the page and every file it loads are served from the install (ADR 0022).
        status, docs = fetch(f"{base}/api/v1/docs")
        assert status == 200
        loaded = re.findall(r'(?:src|href)="(/[^"]+)"', docs.decode())
        assert any("swagger-ui-bundle.js" in url for url in loaded), loaded
        assert all(fetch(f"{base}{url}")[0] == 200 for url in loaded)

        status, page = fetch(f"{base}/")
        assert status == 200
        if ui_built:
            assert page == (DIST / "index.html").read_bytes()
            asset = next((DIST / "assets").iterdir())
            assert fetch(f"{base}/assets/{asset.name}") == (200, asset.read_bytes())
        else:  # a wheel built without frontend/dist serves the API and says the UI is missing
            assert b"web UI is not built" in page
    finally:
        server.terminate()
        server.wait(timeout=30)
