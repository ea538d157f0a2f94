"""A user's life: an admin changes role, sites, active flag and password; a user changes their own password.

Deactivation and a new password cut off access on the very next request; the last admin always stays.
"""

from __future__ import annotations

from sqlalchemy import select

from shopdb.auth.tokens import issue_token
from shopdb.core.models import User
from shopdb.extensions import db
from shopdb.testing import token_for

from helpers import error_of

PASSWORD = "A-long-password-1"


def make_user(client, name: str, role: str = "viewer", site_ids: tuple[int, ...] = ()) -> int:
    response = client.post("/api/v1/users", json={"username": name, "password": PASSWORD, "role": role,
                                                  "site_ids": list(site_ids)})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]["id"]


def bearer(client, name: str, password: str = PASSWORD) -> dict:
    return {"Authorization": f"Bearer {token_for(client, name, password)}"}


def browser_of(app, name: str, password: str = PASSWORD):
    """A browser logged in as ``name``: the test client keeps its cookie; returns it and its CSRF header."""
    browser = app.test_client()
    response = browser.post("/api/v1/auth/login", json={"username": name, "password": password})
    assert response.status_code == 200, response.get_json()
    return browser, {"X-CSRF-Token": response.get_json()["data"]["csrf_token"]}


def test_an_admin_makes_a_viewer_an_editor_of_one_site_and_reads_it_back(client, site, other_site):
    anna = make_user(client, "anna")
    response = client.patch(f"/api/v1/users/{anna}", json={"role": "editor", "site_ids": [site["id"]]})
    assert response.status_code == 200, response.get_json()
    shown = client.get(f"/api/v1/users/{anna}").get_json()["data"]
    assert (shown["role"], shown["site_ids"], shown["is_active"], shown["auth_source"]) == (
        "editor", [site["id"]], True, "local")
    assert "password" not in shown and "password_hash" not in shown
    headers = bearer(client, "anna")
    assert client.post("/api/v1/locations", json={"site_id": site["id"], "name": "Hall"},
                       headers=headers).status_code == 201
    assert client.post("/api/v1/locations", json={"site_id": other_site["id"], "name": "Hall"},
                       headers=headers).status_code in (403, 422)  # another site's: refused (or unseen)


def test_a_viewer_or_an_editor_cannot_change_or_read_a_user(client):
    anna = make_user(client, "anna")
    for role in ("viewer", "editor"):
        make_user(client, f"{role}x", role)
        headers = bearer(client, f"{role}x")
        response = client.patch(f"/api/v1/users/{anna}", json={"role": "admin"}, headers=headers)
        assert response.status_code == 403 and error_of(response)["code"] == "forbidden"
        assert client.get(f"/api/v1/users/{anna}", headers=headers).status_code == 403
    assert client.get(f"/api/v1/users/{anna}").get_json()["data"]["role"] == "viewer"


def test_deactivating_a_user_ends_their_session_and_tokens_on_the_next_request(app, client, anonymous_client):
    anna = make_user(client, "anna", "editor")
    browser, _csrf = browser_of(app, "anna")
    token = bearer(client, "anna")
    assert browser.get("/api/v1/auth/me").status_code == 200
    assert anonymous_client.get("/api/v1/auth/me", headers=token).status_code == 200

    response = client.patch(f"/api/v1/users/{anna}", json={"is_active": False})
    assert response.status_code == 200 and response.get_json()["data"]["is_active"] is False

    assert browser.get("/api/v1/auth/me").status_code == 401
    assert anonymous_client.get("/api/v1/auth/me", headers=token).status_code == 401
    refused = anonymous_client.post("/api/v1/auth/login", json={"username": "anna", "password": PASSWORD})
    assert refused.status_code == 401

    # Back again: a new login works, the old credentials stay dead.
    assert client.patch(f"/api/v1/users/{anna}", json={"is_active": True}).status_code == 200
    assert anonymous_client.get("/api/v1/auth/me", headers=token).status_code == 401
    assert browser.get("/api/v1/auth/me").status_code == 401
    fresh, _csrf = browser_of(app, "anna")
    assert fresh.get("/api/v1/auth/me").get_json()["data"]["username"] == "anna"


def test_a_password_change_keeps_this_session_and_ends_the_other(app, client):
    make_user(client, "anna")
    laptop, csrf = browser_of(app, "anna")
    phone, _ = browser_of(app, "anna")
    token = bearer(client, "anna")

    response = laptop.post("/api/v1/auth/password", headers=csrf,
                           json={"current_password": PASSWORD, "new_password": "A-new-password-22"})
    assert response.status_code == 204, response.get_json()

    assert laptop.get("/api/v1/auth/me").status_code == 200
    assert phone.get("/api/v1/auth/me").status_code == 401
    assert client.get("/api/v1/auth/me", headers=token).status_code == 200  # tokens are revoked one by one
    stranger = app.test_client()
    assert stranger.post("/api/v1/auth/login", json={"username": "anna", "password": PASSWORD}).status_code == 401
    assert stranger.post("/api/v1/auth/login",
                         json={"username": "anna", "password": "A-new-password-22"}).status_code == 200


