"""A browser session's unsafe requests carry the CSRF token, whatever route they reach (core, plugin, auth)."""

from __future__ import annotations

import pytest

from shopdb.testing import ADMIN_PASSWORD

from helpers import error_of


@pytest.fixture
def browser(anonymous_client):
    """A cookie session of the admin, as the UI has it; ``.csrf`` is the session's token."""
    login = anonymous_client.post("/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
    assert login.status_code == 200, login.get_json()
    anonymous_client.csrf = login.get_json()["data"]["csrf_token"]
    return anonymous_client


def assert_csrf_refused(response) -> None:
    assert response.status_code == 403, response.get_json()
    assert error_of(response)["code"] == "csrf"


def test_session_writes_to_core_routes_without_the_token_are_refused_and_write_nothing(browser, site, count_rows):
    assert_csrf_refused(browser.post("/api/v1/sites", json={"code": "X", "name": "x"}))
    assert_csrf_refused(browser.patch(f"/api/v1/sites/{site['id']}", json={"name": "renamed"}))
    assert_csrf_refused(browser.delete(f"/api/v1/sites/{site['id']}"))
    assert_csrf_refused(browser.post("/api/v1/sites", json={"code": "X", "name": "x"},
                                     headers={"X-CSRF-Token": "not-the-token"}))
    assert count_rows("sites") == 1


def test_session_writes_to_plugin_routes_without_the_token_are_refused(browser, site):
    location = browser.post("/api/v1/locations", json={"site_id": site["id"], "name": "Hall"},
                            headers={"X-CSRF-Token": browser.csrf}).get_json()["data"]
    body = {"asset_tag": "M-1", "name": "Lathe", "machine_number": "M1", "site_id": site["id"],
            "location_id": location["id"]}
    assert_csrf_refused(browser.post("/api/v1/equipment", json=body))
    created = browser.post("/api/v1/equipment", json=body, headers={"X-CSRF-Token": browser.csrf})
    assert created.status_code == 201, created.get_json()
    url = f"/api/v1/equipment/{created.get_json()['data']['assetid']}"
    assert_csrf_refused(browser.patch(url, json={"name": "Big lathe"}))
    assert_csrf_refused(browser.delete(url))
    assert browser.patch(url, json={"name": "Big lathe"}, headers={"X-CSRF-Token": browser.csrf}).status_code == 200


def test_session_writes_with_the_token_are_accepted(browser, site):
    headers = {"X-CSRF-Token": browser.csrf}
    assert browser.post("/api/v1/sites", json={"code": "X", "name": "x"}, headers=headers).status_code == 201
    assert browser.patch(f"/api/v1/sites/{site['id']}", json={"name": "renamed"}, headers=headers).status_code == 200


def test_the_token_is_checked_before_the_view_even_where_no_role_is_required(browser):
    # Token creation for oneself and logout take no role; a forged page could still use the cookie.
    assert_csrf_refused(browser.post("/api/v1/auth/tokens", json={"name": "forged"}))
    assert_csrf_refused(browser.post("/api/v1/auth/logout"))
    assert browser.get("/api/v1/auth/me").status_code == 200  # still logged in
    assert browser.post("/api/v1/auth/logout", headers={"X-CSRF-Token": browser.csrf}).status_code == 204
    assert browser.get("/api/v1/auth/me").status_code == 401


def test_logging_in_needs_no_token_without_a_session_but_does_on_top_of_one(anonymous_client, browser):
    # `browser` is the same client, now with a session: a second login must carry the token.
    credentials = {"username": "admin", "password": ADMIN_PASSWORD}
    assert_csrf_refused(browser.post("/api/v1/auth/login", json=credentials))
    again = browser.post("/api/v1/auth/login", json=credentials, headers={"X-CSRF-Token": browser.csrf})
    assert again.status_code == 200


def test_bearer_token_writes_need_no_csrf_token(client):
    assert client.post("/api/v1/sites", json={"code": "B", "name": "b"}).status_code == 201


def test_session_cookie_is_httponly_and_samesite_lax_and_secure_only_under_https(app, anonymous_client):
    from shopdb.testing import make_app

    login = anonymous_client.post("/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
    cookie = login.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    https = make_app(app.config["SQLALCHEMY_DATABASE_URI"], SHOPDB_HTTPS=True).test_client()
    cookie = https.post("/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD},
                        base_url="https://localhost").headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie
