"""Authentication: first admin, bearer tokens stored hashed, roles, sessions with CSRF, throttling."""

from __future__ import annotations

from limits import parse
from sqlalchemy import select

from shopdb.core.models import ApiToken, User
from shopdb.extensions import db
from shopdb.testing import ADMIN_PASSWORD, token_for

from helpers import error_of


def test_writes_without_a_token_are_401(anonymous_client):
    client = anonymous_client
    for method, url in (("post", "/api/v1/sites"), ("patch", "/api/v1/sites/1"), ("delete", "/api/v1/sites/1"),
                        ("post", "/api/v1/assets"), ("post", "/api/v1/locations")):
        response = getattr(client, method)(url, json={})
        assert response.status_code == 401, url
        assert error_of(response)["code"] == "unauthorized"


def test_a_wrong_or_malformed_token_is_401(client):
    for header in ("Bearer nope", "Basic abc", "Bearer "):
        response = client.post("/api/v1/sites", json={}, headers={"Authorization": header})
        assert response.status_code == 401, header


def test_token_is_random_and_stored_only_as_a_hash(app, client):
    first, second = token_for(client), token_for(client)
    assert first != second and len(first) > 40
    with app.app_context():
        stored = [t.token_hash for t in db.session.execute(select(ApiToken)).scalars()]
    assert first not in stored and second not in stored
    assert all(len(h) == 64 for h in stored)


def test_wrong_password_is_401_and_unknown_fields_422(client):
    response = client.post("/api/v1/auth/tokens", json={"username": "admin", "password": "wrong"})
    assert response.status_code == 401
    response = client.post("/api/v1/auth/tokens", json={"username": "admin", "password": "x", "admin": True})
    assert response.status_code == 422


def test_passwords_are_hashed_with_argon2(app):
    with app.app_context():
        admin = db.session.execute(select(User).where(User.username == "admin")).scalar_one()
    assert admin.password_hash.startswith("$argon2id$")
    assert ADMIN_PASSWORD not in admin.password_hash


def test_repeated_failures_are_throttled(app, client):
    # The per-address limit is the lower one (tests/test_rate_limits.py covers both, and Redis).
    allowed = parse(app.config["SHOPDB_LOGIN_FAILURES_PER_ADDRESS"]).amount
    for _ in range(allowed):
        failed = client.post("/api/v1/auth/tokens", json={"username": "throttled", "password": "wrong"})
        assert failed.status_code == 401
    response = client.post("/api/v1/auth/tokens", json={"username": "throttled", "password": "wrong"})
    assert response.status_code == 429
    assert error_of(response)["code"] == "too_many_requests"
    assert int(response.headers["Retry-After"]) > 0


def test_roles_viewer_cannot_write_editor_cannot_admin(client, auth_headers, site):
    for name, role in (("vera", "viewer"), ("eddie", "editor")):
        created = client.post("/api/v1/users", json={"username": name, "password": "Long-password-1", "role": role},
                              headers=auth_headers)
        assert created.status_code == 201, created.get_json()
    viewer = {"Authorization": f"Bearer {token_for(client, 'vera', 'Long-password-1')}"}
    editor = {"Authorization": f"Bearer {token_for(client, 'eddie', 'Long-password-1')}"}
    body = {"site_id": site["id"], "name": "Hall"}
    assert client.post("/api/v1/locations", json=body, headers=viewer).status_code == 403
    assert client.post("/api/v1/locations", json=body, headers=editor).status_code == 201
    assert client.post("/api/v1/sites", json={"code": "E", "name": "e"}, headers=editor).status_code == 403
    assert client.get("/api/v1/users", headers=editor).status_code == 403


def test_site_scoped_user_may_only_change_their_sites(client, auth_headers, site):
    other = client.post("/api/v1/sites", json={"code": "P2", "name": "Two"}, headers=auth_headers).get_json()["data"]
    client.post("/api/v1/users", json={"username": "sam", "password": "Long-password-1", "role": "editor",
                                       "site_ids": [site["id"]]}, headers=auth_headers)
    sam = {"Authorization": f"Bearer {token_for(client, 'sam', 'Long-password-1')}"}
    assert client.post("/api/v1/locations", json={"site_id": site["id"], "name": "A"}, headers=sam).status_code == 201
    # The other site is out of sam's sight (site scoping): to sam it is an unknown site.
    assert client.post("/api/v1/locations", json={"site_id": other["id"], "name": "A"}, headers=sam).status_code == 422


