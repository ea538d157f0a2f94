"""Helpers for the usb tests: sticks, machines and a second user, all made through the HTTP API.

Machines are plain assets of a core asset type made here, so these tests never depend on the
equipment plugin. ``usb.ids`` is pointed at a missing file unless a test asks for the sample one,
so a system copy of the file never changes what the tests see.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import pytest

from shopdb.plugins.toolkit.testing import token_for

URL = "/api/v1/usb"
_tags = itertools.count(1)

USB_IDS_SAMPLE = """\
# usb.ids sample for the tests (same layout as the real file)
#	vendor  vendor_name
#		device  device_name
0781  SanDisk Corp.
	5567  Cruzer Blade
	5581  Ultra
		00  an interface line, ignored
0951  Kingston Technology
	1666  DataTraveler 100 G3/G4/SE9 G2/50
abcd  Unknown Vendor With Lowercase Id
	1234  Stick
C 00  (Defined at Interface level)
	01  Audio
"""


@pytest.fixture(autouse=True)
def no_system_usb_ids(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SHOPDB_USB_IDS", str(tmp_path / "absent-usb.ids"))


@pytest.fixture
def usb_ids(monkeypatch, tmp_path: Path) -> Path:
    """A small usb.ids (with one Latin-1 name) that the plugin reads instead of the system's."""
    path = tmp_path / "usb.ids"
    path.write_bytes(USB_IDS_SAMPLE.encode("utf-8") + "1234  M\xfcller GmbH\n\t0001  Stick\n".encode("latin-1"))
    monkeypatch.setenv("SHOPDB_USB_IDS", str(path))
    return path


def _stick_body(site: dict, **fields) -> dict:
    n = next(_tags)
    return {"asset_tag": f"USB-{n:04d}", "name": f"Program stick {n}", "site_id": site["id"],
            "serial": f"SER{n:08d}", "vendor_id": "0781", "product_id": "5567", "capacity_mb": 16384,
            "label": f"PRG-{n:03d}", "approved": True, **fields}


@pytest.fixture
def stick_body(site) -> Callable[..., dict]:
    """A valid flat body for POST /api/v1/usb, with a fresh tag; ``fields`` override."""
    return lambda **fields: _stick_body(site, **fields)


@pytest.fixture
def make_stick(client, auth_headers, site) -> Callable[..., dict]:
    def make(**fields) -> dict:
        response = client.post(URL, json=_stick_body(site, **fields), headers=auth_headers)
        assert response.status_code == 201, response.get_json()
        return response.get_json()["data"]

    return make


@pytest.fixture
def make_machine(client, auth_headers, site) -> Callable[..., dict]:
    def make(name: str = "Lathe") -> dict:
        n = next(_tags)
        if not client.get("/api/v1/asset-types?name=usbtest_machine").get_json()["data"]:
            created = client.post("/api/v1/asset-types", json={"name": "usbtest_machine", "label": "Machine"},
                                  headers=auth_headers)
            assert created.status_code == 201, created.get_json()
        response = client.post("/api/v1/assets", headers=auth_headers, json={
            "asset_tag": f"M-{n:04d}", "name": f"{name} {n}", "site_id": site["id"],
            "asset_type": "usbtest_machine"})
        assert response.status_code == 201, response.get_json()
        return response.get_json()["data"]

    return make


@pytest.fixture
def editor_headers(client, auth_headers) -> dict[str, str]:
    """A second person, ``carol`` (role editor), with her own token."""
    response = client.post("/api/v1/users", headers=auth_headers,
                           json={"username": "carol", "password": "Carol-password-1", "role": "editor"})
    assert response.status_code == 201, response.get_json()
    return {"Authorization": f"Bearer {token_for(client, 'carol', 'Carol-password-1')}"}


@pytest.fixture
def viewer_headers(client, auth_headers) -> dict[str, str]:
    response = client.post("/api/v1/users", headers=auth_headers,
                           json={"username": "victor", "password": "Victor-password-1", "role": "viewer"})
    assert response.status_code == 201, response.get_json()
    return {"Authorization": f"Bearer {token_for(client, 'victor', 'Victor-password-1')}"}


@pytest.fixture
def state(client, auth_headers) -> Callable[..., dict]:
    """What a refused write must leave alone: counts, and the stick's version and custody state."""
    def snapshot(stick: dict | None = None) -> dict:
        def total(url: str) -> int:
            response = client.get(url, headers=auth_headers)
            assert response.status_code == 200, response.get_json()
            return response.get_json()["meta"]["total"]

        result = {"assets": total("/api/v1/assets"), "usb": total(URL), "checkouts": total(f"{URL}/checkouts")}
        if stick is not None:
            current = client.get(f"{URL}/{stick['assetid']}").get_json()["data"]
            result.update(version=current["version"], custody_state=current["custody_state"],
                          status=current["status"], history=total(f"/api/v1/assets/{stick['assetid']}/history"))
        return result

    return snapshot


@pytest.fixture
def check_out(client, auth_headers) -> Callable[..., object]:
    """POST /checkout for a stick (as admin unless ``headers`` is given); returns the response."""
    def post(stick: dict, headers: dict | None = None, **fields):
        body = {"checked_out_to": "Anna Becker", "purpose": "Load part program", **fields}
        return client.post(f"{URL}/{stick['assetid']}/checkout", json=body, headers=headers or auth_headers)

    return post
