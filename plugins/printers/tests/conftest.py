"""Helpers for the printers tests: printers and PCs made through the HTTP API.

The computers plugin may or may not be loaded beside this one, so ``make_computer`` uses
/api/v1/computers when a plugin owns the ``computer`` type and otherwise creates a plain
``computer`` asset type and asset through the core API. Nothing here imports another plugin.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

_tags = itertools.count(1)


@pytest.fixture
def make_printer(client, auth_headers, site) -> Callable[..., dict]:
    def make(**fields) -> dict:
        n = next(_tags)
        body = {"asset_tag": f"PR-{n:04d}", "name": f"Printer {n}", "site_id": site["id"], **fields}
        response = client.post("/api/v1/printers", json=body, headers=auth_headers)
        assert response.status_code == 201, response.get_json()
        return response.get_json()["data"]

    return make


@pytest.fixture
def make_computer(client, auth_headers, site) -> Callable[..., dict]:
    def make() -> dict:
        n = next(_tags)
        types = client.get("/api/v1/asset-types?name=computer").get_json()["data"]
        if not types:
            created = client.post("/api/v1/asset-types", json={"name": "computer", "label": "Computer"},
                                  headers=auth_headers)
            assert created.status_code == 201, created.get_json()
            types = [created.get_json()["data"]]
        core = {"asset_tag": f"PC-{n:04d}", "name": f"PC {n}", "site_id": site["id"]}
        if types[0]["plugin"]:
            response = client.post("/api/v1/computers", headers=auth_headers,
                                   json={**core, "hostname": f"prt-test-pc-{n:04d}", "pc_type": "office"})
        else:
            response = client.post("/api/v1/assets", headers=auth_headers, json={**core, "asset_type": "computer"})
        assert response.status_code == 201, response.get_json()
        return response.get_json()["data"]

    return make




@pytest.fixture
def make_gauge(client, auth_headers, site) -> Callable[[], dict]:
    """An asset of a type no plugin owns (neither printer nor computer), made through the core API."""
    def make() -> dict:
        n = next(_tags)
        if not client.get("/api/v1/asset-types?name=gauge").get_json()["data"]:
            created = client.post("/api/v1/asset-types", json={"name": "gauge", "label": "Gauge"},
                                  headers=auth_headers)
            assert created.status_code == 201, created.get_json()
        response = client.post("/api/v1/assets", headers=auth_headers, json={
            "asset_tag": f"G-{n:04d}", "name": f"Gauge {n}", "site_id": site["id"], "asset_type": "gauge"})
        assert response.status_code == 201, response.get_json()
        return response.get_json()["data"]

    return make


@pytest.fixture
def counts(client, auth_headers) -> Callable[[], dict[str, int]]:
    """How many assets and printers exist: a refused write must change neither."""
    def count() -> dict[str, int]:
        return {name: client.get(url, headers=auth_headers).get_json()["meta"]["total"]
                for name, url in (("assets", "/api/v1/assets"), ("printers", "/api/v1/printers"))}

    return count
