"""Helpers for the equipment tests (the app/client/auth fixtures come from shopdb.testing)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select, text

from shopdb.testing import token_for


@pytest.fixture
def make_machine(client, auth_headers, site) -> Callable[..., dict]:
    """POST a machine (defaults filled in) and return its JSON; asserts 201."""
    counter = {"n": 0}

    def make(**fields) -> dict:
        counter["n"] += 1
        body = {"asset_tag": f"M-{2000 + counter['n']}", "name": "Vertical mill", "site_id": site["id"],
                "machine_number": str(2000 + counter["n"]), **fields}
        response = client.post("/api/v1/equipment", json=body, headers=auth_headers)
        assert response.status_code == 201, response.get_json()
        return response.get_json()["data"]

    return make


@pytest.fixture
def other_site(client, auth_headers) -> dict:
    response = client.post("/api/v1/sites", json={"code": "P2", "name": "Plant 2"}, headers=auth_headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]


@pytest.fixture
def user_headers(client, auth_headers) -> Callable[..., dict]:
    """Headers for a new user of ``role`` (optionally limited to ``site_ids``)."""

    def make(role: str, site_ids: tuple[int, ...] = ()) -> dict:
        name = f"{role}{len(site_ids)}user"
        password = "A-long-password-1"
        response = client.post("/api/v1/users", json={"username": name, "password": password, "role": role,
                                                       "site_ids": list(site_ids)}, headers=auth_headers)
        assert response.status_code == 201, response.get_json()
        return {"Authorization": f"Bearer {token_for(client, name, password)}"}

    return make


@pytest.fixture
def count_rows(app) -> Callable[[str], int]:
    """Rows in a table, read straight from the database (what the API says is not evidence)."""

    def count(table: str) -> int:
        from shopdb.extensions import db

        with app.app_context():
            return db.session.execute(select(func.count()).select_from(text(table))).scalar_one()

    return count
