"""Delivery channels: off by default; a webhook and e-mail when configured, written to the core outbox
with the notice and sent by `shopdb worker`, which retries while a receiver is down and survives its
own restart."""

from __future__ import annotations

import importlib
import json
import os
import signal
import smtplib
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from shopdb.plugins.toolkit import OutboxMessage, db, outbox, writes
from shopdb.plugins.toolkit.testing import admin_client, make_app, migrate_database, token_for

URL = "/api/v1/notifications"
WEBHOOK = "notifications.webhook"
# Ports of this suite's receivers (loopback only): one per story, so a slow close never collides.
DOWN_AND_BACK_PORT, RESTART_PORT = 5620, 5621
SHOPDB = Path(sys.executable).with_name("shopdb")


class Receiver:
    """A webhook receiver on 127.0.0.1, recording every request; ``hold(title)`` keeps the first
    request of that notice waiting, unanswered, until ``release()``."""

    def __init__(self, status: int = 204, port: int = 0):
        self.requests: list[dict] = []
        self.arrived = threading.Event()
        self.held, self._release, self._hold_title = threading.Event(), threading.Event(), None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                request = {"path": self.path, "content_type": self.headers["Content-Type"], "json": body,
                           "delivery": self.headers.get("X-ShopDB-Delivery"), "answered": False}
                receiver.requests.append(request)
                if body["notification"]["title"] == receiver._hold_title and not receiver.held.is_set():
                    receiver.held.set()
                    receiver._release.wait(30)
                    return  # never answered: the sender is gone by now
                self.send_response(status)
                self.end_headers()
                request["answered"] = True
                receiver.arrived.set()

            def log_message(self, *args):  # keep test output quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/shopdb"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def hold(self, title: str) -> None:
        self._hold_title = title

    def release(self) -> None:
        self._release.set()

    def wait(self) -> dict:
        assert self.arrived.wait(10), "the webhook was not called"
        return self.requests[-1]

    def answered(self) -> list[dict]:
        return [r for r in self.requests if r["answered"]]

    def close(self) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


def app_with(app, **config):
    """A second app on the test's database, started with ``config`` (channels are read at start-up)."""
    configured = make_app(app.config["SQLALCHEMY_DATABASE_URI"], **config)
    client = admin_client(configured)
    return configured, client, {"Authorization": f"Bearer {token_for(client)}"}


def run_worker(app) -> str:
    """``shopdb worker --once`` in ``app``: send what is due, return what it printed."""
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    return result.output


