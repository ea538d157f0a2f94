"""Fixtures for the network plugin's tests: a small HTTP helper, sites, assets and row counts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import text

TABLES = ("network_devices", "subnets", "ip_addresses", "interfaces", "assets", "audit_log")


class Api:
    """Thin wrapper over the test client: JSON in, (status, body) out, always with the admin token."""

    def __init__(self, client, headers: dict[str, str]):
        self.client = client
        self.headers = headers

    def call(self, method: str, url: str, json: Any = None, **kwargs: Any) -> tuple[int, dict]:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        response = self.client.open(url, method=method, json=json, headers=headers, **kwargs)
        return response.status_code, (response.get_json(silent=True) or {})

    def get(self, url: str, **kw: Any) -> tuple[int, dict]:
        return self.call("GET", url, **kw)

    def post(self, url: str, json: Any = None, **kw: Any) -> tuple[int, dict]:
        return self.call("POST", url, json, **kw)

    def patch(self, url: str, json: Any = None, **kw: Any) -> tuple[int, dict]:
        return self.call("PATCH", url, json, **kw)

    def delete(self, url: str, **kw: Any) -> tuple[int, dict]:
        return self.call("DELETE", url, **kw)

    def ok(self, method: str, url: str, json: Any = None, status: int | None = None) -> dict:
        code, body = self.call(method, url, json)
        expected = status or {"POST": 201, "DELETE": 204}.get(method, 200)
        assert code == expected, body
        return body.get("data", {})


@pytest.fixture
def api(client, auth_headers) -> Api:
    return Api(client, auth_headers)


@pytest.fixture
def site2(api) -> dict:
    return api.ok("POST", "/api/v1/sites", {"code": "P2", "name": "Plant 2"})


@pytest.fixture
def make_machine(api) -> Callable[..., dict]:
    """Create a plain asset (type ``machine``, owned by no plugin) to plug in or hand addresses to."""
    api.ok("POST", "/api/v1/asset-types", {"name": "machine", "label": "Machine"})
    counter = iter(range(1, 10_000))

    def make(site_id: int, tag: str | None = None) -> dict:
        n = next(counter)
        return api.ok("POST", "/api/v1/assets", {"asset_type": "machine", "asset_tag": tag or f"M-{2000 + n}",
                                                 "name": f"Lathe {n}", "site_id": site_id})

    return make


@pytest.fixture
def make_switch(api) -> Callable[..., dict]:
    counter = iter(range(1, 10_000))

    def make(site_id: int, **extra: Any) -> dict:
        n = next(counter)
        return api.ok("POST", "/api/v1/network/devices", {"asset_tag": f"SW-{n:02d}", "name": f"Access switch {n}",
                                                          "site_id": site_id, "role": "switch", **extra})

    return make


@pytest.fixture
def make_subnet(api) -> Callable[..., dict]:
    def make(site_id: int, cidr: str, **extra: Any) -> dict:
        return api.ok("POST", "/api/v1/network/subnets",
                      {"cidr": cidr, "name": extra.pop("name", f"LAN {cidr}"), "site_id": site_id, **extra})

    return make


@pytest.fixture
def counts(app) -> Callable[[], dict[str, int]]:
    """Rows per table, to prove a refused request wrote nothing (not even an audit entry)."""
    from shopdb.plugins.toolkit import db

    def count() -> dict[str, int]:
        with app.app_context():
            return {t: db.session.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one() for t in TABLES}

    return count
