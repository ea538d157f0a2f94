"""API tokens: named, expiring by default, read-only or read-write, last use noted, listed, revocable."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from shopdb.core.models import ApiToken, utcnow
from shopdb.extensions import db
from shopdb.testing import ADMIN_PASSWORD

from helpers import error_of

PASSWORD = "A-long-password-1"


def make_user(client, name: str, role: str = "viewer") -> int:
    response = client.post("/api/v1/users", json={"username": name, "password": PASSWORD, "role": role})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]["id"]


def new_token(client, user: str, **fields) -> dict:
    response = client.post("/api/v1/auth/tokens", json={"username": user, "password": PASSWORD, **fields})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]


def bearer(token: dict | str) -> dict:
    return {"Authorization": f"Bearer {token['token'] if isinstance(token, dict) else token}"}


def _parse(stamp: str) -> dt.datetime:
    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).replace(tzinfo=None)


def test_a_token_is_named_expires_after_the_default_and_is_shown_only_at_creation(client):
    make_user(client, "anna")
    created = new_token(client, "anna", name="label printer script")
    assert created["name"] == "label printer script" and created["write_enabled"] is True
    assert created["token"].startswith("shdb_") and created["prefix"] == created["token"][5:13]
    days = (_parse(created["expires_at"]) - utcnow()).total_seconds() / 86400
    assert 89.9 < days <= 90

    listed = client.get("/api/v1/auth/tokens", headers=bearer(created)).get_json()
    assert [t["name"] for t in listed["data"]] == ["label printer script"] and listed["meta"]["total"] == 1
    assert "token" not in listed["data"][0]


def test_a_user_may_ask_for_a_shorter_life_but_only_an_admin_for_a_longer_one_or_none(client):
    make_user(client, "anna")
    assert _parse(new_token(client, "anna", expires_in_days=7)["expires_at"]) < utcnow() + dt.timedelta(days=7.01)
    for asked in (91, None):
        response = client.post("/api/v1/auth/tokens", json={"username": "anna", "password": PASSWORD,
                                                            "expires_in_days": asked})
        assert response.status_code == 422 and "expires_in_days" in error_of(response)["details"]["fields"]
    service = client.post("/api/v1/auth/tokens", json={"username": "admin", "password": ADMIN_PASSWORD,
                                                       "name": "MES bridge", "expires_in_days": None})
    assert service.status_code == 201 and service.get_json()["data"]["expires_at"] is None
    # Asked for by a token, "none" still ends with that token.
    capped = client.post("/api/v1/auth/tokens", json={"name": "MES bridge 2", "expires_in_days": None})
    assert capped.status_code == 201 and capped.get_json()["data"]["expires_at"] is not None


def test_with_a_default_of_zero_tokens_never_expire_unless_asked(app, client):
    make_user(client, "anna")
    app.config["SHOPDB_TOKEN_DEFAULT_DAYS"] = 0
    assert new_token(client, "anna")["expires_at"] is None
    assert new_token(client, "anna", expires_in_days=400)["expires_at"] is not None


def test_an_expired_token_is_refused(app, client, anonymous_client):
    make_user(client, "anna")
    token = new_token(client, "anna", expires_in_days=1)
    assert anonymous_client.get("/api/v1/auth/me", headers=bearer(token)).status_code == 200
    with app.app_context():
        db.session.execute(update(ApiToken).where(ApiToken.id == token["id"])
                           .values(expires_at=utcnow() - dt.timedelta(seconds=1)))
        db.session.commit()
    response = anonymous_client.get("/api/v1/auth/me", headers=bearer(token))
    assert response.status_code == 401 and "expired" in error_of(response)["message"]


def test_a_read_only_token_reads_but_cannot_write_or_make_a_writing_token(client, site):
    reader = client.post("/api/v1/auth/tokens", json={"name": "dashboard", "write_enabled": False}).get_json()["data"]
    assert reader["write_enabled"] is False
    assert client.get("/api/v1/sites", headers=bearer(reader)).status_code == 200
    refused = client.post("/api/v1/sites", json={"code": "RO", "name": "x"}, headers=bearer(reader))
    assert refused.status_code == 403
    escalate = client.post("/api/v1/auth/tokens", json={"name": "sneaky"}, headers=bearer(reader))
    assert escalate.status_code == 403 and error_of(escalate)["code"] == "read_only_token"


def test_a_logged_in_user_makes_a_token_without_sending_the_password_again(app, client):
    make_user(client, "anna", "editor")
    browser = app.test_client()
    csrf = browser.post("/api/v1/auth/login", json={"username": "anna", "password": PASSWORD}).get_json()
    assert browser.post("/api/v1/auth/tokens", json={"name": "no csrf"}).status_code == 403
    made = browser.post("/api/v1/auth/tokens", json={"name": "from the UI", "expires_in_days": 30},
                        headers={"X-CSRF-Token": csrf["data"]["csrf_token"]})
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["data"]["username"] == "anna"
    # A token made by a token never outlives it.
    short = new_token(client, "anna", expires_in_days=2)
    child = client.post("/api/v1/auth/tokens", json={"name": "child", "expires_in_days": 30}, headers=bearer(short))
    assert child.status_code == 201 and child.get_json()["data"]["expires_at"] == short["expires_at"]
    assert app.test_client().post("/api/v1/auth/tokens", json={"name": "nobody"}).status_code == 401


def test_last_use_and_address_are_noted_at_most_once_a_minute(app, client, anonymous_client):
    make_user(client, "anna")
    token = new_token(client, "anna")
    assert token["last_used_at"] is None
    anonymous_client.get("/api/v1/auth/me", headers=bearer(token), environ_base={"REMOTE_ADDR": "10.1.2.3"})

    def stored() -> tuple:
        with app.app_context():
            row = db.session.get(ApiToken, token["id"])
            return row.last_used_at, row.last_used_address

    first = stored()
    assert first[0] is not None and first[1] == "10.1.2.3"
    anonymous_client.get("/api/v1/auth/me", headers=bearer(token), environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert stored() == first  # within the minute: no write
    with app.app_context():
        db.session.execute(update(ApiToken).where(ApiToken.id == token["id"])
                           .values(last_used_at=utcnow() - dt.timedelta(minutes=2)))
        db.session.commit()
    anonymous_client.get("/api/v1/auth/me", headers=bearer(token), environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert stored()[1] == "10.9.9.9" and stored()[0] > first[0]
    listed = client.get("/api/v1/auth/tokens", headers=bearer(token)).get_json()["data"][0]
    assert listed["last_used_address"] == "10.9.9.9" and listed["last_used_at"].endswith("Z")


def test_users_list_their_own_tokens_and_only_admins_list_everyones(client):
    anna_id = make_user(client, "anna")
    anna = new_token(client, "anna", name="anna's")
    admin_id = client.get("/api/v1/auth/me").get_json()["data"]["id"]
    names = {t["name"] for t in client.get("/api/v1/auth/tokens", headers=bearer(anna)).get_json()["data"]}
    assert names == {"anna's"}
    for query in ("all=true", f"user_id={admin_id}", "username=admin"):
        response = client.get(f"/api/v1/auth/tokens?{query}", headers=bearer(anna))
        assert response.status_code == 403, query
    assert client.get(f"/api/v1/auth/tokens?user_id={anna_id}", headers=bearer(anna)).status_code == 200

    everyone = client.get("/api/v1/auth/tokens?all=true").get_json()["data"]
    assert {"anna", "admin"} <= {t["username"] for t in everyone}
    annas = client.get(f"/api/v1/auth/tokens?user_id={anna_id}").get_json()["data"]
    assert [t["name"] for t in annas] == ["anna's"]
    assert all(t["username"] == "admin" for t in client.get("/api/v1/auth/tokens").get_json()["data"])


def test_a_revoked_token_is_refused_on_the_next_request(app, client, anonymous_client):
    make_user(client, "anna")
    anna = new_token(client, "anna")
    spare = new_token(client, "anna")
    admins = client.post("/api/v1/auth/tokens", json={"name": "admin's"}).get_json()["data"]
    assert client.delete(f"/api/v1/auth/tokens/{admins['id']}", headers=bearer(anna)).status_code == 404
    assert anonymous_client.get("/api/v1/auth/me", headers=bearer(admins)).status_code == 200

    assert client.delete(f"/api/v1/auth/tokens/{spare['id']}", headers=bearer(anna)).status_code == 204
    assert anonymous_client.get("/api/v1/auth/me", headers=bearer(spare)).status_code == 401
    assert client.delete(f"/api/v1/auth/tokens/{anna['id']}").status_code == 204  # an admin revokes any
    response = anonymous_client.get("/api/v1/auth/me", headers=bearer(anna))
    assert response.status_code == 401 and "revoked" in error_of(response)["message"]
    with app.app_context():
        revoked = db.session.execute(select(ApiToken.revoked_at).where(ApiToken.id == anna["id"])).scalar_one()
    assert revoked is not None
    listed = client.get("/api/v1/auth/tokens?username=anna").get_json()["data"]
    assert all(t["revoked_at"] for t in listed)
