"""Live plant (issue 13, item 7): open pages learn of changes through ``GET /api/v1/events/stream``.

The first tests run the stream in-process through Flask's test client (read on a thread, as a browser's
``EventSource`` would read it), with the in-process broker (``shopdb.testing`` chooses it). The last one
starts gunicorn as ``make run`` does (two gthread workers) with ``SHOPDB_REDIS_URL``, holds the stream on
one worker and changes a machine through the other (tests/test_live_relay.py runs the same without Redis,
through the database; docs/adr/0021-live-events-over-sse.md). It uses Redis database
``SHOPDB_TEST_LIVE_REDIS_URL`` (default ``redis://127.0.0.1:6379/9``) with a key prefix of its own, and
skips when Redis is away.
"""

from __future__ import annotations

import http.client
import json
import os
import queue
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from shopdb.testing import ADMIN_PASSWORD, token_for

from helpers import redis_or_skip, served_by_gunicorn

STREAM = "/api/v1/events/stream"
WAIT = 20.0  # seconds an expected event may take on a loaded machine before the test gives up
THREADED = {"wsgi.multithread": True}  # what gunicorn's gthread worker tells the app


def parse(block: str) -> dict[str, Any] | None:
    """One SSE message (the lines before a blank line); None for a comment alone (a heartbeat)."""
    message: dict[str, Any] = {}
    for line in block.splitlines():
        if not line or line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        message[name] = value[1:] if value.startswith(" ") else value
    if "event" not in message and "data" not in message:
        return None
    if "data" in message:
        message["data"] = json.loads(message["data"])
    return message


class EventReader:
    """Messages of an open stream, read on a thread; ``next(name)`` waits for the next one of that name."""

    def __init__(self, chunks: Iterable[bytes]):
        self.messages: queue.Queue[dict | None] = queue.Queue()
        self.skipped: list[dict] = []  # messages ``next`` passed over, for tests that check what did arrive
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._read, args=(chunks,), daemon=True)
        self.thread.start()

    def _read(self, chunks: Iterable[bytes]) -> None:
        buffer = ""
        try:
            for chunk in chunks:
                buffer += chunk.decode() if isinstance(chunk, bytes) else chunk
                while "\n\n" in buffer:
                    block, buffer = buffer.split("\n\n", 1)
                    message = parse(block)
                    if message is not None:
                        self.messages.put(message)
                if self.stop.is_set():
                    return
        finally:
            self.messages.put(None)  # the stream ended

    def next(self, name: str, timeout: float = WAIT) -> dict[str, Any]:
        """The next message called ``name`` (others are skipped); fails if the stream ends or stays silent."""
        skipped: list[dict] = []
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                message = self.messages.get(timeout=left)
            except queue.Empty:
                break
            assert message is not None, f"the stream ended before a {name!r} event; skipped {skipped}"
            if message.get("event") == name:
                return message
            skipped.append(message)
            self.skipped.append(message)
        raise AssertionError(f"no {name!r} event within {timeout} s; skipped {skipped}")

    def ended(self, timeout: float = WAIT) -> bool:
        """Whether the stream ends (after whatever it still sends) within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                if self.messages.get(timeout=left) is None:
                    return True
            except queue.Empty:
                return False
        return False


@pytest.fixture
def live(app):
    """The app's live settings, with a short heartbeat so a reader thread notices it should stop."""
    settings = app.extensions["shopdb.live"]
    settings.heartbeat = 0.2
    return settings


@pytest.fixture
def open_stream(app, live) -> Iterable[Callable[..., tuple[Any, EventReader]]]:
    """``open_stream(client, headers=None, last_event_id=None)`` → (response, reader); closed after the test."""
    opened = []

    def open_one(client, headers: dict | None = None, last_event_id: str | None = None):
        headers = dict(headers or {})
        if last_event_id:
            headers["Last-Event-ID"] = last_event_id
        response = client.get(STREAM, headers=headers, buffered=False, environ_overrides=THREADED)
        reader = EventReader(response.response) if response.status_code == 200 else None
        opened.append((response, reader))
        return response, reader

    yield open_one
    for response, reader in opened:
        if reader is not None:
            reader.stop.set()
            reader.thread.join(timeout=WAIT)
        response.close()  # ends the generator: the stream leaves the hub


