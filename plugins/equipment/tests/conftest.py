"""Helpers for the equipment tests (the app/client/auth fixtures come from shopdb.testing)."""

from __future__ import annotations

from collections.abc import Callable

import pytest


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





