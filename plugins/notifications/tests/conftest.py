"""Helpers for the notifications tests (the app/client/auth fixtures come from shopdb.testing)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select, text

from shopdb.testing import token_for

URL = "/api/v1/notifications"


@pytest.fixture
def post_notice(client, auth_headers) -> Callable[..., dict]:
    """POST a notice (a title is filled in) and return its JSON; asserts 201."""

    def post(headers: dict | None = None, **fields) -> dict:
        response = client.post(URL, json={"title": "Fire drill at 10:00", **fields}, headers=headers or auth_headers)
        assert response.status_code == 201, response.get_json()
        return response.get_json()["data"]

    return post


@pytest.fixture
def other_site(client, auth_headers) -> dict:
    response = client.post("/api/v1/sites", json={"code": "P2", "name": "Plant 2"}, headers=auth_headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]


@pytest.fixture
def machine(client, auth_headers, site) -> dict:
    """A machine of the equipment plugin (bundled beside this one) at ``site``."""
    response = client.post("/api/v1/equipment", json={"asset_tag": "M-2001", "name": "DMU 50", "site_id": site["id"],
                                                      "machine_number": "2001", "operational_status": "running"},
                           headers=auth_headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]


@pytest.fixture
def user_headers(client, auth_headers) -> Callable[..., dict]:
    """Headers for a new user ``name`` of ``role`` (optionally limited to ``site_ids``)."""

    def make(role: str, site_ids: tuple[int, ...] = (), name: str | None = None) -> dict:
        name = name or f"{role}{len(site_ids)}user"
        password = "A-long-password-1"
        response = client.post("/api/v1/users", json={"username": name, "password": password, "role": role,
                                                       "site_ids": list(site_ids)}, headers=auth_headers)
        assert response.status_code == 201, response.get_json()
        return {"Authorization": f"Bearer {token_for(client, name, password)}"}

    return make


@pytest.fixture
def count_rows(app) -> Callable[[str], int]:
    """Rows in a table, read straight from the database."""

    def count(table: str) -> int:
        from shopdb.extensions import db

        with app.app_context():
            return db.session.execute(select(func.count()).select_from(text(table))).scalar_one()

    return count
