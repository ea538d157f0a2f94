"""The custody rules hold through the core API too: /api/v1/assets cannot fake a loss or erase a chain."""

from __future__ import annotations

import pytest

URL = "/api/v1/usb"
ASSETS = "/api/v1/assets"


def _lost(client, auth_headers, stick: dict) -> None:
    response = client.post(f"{URL}/{stick['assetid']}/lost", headers=auth_headers, json={})
    assert response.status_code == 200, response.get_json()


def test_the_core_api_cannot_mark_a_stick_lost_without_a_lost_report(client, auth_headers, make_stick, state):
    stick = make_stick()
    before = state(stick)
    response = client.patch(f"{ASSETS}/{stick['assetid']}", headers=auth_headers, json={"status": "lost"})
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert "/lost" in error["details"]["fields"]["status"][0]
    assert state(stick) == before


def test_the_core_api_cannot_mark_a_checked_out_stick_lost_either(client, auth_headers, make_stick, check_out,
                                                                   state):
    stick = make_stick()
    assert check_out(stick).status_code == 201
    before = state(stick)
    response = client.patch(f"{ASSETS}/{stick['assetid']}", headers=auth_headers, json={"status": "lost"})
    assert response.status_code == 422
    assert state(stick) == before
    assert client.get(f"{URL}/{stick['assetid']}").get_json()["data"]["current_checkout"]["open"] is True


@pytest.mark.parametrize("status", ["active", "retired", "inactive"])
def test_the_core_api_cannot_bring_back_a_lost_stick_without_a_found_report(client, auth_headers, make_stick,
                                                                            state, status):
    stick = make_stick()
    _lost(client, auth_headers, stick)
    before = state(stick)
    response = client.patch(f"{ASSETS}/{stick['assetid']}", headers=auth_headers, json={"status": status})
    assert response.status_code == 422, response.get_json()
    assert "/found" in response.get_json()["error"]["details"]["fields"]["status"][0]
    assert state(stick) == before


def test_the_core_api_may_still_edit_other_fields_of_a_lost_stick(client, auth_headers, make_stick):
    stick = make_stick()
    _lost(client, auth_headers, stick)
    response = client.patch(f"{ASSETS}/{stick['assetid']}", headers=auth_headers,
                            json={"name": "Blue stick, lost", "status": "lost"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["data"]["status"] == "lost"


def test_lost_and_found_reports_still_change_the_status_under_the_same_rule(client, auth_headers, make_stick):
    stick = make_stick()
    _lost(client, auth_headers, stick)
    assert client.get(f"{ASSETS}/{stick['assetid']}").get_json()["data"]["status"] == "lost"
    response = client.post(f"{URL}/{stick['assetid']}/found", headers=auth_headers, json={})
    assert response.status_code == 200, response.get_json()
    assert client.get(f"{ASSETS}/{stick['assetid']}").get_json()["data"]["status"] == "active"


def test_the_core_api_may_retire_a_stick_in_store(client, auth_headers, make_stick):
    stick = make_stick()
    response = client.patch(f"{ASSETS}/{stick['assetid']}", headers=auth_headers, json={"status": "retired"})
    assert response.status_code == 200, response.get_json()
    assert client.get(f"{URL}/{stick['assetid']}").get_json()["data"]["status"] == "retired"


@pytest.mark.parametrize("endpoint", [URL, ASSETS])
def test_a_stick_with_a_custody_history_cannot_be_deleted_only_retired(client, auth_headers, make_stick, check_out,
                                                                      state, endpoint):
    stick = make_stick()
    assert check_out(stick).status_code == 201
    assert client.post(f"{URL}/{stick['assetid']}/checkin", headers=auth_headers, json={}).status_code == 200
    before = state(stick)
    response = client.delete(f"{endpoint}/{stick['assetid']}", headers=auth_headers)
    assert response.status_code == 409, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "has_custody_history" and "retire" in error["message"]
    assert error["details"]["checkouts"] == 1
    assert state(stick) == before
    response = client.patch(f"{URL}/{stick['assetid']}", headers=auth_headers, json={"status": "retired"})
    assert response.status_code == 200, response.get_json()
    assert client.delete(f"{endpoint}/{stick['assetid']}", headers=auth_headers).status_code == 409
    assert client.get(f"{URL}/{stick['assetid']}/custody").get_json()["meta"]["total"] == 1


@pytest.mark.parametrize("endpoint", [URL, ASSETS])
def test_a_stick_that_never_went_out_may_be_deleted(client, auth_headers, make_stick, state, endpoint):
    stick = make_stick()
    before = state()
    response = client.delete(f"{endpoint}/{stick['assetid']}", headers=auth_headers)
    assert response.status_code == 204, response.get_json()
    assert client.get(f"{URL}/{stick['assetid']}").status_code == 404
    assert state()["usb"] == before["usb"] - 1


def test_deleting_other_assets_is_not_affected_by_the_usb_rules(client, auth_headers, make_machine):
    machine = make_machine()
    assert client.delete(f"{ASSETS}/{machine['assetid']}", headers=auth_headers).status_code == 204