def outbox_rows(app) -> list[OutboxMessage]:
    with app.app_context(), Session(db.engine, expire_on_commit=False) as session:
        return list(session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_delivery_is_off_unless_configured(app, monkeypatch):
    for key in ("SHOPDB_NOTIFY_WEBHOOK_URL", "SHOPDB_NOTIFY_SMTP_HOST"):
        monkeypatch.delenv(key, raising=False)
    configured, client, headers = app_with(app)
    assert outbox.channels(configured) == {}
    assert client.post(URL, json={"title": "Quiet"}, headers=headers).status_code == 201
    assert outbox_rows(configured) == []


def test_a_new_notice_is_written_to_the_outbox_and_posted_to_the_webhook_by_the_worker(app, receiver):
    configured, client, headers = app_with(app, SHOPDB_NOTIFY_WEBHOOK_URL=receiver.url)
    response = client.post(URL, json={"title": "Air pressure low", "severity": "warning"}, headers=headers)
    assert response.status_code == 201
    [row] = outbox_rows(configured)
    assert row.channel == WEBHOOK and row.payload["id"] == response.get_json()["data"]["id"]
    assert receiver.requests == []  # nothing leaves with the request itself: the worker sends it
    assert f"delivered #{row.id} {WEBHOOK} (attempt 1)" in run_worker(configured)
    sent = receiver.wait()
    assert sent["path"] == "/hooks/shopdb" and sent["content_type"] == "application/json"
    assert sent["delivery"] == str(row.id)  # the receiver's key to drop a repeat
    assert sent["json"]["event"] == "notifications.created"
    notice = sent["json"]["notification"]
    assert notice["id"] == response.get_json()["data"]["id"]
    assert notice["title"] == "Air pressure low" and notice["severity"] == "warning" and notice["source"] == "manual"
    assert outbox_rows(configured)[0].delivered_at is not None


def test_a_machine_going_down_reaches_the_webhook(app, receiver):
    configured, client, headers = app_with(app, SHOPDB_NOTIFY_WEBHOOK_URL=receiver.url)
    site = client.post("/api/v1/sites", json={"code": "P1", "name": "Plant 1"}, headers=headers).get_json()["data"]
    machine = client.post("/api/v1/equipment", json={"asset_tag": "M-2001", "name": "DMU 50", "site_id": site["id"],
                                                     "machine_number": "2001"}, headers=headers).get_json()["data"]
    client.patch(f"/api/v1/equipment/{machine['assetid']}", json={"operational_status": "down"}, headers=headers)
    run_worker(configured)
    notice = receiver.wait()["json"]["notification"]
    assert notice["severity"] == "critical" and notice["title"] == "M-2001 is down"
    assert notice["assetid"] == machine["assetid"] and notice["source"] == "equipment"


def test_the_webhook_is_configured_from_the_environment(app, receiver, monkeypatch):
    monkeypatch.setenv("SHOPDB_NOTIFY_WEBHOOK_URL", receiver.url)
    configured, client, headers = app_with(app)
    assert configured.config["SHOPDB_NOTIFY_WEBHOOK_URL"] == receiver.url
    client.post(URL, json={"title": "From the environment"}, headers=headers)
    run_worker(configured)
    assert receiver.wait()["json"]["notification"]["title"] == "From the environment"


def test_a_notice_whose_write_is_rolled_back_leaves_nothing_to_deliver(app, receiver):
    configured, client, headers = app_with(app, SHOPDB_NOTIFY_WEBHOOK_URL=receiver.url)
    service = importlib.import_module("shopdb_plugin_notifications.service")  # this plugin, as the loader named it
    with configured.app_context(), pytest.raises(RuntimeError), writes.transaction():
        service.create_notice(title="Never happened", severity="info", source="manual", created_by="test")
        raise RuntimeError("the change that raised the notice failed")
    assert outbox_rows(configured) == []
    assert client.get(URL, query_string={"q": "Never happened"}).get_json()["meta"]["total"] == 0


@pytest.mark.parametrize("failure", ["nobody listening", "receiver error"])
def test_a_failing_webhook_keeps_the_notice_and_schedules_a_retry(app, failure):
    broken = Receiver(status=500) if failure == "receiver error" else None
    url = broken.url if broken else f"http://127.0.0.1:{free_port()}/gone"
    try:
        configured, client, headers = app_with(app, SHOPDB_NOTIFY_WEBHOOK_URL=url)
        response = client.post(URL, json={"title": "Still here"}, headers=headers)
        assert response.status_code == 201
        output = run_worker(configured)
        assert "failed #" in output and "retry at" in output and "1 to retry" in output
        assert client.get(f"{URL}/{response.get_json()['data']['id']}").status_code == 200
        [row] = outbox_rows(configured)
        assert row.delivered_at is None and row.attempts == 1 and row.next_attempt_at is not None
        assert ("HTTP Error 500" if broken else "Connection refused") in row.last_error
    finally:
        if broken:
            broken.close()


def test_a_notice_raised_while_the_receiver_is_down_arrives_once_it_is_back(migrated_app):
    """On SQLite, MariaDB and PostgreSQL: the worker keeps the delivery until the receiver answers."""
    url = f"http://127.0.0.1:{DOWN_AND_BACK_PORT}/hooks/shopdb"
    configured, client, headers = app_with(migrated_app, SHOPDB_NOTIFY_WEBHOOK_URL=url,
                                           SHOPDB_OUTBOX_BACKOFF_SECONDS=0.2)
    notice = client.post(URL, json={"title": "Hall B: compressor tripped", "severity": "critical"},
                         headers=headers).get_json()["data"]
    assert "1 to retry" in run_worker(configured)  # receiver down: nothing lost, a retry scheduled
    back = Receiver(port=DOWN_AND_BACK_PORT)
    try:
        # The retry falls due after the backoff; MariaDB keeps whole seconds, so poll for it (bounded).
        deadline = time.monotonic() + 5
        outputs = [run_worker(configured)]
        while "1 delivered" not in outputs[-1] and time.monotonic() < deadline:
            time.sleep(0.2)
            outputs.append(run_worker(configured))
        assert "1 delivered" in outputs[-1], outputs
        assert "0 delivered" in run_worker(configured)  # and it is not sent twice
        [sent] = back.requests
        assert sent["json"]["notification"]["id"] == notice["id"]
    finally:
        back.close()
    status = configured.test_cli_runner().invoke(args=["outbox"]).output
    assert f"{WEBHOOK}: 0 pending (0 due now), 0 dead, 1 delivered" in status
    with configured.app_context():
        db.engine.dispose()


@pytest.mark.slow
def test_a_delivery_survives_a_worker_killed_while_sending(db_url, tmp_path):
    """The worker dies (SIGKILL) in the middle of a POST; started again, it sends what was not
    acknowledged, and nothing acknowledged before is sent again."""
    migrate_database(db_url)
    receiver = Receiver(port=RESTART_PORT)
    receiver.hold("Second")
    env = {**os.environ, "SHOPDB_DATABASE_URL": db_url, "SHOPDB_INSTANCE_PATH": str(tmp_path / "instance"),
           "SHOPDB_SECRET_KEY": "test-secret-key", "SHOPDB_ENV_FILE": str(tmp_path / "no.env"),
           "SHOPDB_NOTIFY_WEBHOOK_URL": receiver.url, "SHOPDB_OUTBOX_LEASE_SECONDS": "1"}
    app = make_app(db_url, SHOPDB_NOTIFY_WEBHOOK_URL=receiver.url)
    client = admin_client(app)
    headers = {"Authorization": f"Bearer {token_for(client)}"}
    ids = {title: client.post(URL, json={"title": title}, headers=headers).get_json()["data"]["id"]
           for title in ("First", "Second", "Third")}

    def start_worker() -> subprocess.Popen:
        return subprocess.Popen([str(SHOPDB), "worker", "--interval", "0.1"], env=env, cwd=tmp_path,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    first, second = start_worker(), None
    try:
        assert receiver.held.wait(60), "the worker never sent the second notice"
        first.kill()  # mid-way: "First" acknowledged, "Second" on the wire, "Third" claimed, not sent
        first.wait(10)
        receiver.release()
        second = start_worker()
        deadline = time.monotonic() + 60
        while any(row.delivered_at is None for row in outbox_rows(app)) and time.monotonic() < deadline:
            time.sleep(0.2)
        second.send_signal(signal.SIGTERM)
        _, log = second.communicate(timeout=20)
        assert second.returncode == 0 and "worker: stopped" in log, log
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait(10)
        receiver.close()
    answered = sorted(r["json"]["notification"]["id"] for r in receiver.answered())
    assert answered == sorted(ids.values())  # every notice acknowledged exactly once
    arrivals = [r["json"]["notification"]["title"] for r in receiver.requests]
    assert arrivals.count("First") == 1 and arrivals.count("Third") == 1  # nothing sent twice that had arrived
    cut_off, resent = [r for r in receiver.requests if r["json"]["notification"]["title"] == "Second"]
    assert cut_off["delivery"] == resent["delivery"]  # a repeat carries the same key
    assert all(row.delivered_at is not None for row in outbox_rows(app))
    with app.app_context():
        db.engine.dispose()


def test_a_webhook_url_that_is_not_http_turns_the_webhook_off_with_an_error(app, caplog):
    with caplog.at_level("ERROR"):
        configured, client, headers = app_with(app, SHOPDB_NOTIFY_WEBHOOK_URL="file:///etc/passwd")
    assert WEBHOOK not in outbox.channels(configured)
    assert any("not an http(s) URL" in r.getMessage() for r in caplog.records)
    assert client.get("/api/v1/health").get_json()["data"]["plugins"]["notifications"]["state"] == "enabled"


class FakeSMTP:
    sent: list[tuple[str, int, float, object]] = []
    fail = False

    def __init__(self, host: str, port: int, timeout: float):
        self.where = (host, port, timeout)

    def __enter__(self):
        if FakeSMTP.fail:
            raise smtplib.SMTPConnectError(421, "try later")
        return self

    def __exit__(self, *exc):
        return False

    def send_message(self, message) -> None:
        FakeSMTP.sent.append((*self.where, message))


@pytest.fixture
def fake_smtp(monkeypatch) -> type[FakeSMTP]:
    FakeSMTP.sent, FakeSMTP.fail = [], False
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    return FakeSMTP


SMTP = {"SHOPDB_NOTIFY_SMTP_HOST": "mail.plant.example", "SHOPDB_NOTIFY_SMTP_PORT": "2525",
        "SHOPDB_NOTIFY_SMTP_FROM": "shopdb@plant.example",
        "SHOPDB_NOTIFY_SMTP_TO": "shift-lead@plant.example, maintenance@plant.example"}


def test_a_new_notice_is_mailed_when_smtp_is_configured(app, fake_smtp):
    configured, client, headers = app_with(app, **SMTP)
    assert client.post(URL, json={"title": "Coolant change", "message": "Sumps drained Friday."},
                       headers=headers).status_code == 201
    assert fake_smtp.sent == []
    run_worker(configured)
    [(host, port, timeout, message)] = fake_smtp.sent
    assert (host, port, timeout) == ("mail.plant.example", 2525, 5)
    assert message["Subject"] == "[ShopDB info] Coolant change"
    assert message["To"] == "shift-lead@plant.example, maintenance@plant.example"
    assert message["X-ShopDB-Delivery"] == str(outbox_rows(configured)[0].id)
    assert "Sumps drained Friday." in message.get_content() and "all sites" in message.get_content()


def test_a_mail_server_failure_is_retried_later(app, fake_smtp):
    fake_smtp.fail = True
    configured, client, headers = app_with(app, **SMTP)
    assert client.post(URL, json={"title": "Still posted"}, headers=headers).status_code == 201
    assert "1 to retry" in run_worker(configured)
    [row] = outbox_rows(configured)
    assert row.channel == "notifications.email" and "try later" in row.last_error


def test_webhook_and_e_mail_each_get_their_own_delivery(app, receiver, fake_smtp):
    configured, client, headers = app_with(app, SHOPDB_NOTIFY_WEBHOOK_URL=receiver.url, **SMTP)
    client.post(URL, json={"title": "Both"}, headers=headers)
    fake_smtp.fail = True  # mail down, webhook up: the webhook is not held back or repeated
    run_worker(configured)
    delivered = {row.channel: row.delivered_at is not None for row in outbox_rows(configured)}
    assert delivered == {WEBHOOK: True, "notifications.email": False}
    assert len(receiver.requests) == 1


@pytest.mark.parametrize("broken", [{"SHOPDB_NOTIFY_SMTP_TO": ""}, {"SHOPDB_NOTIFY_SMTP_PORT": "smtp"}])
def test_incomplete_mail_settings_leave_e_mail_off(app, fake_smtp, caplog, broken):
    with caplog.at_level("ERROR"):
        configured, client, headers = app_with(app, **{**SMTP, **broken})
    assert "notifications.email" not in outbox.channels(configured)
    assert client.post(URL, json={"title": "Nobody mailed"}, headers=headers).status_code == 201
    assert outbox_rows(configured) == [] and fake_smtp.sent == [] and caplog.records


@pytest.fixture(autouse=True)
def _dispose_engines(app):
    yield
    with app.app_context():
        db.engine.dispose()