@pytest.fixture
def make_machine(client, auth_headers) -> Callable[..., dict]:
    counter = {"n": 0}

    def make(site_id: int, **fields) -> dict:
        counter["n"] += 1
        body = {"asset_tag": f"LIVE-{counter['n']}", "name": f"Mill {counter['n']}", "site_id": site_id,
                "machine_number": f"L{counter['n']}", "operational_status": "running", **fields}
        response = client.post("/api/v1/equipment", json=body, headers=auth_headers)
        assert response.status_code == 201, response.get_json()
        return response.get_json()["data"]

    return make


def set_status(client, headers: dict, machine: dict, status: str) -> None:
    response = client.patch(f"/api/v1/equipment/{machine['assetid']}", json={"operational_status": status},
                            headers=headers)
    assert response.status_code == 200, response.get_json()


def log_in(app) -> Any:
    """A browser: a test client holding a session cookie (``EventSource`` sends no bearer header)."""
    browser = app.test_client()
    response = browser.post("/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
    assert response.status_code == 200, response.get_json()
    return browser


def test_a_logged_in_browser_sees_a_machine_go_down_that_someone_set_over_the_api(
        app, client, auth_headers, site, make_machine, open_stream):
    machine = make_machine(site["id"])
    response, stream = open_stream(log_in(app))
    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    assert "no-cache" in response.headers["Cache-Control"]
    ready = stream.next("ready")
    assert ready["retry"].isdigit() and ready["id"]

    set_status(client, auth_headers, machine, "down")

    event = stream.next("machine.status")
    assert event["data"] == {"type": "machine.status", "asset_id": machine["assetid"], "site_id": site["id"],
                             "asset_tag": machine["asset_tag"], "name": machine["name"],
                             "old_status": "running", "new_status": "down"}
    assert event["id"] and event["id"] != ready["id"]
    # The machine going down raised a critical notice: the banner hears of it on the same stream.
    notice = stream.next("notice.changed")["data"]
    assert notice["action"] == "created" and notice["asset_id"] == machine["assetid"]
    assert notice["severity"] == "critical" and notice["site_id"] == site["id"]


def test_a_user_limited_to_one_site_never_hears_of_another_site_s_machines(
        client, auth_headers, site, other_site, user_headers, make_machine, open_stream):
    ours, theirs = make_machine(site["id"]), make_machine(other_site["id"])
    local_viewer = user_headers("viewer", (site["id"],), name="local")
    _, stream = open_stream(client, local_viewer)
    stream.next("ready")

    set_status(client, auth_headers, theirs, "down")  # first: it must not arrive
    set_status(client, auth_headers, ours, "idle")

    event = stream.next("machine.status")
    assert event["data"]["asset_id"] == ours["assetid"]
    # What arrived before it (the asset change of our machine) was ours too: no notice of their outage.
    assert stream.skipped and all(m["data"].get("site_id") == site["id"] for m in stream.skipped), stream.skipped
    _, everyone = open_stream(client, auth_headers)
    everyone.next("ready")
    set_status(client, auth_headers, theirs, "running")
    assert everyone.next("machine.status")["data"]["asset_id"] == theirs["assetid"]  # unlimited users do


def test_a_stranger_gets_401_and_no_stream(anonymous_client):
    response = anonymous_client.get(STREAM, environ_overrides=THREADED)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_a_server_that_cannot_hold_a_stream_says_so_instead_of_hanging(client, live):
    response = client.get(STREAM)  # the test client says it is single-threaded, as a sync worker does
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "live_unavailable"
    assert int(response.headers["Retry-After"]) >= 1


def test_a_worker_full_of_streams_refuses_the_next_with_a_retry_after(client, live, open_stream):
    live.max_streams = 1
    first, reader = open_stream(client)
    assert first.status_code == 200
    reader.next("ready")
    second, _ = open_stream(client)
    assert second.status_code == 503 and second.get_json()["error"]["code"] == "live_unavailable"
    assert int(second.headers["Retry-After"]) >= 1


def test_a_reconnecting_browser_gets_what_it_missed_and_an_unknown_position_means_refetch(
        client, auth_headers, site, make_machine, open_stream):
    machine = make_machine(site["id"])
    _, first = open_stream(client)
    position = first.next("ready")["id"]
    set_status(client, auth_headers, machine, "idle")  # both happen while "the browser" reconnects
    set_status(client, auth_headers, machine, "maintenance")

    _, again = open_stream(client, last_event_id=position)
    again.next("ready")
    assert again.next("machine.status")["data"]["new_status"] == "idle"
    assert again.next("machine.status")["data"]["new_status"] == "maintenance"

    _, lost = open_stream(client, last_event_id="somewhere-else-7")
    resync = lost.next("resync")
    assert resync["data"] == {"type": "resync"} and resync["id"]  # refetch, and resume from here


def test_custody_changes_reach_the_custody_page(client, auth_headers, site, open_stream):
    stick = client.post("/api/v1/usb", headers=auth_headers, json={
        "asset_tag": "USB-LIVE-1", "name": "Program stick", "site_id": site["id"], "serial": "LIVE00000001",
        "vendor_id": "0781", "product_id": "5567", "capacity_mb": 16384, "label": "PRG-LIVE", "approved": True})
    assert stick.status_code == 201, stick.get_json()
    assetid = stick.get_json()["data"]["assetid"]
    _, stream = open_stream(client)
    stream.next("ready")

    out = client.post(f"/api/v1/usb/{assetid}/checkout", headers=auth_headers,
                      json={"checked_out_to": "Anna Becker", "purpose": "Load part program"})
    assert out.status_code == 201, out.get_json()
    event = stream.next("custody.changed")["data"]
    assert event == {"type": "custody.changed", "action": "checked_out", "asset_id": assetid,
                     "site_id": site["id"], "checkout_id": out.get_json()["data"]["id"]}
    back = client.post(f"/api/v1/usb/{assetid}/checkin", headers=auth_headers, json={})
    assert back.status_code == 200, back.get_json()
    assert stream.next("custody.changed")["data"]["action"] == "checked_in"


def test_an_acknowledged_notice_leaves_the_banner_of_that_user_only(client, auth_headers, user_headers,
                                                                    open_stream):
    notice = client.post("/api/v1/notifications", headers=auth_headers,
                         json={"title": "Compressed air off in Hall B", "severity": "warning"})
    assert notice.status_code == 201, notice.get_json()
    notice_id = notice.get_json()["data"]["id"]
    olga, piet = user_headers("viewer", name="olga"), user_headers("viewer", name="piet")
    _, olga_stream = open_stream(client, olga)
    _, piet_stream = open_stream(client, piet)
    olga_stream.next("ready")
    piet_stream.next("ready")

    assert client.post(f"/api/v1/notifications/{notice_id}/ack", headers=olga, json={}).status_code == 201

    event = olga_stream.next("notice.changed")["data"]
    assert (event["action"], event["notice_id"]) == ("acknowledged", notice_id)
    banner = client.get("/api/v1/notifications/active?acknowledged=false", headers=olga).get_json()["data"]
    assert notice_id not in [n["id"] for n in banner]
    still = client.get("/api/v1/notifications/active?acknowledged=false", headers=piet).get_json()["data"]
    assert notice_id in [n["id"] for n in still]
    # Piet's stream hears of the next change to the notice, not of Olga's acknowledgement before it.
    ended = client.patch(f"/api/v1/notifications/{notice_id}", headers=auth_headers,
                         json={"title": "Compressed air back in Hall B"})
    assert ended.status_code == 200, ended.get_json()
    assert piet_stream.next("notice.changed")["data"]["action"] == "updated"


# -- two real workers sharing events through Redis ------------------------------------------------------
redis = pytest.importorskip("redis")
REDIS_URL = os.environ.get("SHOPDB_TEST_LIVE_REDIS_URL", "redis://127.0.0.1:6379/9")


def call(port: int, method: str, path: str, token: str = "", body: Any = None) -> tuple[int, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    try:
        conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
        response = conn.getresponse()
        raw = response.read()
        return response.status, json.loads(raw) if raw else None
    finally:
        conn.close()


def stream_lines(response: http.client.HTTPResponse) -> Iterable[bytes]:
    """The body of a chunked stream line by line, as it arrives (http.client undoes the chunking)."""
    while line := response.readline():
        yield line


@pytest.fixture
def redis_prefix():
    client = redis_or_skip(REDIS_URL)
    name = f"shopdb-live-test-{uuid.uuid4().hex}"
    yield name
    for key in client.scan_iter(match=f"*{name}*"):  # ours, and the rate limiter's under our prefix
        client.delete(key)
    client.close()


@pytest.fixture
def two_workers(tmp_path, redis_prefix):
    # As `make run` starts it (gthread workers), with a long graceful timeout: a stream that did not end
    # on SIGTERM would show.
    with served_by_gunicorn(tmp_path, f"sqlite:///{tmp_path / 'shopdb.sqlite'}", threads=8,
                            SHOPDB_REDIS_URL=REDIS_URL, SHOPDB_RATE_LIMIT_KEY_PREFIX=redis_prefix) as served:
        yield served.port, served.process, served.access_log


def pids_of(access_log: Path, method: str, path_start: str) -> list[str]:
    lines = [line.split() for line in access_log.read_text().splitlines() if line.strip()]
    return [parts[0] for parts in lines if parts[1] == method and parts[2].startswith(path_start)]


def test_a_change_saved_by_one_worker_reaches_a_stream_held_by_the_other_through_redis(two_workers):
    a_change_saved_by_either_worker_reaches_a_stream_held_by_one(*two_workers)


def a_change_saved_by_either_worker_reaches_a_stream_held_by_one(port: int, process, access_log: Path) -> None:
    """The two-worker scenario (tests/test_live_relay.py runs it without Redis): hold a stream, change a
    machine until both workers saved a change, every change arrives; the stream ends when the server stops."""
    status, body = call(port, "POST", "/api/v1/auth/tokens", body={"username": "admin", "password": ADMIN_PASSWORD})
    assert status == 201, body
    token = body["data"]["token"]
    status, body = call(port, "POST", "/api/v1/sites", token, {"code": "P1", "name": "Plant 1"})
    assert status == 201, body
    status, body = call(port, "POST", "/api/v1/equipment", token, {
        "asset_tag": "M-1", "name": "Mill", "site_id": body["data"]["id"], "machine_number": "1"})
    assert status == 201, body
    machine = body["data"]["assetid"]

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", STREAM, headers={"Authorization": f"Bearer {token}", "Accept": "text/event-stream"})
    response = conn.getresponse()
    assert response.status == 200 and response.getheader("Content-Type").startswith("text/event-stream")
    stream = EventReader(stream_lines(response))
    stream.next("ready")

    # Change the machine through new connections until both workers have saved a change: whichever one
    # holds the stream, the other saved at least one, and every change must arrive.
    statuses = ["down", "running"]
    changes = 0
    deadline = time.monotonic() + 60
    while len(set(pids_of(access_log, "PATCH", "/api/v1/equipment"))) < 2 and time.monotonic() < deadline:
        wanted = statuses[changes % 2]
        status, body = call(port, "PATCH", f"/api/v1/equipment/{machine}", token, {"operational_status": wanted})
        assert status == 200, body
        changes += 1
        event = stream.next("machine.status")["data"]
        assert (event["asset_id"], event["new_status"]) == (machine, wanted)
    assert len(set(pids_of(access_log, "PATCH", "/api/v1/equipment"))) == 2, "both workers saved a change"

    # A stopping server ends its streams at once (the browser reconnects), well within the graceful timeout.
    process.send_signal(signal.SIGTERM)
    assert stream.ended(timeout=30), "the stream did not end when the server stopped"
    process.wait(timeout=30)
    conn.close()
    (stream_pid,) = pids_of(access_log, "GET", STREAM)
    assert set(pids_of(access_log, "PATCH", "/api/v1/equipment")) - {stream_pid}, "a change came from the other worker"


@pytest.fixture
def threaded_server(app, live):
    """The app behind werkzeug's threaded server on a loopback port (real sockets: a client can go away)."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    thread.join(timeout=10)


def _open_stream_over_http(port: int, token: str) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
    conn.request("GET", STREAM, headers={"Authorization": f"Bearer {token}", "Accept": "text/event-stream"})
    return conn, conn.getresponse()


def test_pages_closed_or_reloaded_give_their_stream_places_back_at_once(app, client, live, threaded_server):
    """A reload leaves the old page's stream waiting for its next heartbeat; a full worker asks its streams
    to write, so those nobody reads end and the new page gets its stream instead of a 503."""
    live.max_streams = 2
    live.heartbeat = 60  # far away: only the probe can find the streams that were left
    token = token_for(client)
    left = []
    for _ in range(2):
        conn, response = _open_stream_over_http(threaded_server, token)
        assert response.status == 200
        assert response.readline().startswith(b"retry:")  # the stream is open and has written
        left.append((conn, response))
    for conn, response in left:  # the browser closes the page
        response.close()
        conn.close()
    started = time.monotonic()
    conn, response = _open_stream_over_http(threaded_server, token)
    try:
        assert response.status == 200, response.read()
        assert time.monotonic() - started < 2
    finally:
        conn.close()
    # Streams still read are not taken for gone: a full worker then still says 503.
    kept = [_open_stream_over_http(threaded_server, token) for _ in range(1)]
    conn, response = _open_stream_over_http(threaded_server, token)
    assert response.status == 503 and int(response.headers["Retry-After"]) >= 1
    for c, r in kept:
        r.close()
        c.close()
    conn.close()