def test_user_admin_validation(client, auth_headers):
    cases = [
        {"username": "x", "password": "short", "role": "viewer"},
        {"username": "x", "password": "Long-password-1", "role": "god"},
        {"username": "x", "password": "Long-password-1", "site_ids": [999]},
    ]
    for body in cases:
        assert client.post("/api/v1/users", json=body, headers=auth_headers).status_code == 422, body
    ok = {"username": "Dup", "password": "Long-password-1"}
    assert client.post("/api/v1/users", json=ok, headers=auth_headers).status_code == 201
    assert client.post("/api/v1/users", json={**ok, "username": "dup"}, headers=auth_headers).status_code == 409


def test_session_login_requires_the_csrf_token_for_writes(anonymous_client):
    client = anonymous_client
    login = client.post("/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
    assert login.status_code == 200
    csrf = login.get_json()["data"]["csrf_token"]
    assert client.get("/api/v1/auth/me").get_json()["data"]["username"] == "admin"
    without = client.post("/api/v1/sites", json={"code": "S", "name": "s"})
    assert without.status_code == 403 and error_of(without)["code"] == "csrf"
    with_token = client.post("/api/v1/sites", json={"code": "S", "name": "s"}, headers={"X-CSRF-Token": csrf})
    assert with_token.status_code == 201
    assert client.post("/api/v1/auth/logout").status_code == 403  # a session's logout needs the token too
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    after = client.post("/api/v1/sites", json={"code": "T", "name": "t"}, headers={"X-CSRF-Token": csrf})
    assert after.status_code == 401


def test_booleans_must_be_json_booleans(client, auth_headers):
    for value in ("yes", 1, "on"):
        body = {"username": "flag", "password": "Long-password-1", "is_active": value}
        assert client.post("/api/v1/users", json=body, headers=auth_headers).status_code == 422, value


def test_the_session_probe_says_logged_out_without_a_401_while_protected_reads_stay_401(app, client, auth_headers):
    """The web UI's first question on every load. A visitor, a session that expired and a session ended
    elsewhere (here: the user deactivated, then reactivated with a new password) all get 200
    ``{"authenticated": false}`` — no 401 for the browser to log — yet /auth/me and the data stay 401."""
    stranger = app.test_client()
    assert stranger.get("/api/v1/auth/session").get_json() == {"data": {"authenticated": False}}
    assert stranger.get("/api/v1/auth/me").status_code == 401

    made = client.post("/api/v1/users", json={"username": "nora", "password": "A-long-password-1", "role": "editor"},
                       headers=auth_headers).get_json()["data"]
    browser = app.test_client()
    assert browser.post("/api/v1/auth/login", json={"username": "nora", "password": "A-long-password-1"}
                        ).status_code == 200
    probe = browser.get("/api/v1/auth/session")
    assert probe.status_code == 200
    state = probe.get_json()["data"]
    assert state["authenticated"] is True and (state["username"], state["role"]) == ("nora", "editor")
    assert state["csrf_token"] == browser.get("/api/v1/auth/me").get_json()["data"]["csrf_token"]

    # Ended server-side by an admin (another client): the browser's cookie is still sent, and refused.
    for change in ({"is_active": False}, {"is_active": True, "password": "Another-password-2"}):
        assert client.patch(f"/api/v1/users/{made['id']}", json=change, headers=auth_headers).status_code == 200
    ended = browser.get("/api/v1/auth/session")
    assert ended.status_code == 200 and ended.get_json() == {"data": {"authenticated": False}}
    assert browser.get("/api/v1/auth/me").status_code == 401
    assert browser.get("/api/v1/assets").status_code == 401

    # A bearer token is answered as itself (no CSRF token); a bad one is still a 401.
    as_token = client.get("/api/v1/auth/session", headers=auth_headers).get_json()["data"]
    assert as_token["authenticated"] is True and as_token["username"] == "admin" and as_token["csrf_token"] is None
    assert stranger.get("/api/v1/auth/session", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_an_expired_session_cookie_is_reported_as_logged_out(app, anonymous_client):
    import datetime as dt
    import time

    app.config["PERMANENT_SESSION_LIFETIME"] = dt.timedelta(seconds=1)
    assert anonymous_client.post("/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
                                 ).status_code == 200
    assert anonymous_client.get("/api/v1/auth/session").get_json()["data"]["authenticated"] is True
    time.sleep(2.1)
    expired = anonymous_client.get("/api/v1/auth/session")
    assert expired.status_code == 200 and expired.get_json()["data"] == {"authenticated": False}
    assert anonymous_client.get("/api/v1/assets").status_code == 401
