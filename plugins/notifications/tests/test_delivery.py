"""Delivery channels: off by default; a webhook and e-mail when configured; failures logged, never raised."""

from __future__ import annotations

import json
import logging
import smtplib
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from shopdb.extensions import db
from shopdb.plugins import hooks
from shopdb.testing import make_app, token_for

URL = "/api/v1/notifications"


class Receiver:
    """A webhook receiver on 127.0.0.1 (an ephemeral port), recording what it was sent."""

    def __init__(self, status: int = 204):
        self.requests: list[dict] = []
        self.arrived = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"path": self.path, "content_type": self.headers["Content-Type"],
                                          "json": json.loads(body)})
                self.send_response(status)
                self.end_headers()
                receiver.arrived.set()

            def log_message(self, *args):  # keep test output quiet
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/shopdb"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait(self) -> dict:
        assert self.arrived.wait(10), "the webhook was not called"
        return self.requests[-1]

    def close(self) -> None:
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
    client = configured.test_client()
    return configured, client, {"Authorization": f"Bearer {token_for(client)}"}


def delivery_subscribed(app) -> bool:
    subs = app.extensions[hooks.EXTENSION_KEY].subscriptions.get("notifications.created", [])
    return any(s.plugin == "notifications" for s in subs)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_delivery_is_off_unless_configured(app, monkeypatch):
    for key in ("SHOPDB_NOTIFY_WEBHOOK_URL", "SHOPDB_NOTIFY_SMTP_HOST"):
        monkeypatch.delenv(key, raising=False)
    configured, client, headers = app_with(app)
    assert not delivery_subscribed(configured)
    assert client.post(URL, json={"title": "Quiet"}, headers=headers).status_code == 201


def test_a_new_notice_is_posted_to_the_webhook_as_json(app, receiver):
    configured, client, headers = app_with(app, SHOPDB_NOTIFY_WEBHOOK_URL=receiver.url)
    assert delivery_subscribed(configured)
    response = client.post(URL, json={"title": "Air pressure low", "severity": "warning"}, headers=headers)
    assert response.status_code == 201
    sent = receiver.wait()
    assert sent["path"] == "/hooks/shopdb" and sent["content_type"] == "application/json"
    assert sent["json"]["event"] == "notifications.created"
    notice = sent["json"]["notification"]
    assert notice["id"] == response.get_json()["data"]["id"]
    assert notice["title"] == "Air pressure low" and notice["severity"] == "warning" and notice["source"] == "manual"


def test_a_machine_going_down_reaches_the_webhook(app, receiver):
    configured, client, headers = app_with(app, SHOPDB_NOTIFY_WEBHOOK_URL=receiver.url)
    site = client.post("/api/v1/sites", json={"code": "P1", "name": "Plant 1"}, headers=headers).get_json()["data"]
    machine = client.post("/api/v1/equipment", json={"asset_tag": "M-2001", "name": "DMU 50", "site_id": site["id"],
                                                     "machine_number": "2001"}, headers=headers).get_json()["data"]
    client.patch(f"/api/v1/equipment/{machine['assetid']}", json={"operational_status": "down"}, headers=headers)
    notice = receiver.wait()["json"]["notification"]
    assert notice["severity"] == "critical" and notice["title"] == "M-2001 is down"
    assert notice["assetid"] == machine["assetid"] and notice["source"] == "equipment"


def test_the_webhook_is_configured_from_the_environment(app, receiver, monkeypatch):
    monkeypatch.setenv("SHOPDB_NOTIFY_WEBHOOK_URL", receiver.url)
    configured, client, headers = app_with(app)
    assert configured.config["SHOPDB_NOTIFY_WEBHOOK_URL"] == receiver.url
    client.post(URL, json={"title": "From the environment"}, headers=headers)
    assert receiver.wait()["json"]["notification"]["title"] == "From the environment"


@pytest.mark.parametrize("failure", ["nobody listening", "receiver error"])
def test_a_failing_webhook_is_logged_and_the_notice_still_stands(app, caplog, failure):
    broken = Receiver(status=500) if failure == "receiver error" else None
    url = broken.url if broken else f"http://127.0.0.1:{free_port()}/gone"
    try:
        _, client, headers = app_with(app, SHOPDB_NOTIFY_WEBHOOK_URL=url, SHOPDB_NOTIFY_BACKGROUND="0")
        with caplog.at_level(logging.ERROR):
            response = client.post(URL, json={"title": "Still here"}, headers=headers)
        assert response.status_code == 201
        assert client.get(f"{URL}/{response.get_json()['data']['id']}").status_code == 200
        assert any("webhook delivery of notice" in r.getMessage() for r in caplog.records)
    finally:
        if broken:
            broken.close()


def test_a_webhook_url_that_is_not_http_turns_the_webhook_off_with_an_error(app, caplog):
    with caplog.at_level(logging.ERROR):
        configured, client, headers = app_with(app, SHOPDB_NOTIFY_WEBHOOK_URL="file:///etc/passwd")
    assert not delivery_subscribed(configured)
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
        "SHOPDB_NOTIFY_SMTP_TO": "shift-lead@plant.example, maintenance@plant.example",
        "SHOPDB_NOTIFY_BACKGROUND": "0"}


def test_a_new_notice_is_mailed_when_smtp_is_configured(app, fake_smtp):
    _, client, headers = app_with(app, **SMTP)
    assert client.post(URL, json={"title": "Coolant change", "message": "Sumps drained Friday."},
                       headers=headers).status_code == 201
    [(host, port, timeout, message)] = fake_smtp.sent
    assert (host, port, timeout) == ("mail.plant.example", 2525, 5)
    assert message["Subject"] == "[ShopDB info] Coolant change"
    assert message["To"] == "shift-lead@plant.example, maintenance@plant.example"
    assert "Sumps drained Friday." in message.get_content() and "all sites" in message.get_content()


def test_a_mail_server_failure_is_logged_not_raised(app, fake_smtp, caplog):
    fake_smtp.fail = True
    _, client, headers = app_with(app, **SMTP)
    with caplog.at_level(logging.ERROR):
        assert client.post(URL, json={"title": "Still posted"}, headers=headers).status_code == 201
    assert any("email delivery of notice" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("broken", [{"SHOPDB_NOTIFY_SMTP_TO": ""}, {"SHOPDB_NOTIFY_SMTP_PORT": "smtp"}])
def test_incomplete_mail_settings_leave_e_mail_off(app, fake_smtp, caplog, broken):
    with caplog.at_level(logging.ERROR):
        configured, client, headers = app_with(app, **{**SMTP, **broken})
    assert not delivery_subscribed(configured)
    assert client.post(URL, json={"title": "Nobody mailed"}, headers=headers).status_code == 201
    assert fake_smtp.sent == [] and caplog.records


@pytest.fixture(autouse=True)
def _dispose_engines(app):
    yield
    with app.app_context():
        db.engine.dispose()
