"""Helpers for the notifications tests (the app/client/auth fixtures come from shopdb.testing)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

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
def machine(client, auth_headers, site) -> dict:
    """A machine of the equipment plugin (bundled beside this one) at ``site``."""
    response = client.post("/api/v1/equipment", json={"asset_tag": "M-2001", "name": "DMU 50", "site_id": site["id"],
                                                      "machine_number": "2001", "operational_status": "running"},
                           headers=auth_headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]



