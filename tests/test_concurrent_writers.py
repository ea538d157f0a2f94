"""Two real gunicorn workers (what ``make run`` starts) and 20 people saving at the same moment.

Every write answers 2xx/409/412 — never a 5xx — and nothing is lost or duplicated, on SQLite (the
embedded default, ADR 0007) and on MariaDB/PostgreSQL when their test URLs are set. The server is the
installed ``gunicorn`` and ``shopdb`` commands in subprocesses, on a database migrated the way an
operator does it. Ports: a free one from ``SHOPDB_TEST_PORT_RANGE`` (``5630-5649``) if set, else one the
OS picks.
"""

from __future__ import annotations

import http.client
import json
import re
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from shopdb.extensions import db
from shopdb.testing import ADMIN_PASSWORD, SERVER_URLS, reset_database, server_url

from helpers import served_by_gunicorn

WRITERS = 20
TIMEOUT = 30  # seconds for any one request; the whole module stays well under a minute per database


@dataclass
class Server:
    port: int
    token: str
    site_id: int
    location_id: int
    access_log: Path

    def call(self, method: str, path: str, body: Any = None, headers: dict | None = None) -> tuple[int, Any, dict]:
        """One request on its own connection, as a separate client would send it."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        try:
            sent = {"Content-Type": "application/json", **(headers or {})}
            if self.token:
                sent["Authorization"] = f"Bearer {self.token}"
            conn.request(method, path, body=None if body is None else json.dumps(body), headers=sent)
            response = conn.getresponse()
            raw = response.read()
            return response.status, json.loads(raw) if raw else None, dict(response.getheaders())
        finally:
            conn.close()

    def worker_pids(self) -> set[str]:
        """The gunicorn workers that answered (the access log names each request's pid)."""
        return {line.split()[0] for line in self.access_log.read_text().splitlines() if line.strip()}


@pytest.fixture(scope="module", params=["sqlite", "mysql", "postgresql"])
def server(request, tmp_path_factory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp(f"gunicorn-{request.param}")
    if request.param == "sqlite":
        db_url = f"sqlite:///{folder / 'shopdb.sqlite'}"
    else:
        db_url = server_url(request.param) or ""
        if not db_url:
            pytest.skip(f"{SERVER_URLS[request.param]} is not set; {request.param} tests run in CI (.ci/run)")
        reset_database(db_url)
    with served_by_gunicorn(folder, db_url) as served:
        access_log = served.access_log
        anonymous = Server(served.port, "", 0, 0, access_log)
        status, body, _ = anonymous.call("POST", "/api/v1/auth/tokens",
                                         {"username": "admin", "password": ADMIN_PASSWORD, "name": "load"})
        assert status == 201, body
        live = Server(served.port, body["data"]["token"], 0, 0, access_log)
        status, body, _ = live.call("POST", "/api/v1/sites", {"code": "P1", "name": "Plant 1"})
        assert status == 201, body
        live.site_id = body["data"]["id"]
        status, body, _ = live.call("POST", "/api/v1/locations", {"site_id": live.site_id, "name": "Hall 1"})
        assert status == 201, body
        live.location_id = body["data"]["id"]
        yield live


def all_at_once(task: Callable[[int], Any], count: int = WRITERS) -> list[Any]:
    """Run ``task(i)`` for ``count`` writers released together by a barrier."""
    barrier = threading.Barrier(count, timeout=TIMEOUT)

    def run(i: int) -> Any:
        barrier.wait()
        return task(i)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count), timeout=TIMEOUT * 3))


def computer_fields(server: Server, i: int, round_: int) -> dict[str, Any]:
    """Every writable field of a computer, filled (``model`` included), distinct per writer and round."""
    return {
        "asset_tag": f"PC-{i:03d}", "name": f"Cell {i} PC r{round_}", "status": "active" if round_ else "inactive",
        "site_id": server.site_id, "location_id": server.location_id, "manufacturer": f"Dell {round_}",
        "model": f"OptiPlex 70{i:02d} r{round_}", "serial_number": f"SN{i:03d}R{round_}",
        "notes": f"writer {i}, round {round_}", "hostname": f"pc-{i:03d}-r{round_}",
        "os_name": "Windows", "os_version": f"10.0.{round_}", "domain": f"plant{round_}.example",
        "mac_address": f"00:14:22:{round_:02X}:00:{i:02X}", "primary_ip": f"10.{round_}.0.{i + 10}",
        "pc_type": "shopfloor" if round_ else "office",
        "last_seen_at": f"2026-01-0{round_ + 1}T08:{i // 60:02d}:{i % 60:02d}Z",
        "warranty_end": f"202{7 + round_}-06-30",
    }


