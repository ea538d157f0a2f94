"""``equipment.status_changed``: emitted after commit on create and on every operational_status change."""

from __future__ import annotations

import pytest

from shopdb.plugins.toolkit.testing import events

URL = "/api/v1/equipment"


@pytest.fixture
def heard(app) -> list[dict]:
    """Every ``equipment.status_changed`` the bus delivers in this app."""
    received: list[dict] = []
    app.extensions[events.EXTENSION_KEY].subscribe(
        "equipment.status_changed", lambda **payload: received.append(payload), "test")
    return received


def test_creating_a_machine_announces_its_first_status(make_machine, heard, site):
    machine = make_machine(operational_status="running", asset_tag="M-2001", name="DMU 50")
    assert heard == [{"assetid": machine["assetid"], "site_id": site["id"], "asset_tag": "M-2001",
                      "name": "DMU 50", "old_status": None, "new_status": "running"}]


def test_a_status_change_announces_old_and_new_status(client, auth_headers, make_machine, heard):
    machine = make_machine()
    heard.clear()
    response = client.patch(f"{URL}/{machine['assetid']}", json={"operational_status": "down", "version": 1},
                            headers=auth_headers)
    assert response.status_code == 200, response.get_json()
    assert [(e["old_status"], e["new_status"]) for e in heard] == [("idle", "down")]
    assert heard[0]["asset_tag"] == machine["asset_tag"]


def test_edits_that_keep_the_status_announce_nothing(client, auth_headers, make_machine, heard):
    machine = make_machine(operational_status="running")
    heard.clear()
    url = f"{URL}/{machine['assetid']}"
    assert client.patch(url, json={"cell": "Cell A3", "name": "Renamed"}, headers=auth_headers).status_code == 200
    assert client.patch(url, json={"operational_status": "running"}, headers=auth_headers).status_code == 200
    assert heard == []


def test_a_refused_change_announces_nothing(client, auth_headers, make_machine, heard):
    machine = make_machine()
    heard.clear()
    url = f"{URL}/{machine['assetid']}"
    assert client.patch(url, json={"operational_status": "down", "version": 9}, headers=auth_headers).status_code == 409
    assert client.patch(url, json={"operational_status": "down", "floor_x": -3},
                        headers=auth_headers).status_code == 422
    assert heard == []
    assert client.get(url).get_json()["data"]["operational_status"] == "idle"


def test_a_failing_subscriber_does_not_undo_the_status_change(app, client, auth_headers, make_machine):
    def broken(**_):
        raise RuntimeError("subscriber bug")

    app.extensions[events.EXTENSION_KEY].subscribe("equipment.status_changed", broken, "test")
    machine = make_machine()
    response = client.patch(f"{URL}/{machine['assetid']}", json={"operational_status": "maintenance"},
                            headers=auth_headers)
    assert response.status_code == 200
    assert client.get(f"{URL}/{machine['assetid']}").get_json()["data"]["operational_status"] == "maintenance"
