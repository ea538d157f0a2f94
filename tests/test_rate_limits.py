"""Failed logins per user and per address, the general API limit, and whose address counts (ADR 0015).

Each test builds its own app on the migrated test database with the limits it needs; the limits live
in that app's memory (tests/test_rate_limits_shared.py covers Redis and two gunicorn workers).
"""

from __future__ import annotations

import time

import pytest
from flask import Flask

from shopdb.testing import ADMIN_PASSWORD, make_app

from helpers import error_of

LOGIN = "/api/v1/auth/tokens"
SESSION_LOGIN = "/api/v1/auth/login"


@pytest.fixture
def app_with(app: Flask):
    """Another app on the same migrated database, with the settings given."""

    def build(**config) -> Flask:
        return make_app(app.config["SQLALCHEMY_DATABASE_URI"], **config)

    return build


def login(client, username: str, password: str = "wrong", address: str | None = None, url: str = LOGIN):
    headers = {"X-Forwarded-For": address} if address else {}
    return client.post(url, json={"username": username, "password": password}, headers=headers)


def assert_throttled(response) -> None:
    assert response.status_code == 429, response.get_json()
    assert error_of(response)["code"] == "too_many_requests"
    assert int(response.headers["Retry-After"]) >= 1


def test_forty_wrong_passwords_for_admin_from_forty_addresses_are_refused_after_the_per_user_limit(app_with):
    app = app_with(SHOPDB_TRUSTED_PROXIES=1)
    client = app.test_client()
    statuses = [login(client, "Admin", address=f"10.0.0.{i}").status_code for i in range(1, 41)]
    assert statuses == [401] * 30 + [429] * 10  # the default per-user limit; the name is counted in any case
    assert_throttled(login(client, "admin", address="10.0.1.1"))


def test_forty_wrong_passwords_from_one_address_for_forty_names_are_refused_after_the_per_address_limit(app_with):
    client = app_with().test_client()
    statuses = [login(client, f"guess{i}").status_code for i in range(40)]
    assert statuses == [401] * 15 + [429] * 25  # the default per-address limit
    assert_throttled(login(client, "admin", ADMIN_PASSWORD))  # even the right password, from that address


def test_both_login_endpoints_count_against_the_same_limit(app_with):
    client = app_with(SHOPDB_LOGIN_FAILURES_PER_USER="4 per minute").test_client()
    for url in (LOGIN, SESSION_LOGIN, LOGIN, SESSION_LOGIN):
        assert login(client, "admin", url=url).status_code == 401
    assert_throttled(login(client, "admin", url=SESSION_LOGIN))
    assert_throttled(login(client, "admin", ADMIN_PASSWORD, url=LOGIN))


def test_the_right_password_is_refused_while_locked_and_works_once_the_window_has_passed(app_with):
    client = app_with(SHOPDB_LOGIN_FAILURES_PER_USER="3 per 2 seconds").test_client()
    for _ in range(3):
        assert login(client, "admin").status_code == 401
    last_failure = time.monotonic()
    locked = login(client, "admin", ADMIN_PASSWORD)
    assert_throttled(locked)  # a right guess is not told apart from a wrong one while locked
    assert int(locked.headers["Retry-After"]) <= 2
    time.sleep(max(0.0, 2.2 - (time.monotonic() - last_failure)))
    assert login(client, "admin", ADMIN_PASSWORD).status_code == 201


def test_successful_logins_do_not_count_as_failures(app_with):
    client = app_with(SHOPDB_LOGIN_FAILURES_PER_ADDRESS="3 per minute").test_client()
    for _ in range(6):
        assert login(client, "admin", ADMIN_PASSWORD).status_code == 201
    for _ in range(3):
        assert login(client, "admin").status_code == 401
    assert_throttled(login(client, "admin"))


def test_a_spoofed_forwarded_for_does_not_change_the_address_without_trusted_proxies(app_with):
    client = app_with(SHOPDB_LOGIN_FAILURES_PER_ADDRESS="3 per minute").test_client()
    for i in range(3):
        assert login(client, f"user{i}", address=f"192.0.2.{i}").status_code == 401
    assert_throttled(login(client, "user9", address="198.51.100.7"))  # still 127.0.0.1 to the app


def test_with_one_trusted_proxy_the_forwarded_address_is_the_one_counted(app_with):
    client = app_with(SHOPDB_TRUSTED_PROXIES=1, SHOPDB_LOGIN_FAILURES_PER_ADDRESS="3 per minute").test_client()
    for i in range(3):
        assert login(client, f"user{i}", address="192.0.2.10").status_code == 401
    assert_throttled(login(client, "user9", address="192.0.2.10"))
    assert login(client, "user9", address="192.0.2.11").status_code == 401
    # A client that adds its own X-Forwarded-For entry only shifts what the one proxy appended.
    assert_throttled(login(client, "user9", address="203.0.113.5, 192.0.2.10"))


def test_the_general_limit_counts_each_user_separately_and_answers_429_in_the_error_format(app_with, user_headers):
    viewer = user_headers("viewer")
    app = app_with(SHOPDB_RATE_LIMIT="5 per minute")
    client = app.test_client()
    token = login(client, "admin", ADMIN_PASSWORD).get_json()["data"]["token"]  # 1 of the address's 5
    admin = {"Authorization": f"Bearer {token}"}
    for _ in range(5):
        assert client.get("/api/v1/sites", headers=admin).status_code == 200
    refused = client.get("/api/v1/sites", headers=admin)
    assert_throttled(refused)
    assert refused.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/api/v1/sites", headers=viewer).status_code == 200  # same address, their own budget
    assert client.get("/").status_code == 200  # the UI's files are not API calls


def test_an_empty_general_limit_disables_it(app_with):
    client = app_with(SHOPDB_RATE_LIMIT="").test_client()
    assert all(client.get("/api/v1/health").status_code == 200 for _ in range(30))
