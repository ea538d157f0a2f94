"""Deny by default (issue 11): no API route answers a stranger unless it is on the public list."""

from __future__ import annotations

import re

from shopdb.auth.access import is_public

# The whole public surface: liveness, logging in, the session probe (it answers only whether the caller's own
# cookie or token is logged in, so the UI never meets a 401 it would log), and the API's own description.
# Growing this list is a security decision; make it in a review, not by accident.
PUBLIC = {
    ("GET", "/api/v1/health"),
    ("POST", "/api/v1/auth/tokens"), ("POST", "/api/v1/auth/login"), ("POST", "/api/v1/auth/logout"),
    ("GET", "/api/v1/auth/session"),
    ("GET", "/api/v1/openapi.json"), ("GET", "/api/v1/docs"), ("GET", "/api/v1/docs/static/<path:filename>"),
}


def _api_routes(app):
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def _concrete(rule) -> str:
    return re.sub(r"<(?:[^:>]+:)?[^>]+>", "1", rule.rule)


def test_every_api_route_is_either_protected_or_on_the_public_list(app):
    with app.test_request_context():
        public = {(method, rule.rule) for rule, method in _api_routes(app) if is_public(rule.endpoint, method)}
    assert public == PUBLIC


def test_a_stranger_gets_401_from_every_route_not_on_the_public_list(app, anonymous_client):
    asked = 0
    for rule, method in _api_routes(app):
        if (method, rule.rule) in PUBLIC:
            continue
        response = anonymous_client.open(_concrete(rule), method=method, json={})
        assert response.status_code == 401, (method, rule.rule, response.status_code)
        assert response.get_json()["error"]["code"] == "unauthorized"
        asked += 1
    assert asked > 50


def test_health_answers_a_stranger_without_secrets(app, anonymous_client):
    body = anonymous_client.get("/api/v1/health").get_json()["data"]
    assert body["status"] == "ok"
    text = str(body)
    assert app.config["SQLALCHEMY_DATABASE_URI"] not in text and app.config["SECRET_KEY"] not in text


def test_a_viewer_reads_every_list(client, user_headers):
    viewer = user_headers("viewer")
    for path in ("/api/v1/assets", "/api/v1/sites", "/api/v1/locations", "/api/v1/computers",
                 "/api/v1/usb/checkouts", "/api/v1/notifications", "/api/v1/network/subnets"):
        assert client.get(path, headers=viewer).status_code == 200, path
    assert client.get("/api/v1/users", headers=viewer).status_code == 403


def test_a_read_only_token_reads_but_never_writes(client, auth_headers):
    made = client.post("/api/v1/auth/tokens", json={"name": "dashboard", "write_enabled": False},
                       headers=auth_headers)
    assert made.status_code == 201, made.get_json()
    read_only = {"Authorization": f"Bearer {made.get_json()['data']['token']}"}
    assert client.get("/api/v1/assets", headers=read_only).status_code == 200
    refused = client.post("/api/v1/sites", json={"code": "RO", "name": "Read only"}, headers=read_only)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "read_only_token"


def test_a_browser_session_left_idle_past_its_lifetime_is_logged_out(app, anonymous_client):
    import datetime as dt
    import time

    from shopdb.testing import ADMIN_PASSWORD

    app.config["PERMANENT_SESSION_LIFETIME"] = dt.timedelta(seconds=1)
    login = anonymous_client.post("/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
    assert login.status_code == 200
    assert anonymous_client.get("/api/v1/assets").status_code == 200
    time.sleep(2.1)  # the signed cookie carries its age; Flask refuses it once older than the lifetime
    assert anonymous_client.get("/api/v1/assets").status_code == 401
