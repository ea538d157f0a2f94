"""Helpers for the computers tests: PCs and machines made through the HTTP API.

The equipment plugin is written separately and may or may not load here, so ``make_machine``
uses /api/v1/equipment when a plugin owns the ``equipment`` type and otherwise creates a plain
``equipment`` asset type and asset through the core API. Nothing here imports another plugin.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

_tags = itertools.count(1)


@pytest.fixture
def make_computer(client, auth_headers, site) -> Callable[..., dict]:
    def make(**fields) -> dict:
        n = next(_tags)
        body = {"asset_tag": f"PC-{n:04d}", "name": f"PC {n}", "site_id": site["id"],
                "hostname": f"pc-{n:04d}", "pc_type": "office", **fields}
        response = client.post("/api/v1/computers", json=body, headers=auth_headers)
        assert response.status_code == 201, response.get_json()
        return response.get_json()["data"]

    return make


@pytest.fixture
def make_machine(client, auth_headers, site) -> Callable[..., dict]:
    def make(name: str = "Lathe") -> dict:
        n = next(_tags)
        types = client.get("/api/v1/asset-types?name=equipment").get_json()["data"]
        if not types:
            created = client.post("/api/v1/asset-types", json={"name": "equipment", "label": "Equipment"},
                                  headers=auth_headers)
            assert created.status_code == 201, created.get_json()
            types = [created.get_json()["data"]]
        if types[0]["plugin"]:
            response = client.post("/api/v1/equipment", headers=auth_headers, json={
                "asset_tag": f"M-{n:04d}", "name": f"{name} {n}", "site_id": site["id"],
                "machine_number": f"{n:04d}"})
        else:
            response = client.post("/api/v1/assets", headers=auth_headers, json={
                "asset_tag": f"M-{n:04d}", "name": f"{name} {n}", "site_id": site["id"],
                "asset_type": "equipment"})
        assert response.status_code == 201, response.get_json()
        return response.get_json()["data"]

    return make




@pytest.fixture
def make_printer(client, auth_headers, site) -> Callable[[], dict]:
    """A printer: through /api/v1/printers when that plugin is loaded, else a plain ``printer`` asset."""
    def make() -> dict:
        n = next(_tags)
        types = client.get("/api/v1/asset-types?name=printer").get_json()["data"]
        if not types:
            created = client.post("/api/v1/asset-types", json={"name": "printer", "label": "Printer"},
                                  headers=auth_headers)
            assert created.status_code == 201, created.get_json()
            types = [created.get_json()["data"]]
        core = {"asset_tag": f"PR-{n:04d}", "name": f"Printer {n}", "site_id": site["id"]}
        if types[0]["plugin"]:
            response = client.post(f"/api/v1/{types[0]['plugin']}", headers=auth_headers, json=core)
        else:
            response = client.post("/api/v1/assets", headers=auth_headers, json={**core, "asset_type": "printer"})
        assert response.status_code == 201, response.get_json()
        return response.get_json()["data"]

    return make


@pytest.fixture
def counts(client, auth_headers) -> Callable[[], dict[str, int]]:
    """How many assets, computers and audit entries exist: a failed write must change none."""
    def count() -> dict[str, int]:
        def total(url: str) -> int:
            response = client.get(url, headers=auth_headers)
            assert response.status_code == 200, response.get_json()
            return response.get_json()["meta"]["total"]

        return {"assets": total("/api/v1/assets"), "computers": total("/api/v1/computers")}

    return count