def test_a_password_change_needs_the_current_password_and_a_new_long_one(app, client):
    make_user(client, "anna")
    headers = bearer(client, "anna")
    wrong = client.post("/api/v1/auth/password", headers=headers,
                        json={"current_password": "not-my-password", "new_password": "A-new-password-22"})
    assert wrong.status_code == 422 and "current_password" in error_of(wrong)["details"]["fields"]
    short = client.post("/api/v1/auth/password", headers=headers,
                        json={"current_password": PASSWORD, "new_password": "short"})
    assert short.status_code == 422 and "new_password" in error_of(short)["details"]["fields"]
    same = client.post("/api/v1/auth/password", headers=headers,
                       json={"current_password": PASSWORD, "new_password": PASSWORD})
    assert same.status_code == 422
    assert token_for(client, "anna", PASSWORD)  # nothing changed
    assert app.test_client().post("/api/v1/auth/password", json={
        "current_password": PASSWORD, "new_password": "A-new-password-22"}).status_code == 401


def test_an_admin_resetting_a_password_ends_the_users_sessions(app, client):
    anna = make_user(client, "anna")
    browser, _ = browser_of(app, "anna")
    assert client.patch(f"/api/v1/users/{anna}", json={"password": "Reset-by-admin-1"}).status_code == 200
    assert browser.get("/api/v1/auth/me").status_code == 401
    assert token_for(client, "anna", "Reset-by-admin-1")


def test_the_last_active_admin_can_be_neither_deactivated_nor_demoted(app, client):
    admin_id = client.get("/api/v1/auth/me").get_json()["data"]["id"]
    for change in ({"is_active": False}, {"role": "editor"}):
        response = client.patch(f"/api/v1/users/{admin_id}", json=change)
        assert response.status_code == 409 and error_of(response)["code"] == "last_admin", change
    assert client.get("/api/v1/auth/me").get_json()["data"]["role"] == "admin"

    second = make_user(client, "second", "admin")
    assert client.patch(f"/api/v1/users/{admin_id}", json={"role": "editor"}).status_code == 200
    headers = bearer(client, "second")
    refused = client.patch(f"/api/v1/users/{second}", json={"is_active": False}, headers=headers)
    assert refused.status_code == 409 and error_of(refused)["code"] == "last_admin"
    # An inactive admin does not count: deactivating it leaves "second" the last one, as before.
    assert client.patch(f"/api/v1/users/{admin_id}", json={"role": "admin"}, headers=headers).status_code == 200
    assert client.patch(f"/api/v1/users/{admin_id}", json={"is_active": False}, headers=headers).status_code == 200
    assert client.patch(f"/api/v1/users/{second}", json={"role": "viewer"}, headers=headers).status_code == 409


def test_a_directory_user_has_no_local_password_to_set(app, client):
    dana = make_user(client, "dana")
    with app.app_context():
        user = db.session.get(User, dana)
        user.auth_source = "ldap"
        token, _row = issue_token(user, "dana's")
        db.session.commit()
    response = client.patch(f"/api/v1/users/{dana}", json={"password": "A-local-password-1"})
    assert response.status_code == 409 and error_of(response)["code"] == "directory_user"
    assert "directory" in error_of(response)["message"]
    own = client.post("/api/v1/auth/password", headers={"Authorization": f"Bearer {token}"},
                      json={"current_password": PASSWORD, "new_password": "A-local-password-1"})
    assert own.status_code == 409 and error_of(own)["code"] == "directory_user"


def test_a_change_with_one_bad_part_changes_nothing(app, client, site):
    anna = make_user(client, "anna")
    response = client.patch(f"/api/v1/users/{anna}", json={"role": "editor", "site_ids": [9999]})
    assert response.status_code == 422 and "site_ids" in error_of(response)["details"]["fields"]
    short = client.patch(f"/api/v1/users/{anna}", json={"role": "editor", "password": "short"})
    assert short.status_code == 422
    assert client.patch(f"/api/v1/users/{anna}", json={"role": "boss"}).status_code == 422
    assert client.patch("/api/v1/users/9999", json={"role": "editor"}).status_code == 404
    with app.app_context():
        assert db.session.execute(select(User.role).where(User.id == anna)).scalar_one() == "viewer"
