"""Helpers for the notifications tests (the app/client/auth fixtures come from shopdb.testing)."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

URL = "/api/v1/notifications"


@pytest.fixture
def make_notice(client, auth_headers) -> Callable[..., dict]:
    """POST a notice (a title is filled in) and return its JSON; asserts 201."""

    def make(headers: dict | None = None, **fields) -> dict:
        response = client.post(URL, json={"title": "Fire drill at 10:00", **fields}, headers=headers or auth_headers)
        assert response.status_code == 201, response.get_json()
        return response.get_json()["data"]

    return make


@pytest.fixture
def make_machine(client, auth_headers, site) -> Callable[..., dict]:
    """A machine of the equipment plugin (bundled beside this one) at ``site``, running."""
    numbers = itertools.count(2001)

    def make(**fields) -> dict:
        number = next(numbers)
        body = {"asset_tag": f"M-{number}", "name": "DMU 50", "site_id": site["id"],
                "machine_number": str(number), "operational_status": "running", **fields}
        response = client.post("/api/v1/equipment", json=body, headers=auth_headers)
        assert response.status_code == 201, response.get_json()
        return response.get_json()["data"]

    return make