def _writable_properties(server: Server, path: str, method: str) -> set[str]:
    _, spec, _ = server.call("GET", "/api/v1/openapi.json")
    schema = spec["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return {name for name, prop in schema["properties"].items() if not prop.get("readOnly")} - {"version"}


def same(sent: dict[str, Any], stored: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Fields whose stored value differs from what was sent (timestamps compared as instants)."""
    differ = {}
    for key, value in sent.items():
        got = stored.get(key)
        if key == "last_seen_at" and got:
            got = re.sub(r"(\+00:00|Z)$", "", got)
            value = value.removesuffix("Z")
        if got != value:
            differ[key] = (value, got)
    return differ


@pytest.mark.slow
def test_twenty_people_saving_twenty_pcs_at_once_all_succeed_and_nothing_is_lost(server):
    sent = computer_fields(server, 0, 0)
    assert set(sent) >= _writable_properties(server, "/api/v1/computers", "post"), "fill every documented field"

    def create_then_edit(i: int) -> tuple[int, int, int, dict]:
        created, body, _ = server.call("POST", "/api/v1/computers", computer_fields(server, i, 0))
        if created != 201:
            return created, 0, 0, body
        assetid, version = body["data"]["assetid"], body["data"]["version"]
        patched, body, _ = server.call("PATCH", f"/api/v1/computers/{assetid}", computer_fields(server, i, 1),
                                       {"If-Match": f'"{version}"'})
        return created, patched, assetid, body

    results = all_at_once(create_then_edit)
    answers = Counter(status for result in results for status in result[:2])
    assert answers == {201: WRITERS, 200: WRITERS}, [r for r in results if r[0] != 201 or r[1] != 200][:3]
    for i, (_, _, assetid, _) in enumerate(results):
        status, body, _ = server.call("GET", f"/api/v1/computers/{assetid}")
        assert status == 200
        assert same(computer_fields(server, i, 1), body["data"]) == {}, i
        assert body["data"]["version"] >= 2
    tags = ",".join(computer_fields(server, i, 0)["asset_tag"] for i in range(WRITERS))
    status, body, _ = server.call("GET", f"/api/v1/computers?per_page=500&asset_tag={tags}")
    assert body["meta"]["total"] == WRITERS
    assert len(server.worker_pids()) == 2, "both gunicorn workers served requests"


@pytest.mark.slow
def test_twenty_people_editing_the_same_pc_lose_no_update(server):
    fields = computer_fields(server, 90, 0)
    status, body, _ = server.call("POST", "/api/v1/computers", fields)
    assert status == 201, body
    assetid, first_version = body["data"]["assetid"], body["data"]["version"]

    def edit(i: int) -> tuple[int, str]:
        _, current, headers = server.call("GET", f"/api/v1/computers/{assetid}")
        name = f"Renamed by writer {i}"
        status, _, _ = server.call("PATCH", f"/api/v1/computers/{assetid}", {"name": name, "notes": name},
                                   {"If-Match": headers["ETag"]})
        return status, name

    results = all_at_once(edit)
    answers = Counter(status for status, _ in results)
    assert set(answers) <= {200, 409, 412}, answers
    assert answers[200] >= 1
    _, final, _ = server.call("GET", f"/api/v1/computers/{assetid}")
    assert final["data"]["version"] == first_version + answers[200], answers
    assert final["data"]["name"] in {name for status, name in results if status == 200}
    assert final["data"]["notes"] == final["data"]["name"]  # one writer's change, whole


@pytest.mark.slow
@pytest.mark.parametrize("spellings", [["M-1"], ["M-1", "m-1"]], ids=["same-tag", "case-variants"])
def test_twenty_creates_of_one_asset_tag_make_exactly_one_asset(server, spellings):
    tag_id = f"{len(spellings)}"

    def create(i: int) -> tuple[int, dict]:
        tag = spellings[i % len(spellings)].replace("1", tag_id + "1")
        fields = {**computer_fields(server, i, 0), "asset_tag": tag, "hostname": f"dup{tag_id}-{i:03d}",
                  "mac_address": f"00:15:{len(spellings):02X}:00:00:{i:02X}", "primary_ip": f"10.9{tag_id}.0.{i + 10}"}
        status, body, _ = server.call("POST", "/api/v1/computers", fields)
        return status, body

    results = all_at_once(create)
    answers = Counter(status for status, _ in results)
    assert answers == {201: 1, 409: WRITERS - 1}, answers
    for status, body in results:
        if status == 409:
            assert body["error"]["details"].get("field") == "asset_tag", body
    _, listed, _ = server.call("GET", f"/api/v1/assets?q={spellings[0].replace('1', tag_id + '1')}")
    assert listed["meta"]["total"] == 1


@contextmanager
def write_lock_held_elsewhere(app, seconds: float) -> Iterator[None]:
    """Another process's write (an import, say) holding SQLite's write lock for ``seconds``."""
    holder = sqlite3.connect(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"),
                             isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("UPDATE sites SET name = name")
    release = threading.Timer(seconds, lambda: holder.execute("COMMIT"))
    release.start()
    try:
        yield
    finally:
        release.join()
        holder.close()


def test_on_sqlite_a_read_answers_while_someone_else_writes(app, client, auth_headers, site):
    with write_lock_held_elsewhere(app, 3):
        start = time.monotonic()
        assert client.get("/api/v1/sites", headers=auth_headers).status_code == 200
        assert time.monotonic() - start < 2, "a read must not wait for the writer"


def test_on_sqlite_a_write_waits_its_turn_instead_of_failing(app, client, auth_headers, site):
    with write_lock_held_elsewhere(app, 1):
        start = time.monotonic()
        response = client.post("/api/v1/sites", json={"code": "P9", "name": "Plant 9"}, headers=auth_headers)
        assert response.status_code == 201, response.get_json()
        assert time.monotonic() - start >= 0.9  # it queued behind the other writer


def test_on_sqlite_the_journal_is_wal(app):
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
