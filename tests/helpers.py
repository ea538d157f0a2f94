"""Small helpers shared by the core tests."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import event, func, select

from shopdb.core.models import Asset, AuditLog
from shopdb.extensions import db
from shopdb.testing import ADMIN_PASSWORD


def counts(app) -> tuple[int, int]:
    """(assets, audit entries): unchanged after a refused request means nothing was written."""
    with app.app_context():
        assets = db.session.execute(select(func.count()).select_from(Asset)).scalar_one()
        audits = db.session.execute(select(func.count()).select_from(AuditLog)).scalar_one()
        db.session.remove()
        return assets, audits


def error_of(response) -> dict:
    body = response.get_json()
    assert set(body) == {"error"}, body
    assert {"code", "message", "details"} <= set(body["error"]), body
    return body["error"]


def make_generic_type(client, headers, name: str = "fixture") -> None:
    response = client.post("/api/v1/asset-types", json={"name": name, "label": name.title()}, headers=headers)
    assert response.status_code in (201, 409), response.get_json()


def make_asset(client, headers, site_id: int, tag: str, **fields) -> dict:
    make_generic_type(client, headers)
    body = {"asset_tag": tag, "name": f"Asset {tag}", "site_id": site_id, "asset_type": "fixture", **fields}
    response = client.post("/api/v1/assets", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]


def free_port() -> int:
    """A free loopback port for a test server: from ``SHOPDB_TEST_PORT_RANGE`` (``5630-5649``) if set, else
    one the OS picks."""
    wanted = os.environ.get("SHOPDB_TEST_PORT_RANGE", "")
    low, _, high = wanted.partition("-")
    candidates = range(int(low), int(high) + 1) if low and high else [0]
    for port in candidates:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise RuntimeError(f"no free port in {wanted}")


def wait_until_up(port: int, process: subprocess.Popen, log: Path) -> None:
    """Wait for a started gunicorn to answer /api/v1/health; its log tail if it exits or stays silent."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/health")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            conn.close()
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within 30 s:\n{log.read_text()[-3000:]}")


@contextmanager
def statements(app):
    """The SQL statements ``app`` runs inside the block (transaction control left out): what a request costs."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("PRAGMA", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT",
                                                      "RELEASE")):
            seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def until_both_workers_answer(port: int, access_log: Path) -> None:
    """On a loaded machine gunicorn's second worker may still be importing the app when the first one
    answers: ask /api/v1/health until the access log (``%(p)s`` first) shows two workers, or 60 s."""
    from concurrent.futures import ThreadPoolExecutor

    def pids() -> set[str]:
        return {line.split()[0] for line in access_log.read_text().splitlines() if line.strip()}

    def ask(_: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            conn.request("GET", "/api/v1/health")
            conn.getresponse().read()
        finally:
            conn.close()

    deadline = time.monotonic() + 60
    while len(pids()) < 2 and time.monotonic() < deadline:
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(ask, range(8)))
    assert len(pids()) == 2, "the second gunicorn worker never answered"


BIN = Path(sys.executable).parent  # the venv running the tests: its shopdb and gunicorn


@dataclass
class Served:
    """A gunicorn started by ``served_by_gunicorn``: its port, process and access log."""

    port: int
    process: subprocess.Popen
    access_log: Path


@contextmanager
def served_by_gunicorn(folder: Path, db_url: str, *, threads: int = 0, demo_assets: int = 0,
                       **settings: str) -> Iterator[Served]:
    """ShopDB as an operator runs it: ``shopdb db upgrade`` and ``plugin upgrade-all`` by the CLI (and
    ``shopdb demo`` with ``demo_assets``), then gunicorn with two workers on a free loopback port
    (gthread with ``threads``, as `make run`; else sync), until both workers have answered.
    ``settings`` are extra ``SHOPDB_*`` variables. On the way out the server is stopped and its error
    log must hold no traceback."""
    env = {**os.environ, "SHOPDB_DATABASE_URL": db_url, "SHOPDB_ADMIN_PASSWORD": ADMIN_PASSWORD,
           "SHOPDB_INSTANCE_PATH": str(folder / "instance"), "SHOPDB_SECRET_KEY": f"test-key-{folder.name}",
           "SHOPDB_ENV_FILE": str(folder / "no.env"), **settings}
    demo = [("demo", "--assets", str(demo_assets))] if demo_assets else []
    for command in (("db", "upgrade"), ("plugin", "upgrade-all"), *demo):
        done = subprocess.run([str(BIN / "shopdb"), *command], env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    port = free_port()
    access_log, error_log = folder / "access.log", folder / "error.log"
    workers = ["--worker-class", "gthread", "--threads", str(threads)] if threads else []
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", "2", *workers, "--bind", f"127.0.0.1:{port}", "--timeout", "60",
         "--graceful-timeout", "60", "--access-logfile", str(access_log),
         "--access-logformat", "%(p)s %(m)s %(U)s %(s)s", "--error-logfile", str(error_log), "shopdb:create_app()"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_up(port, process, error_log)
        until_both_workers_answer(port, access_log)
        yield Served(port, process, access_log)
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    server_log = error_log.read_text()
    assert "Traceback" not in server_log, server_log[-3000:]


def redis_or_skip(url: str):
    """A Redis client of ``url``, or a skip saying Redis is not reachable (the caller closes it)."""
    import pytest
    import redis

    client = redis.Redis.from_url(url, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis is not reachable at {url} ({error}); apt-get install redis-server")
    return client
