"""The custody chain: check-out, check-in, lost and found, with who did each, and what is refused."""

from __future__ import annotations

import importlib

import pytest
from sqlalchemy import text

from shopdb.plugins.toolkit import Conflict, db

URL = "/api/v1/usb"


def test_an_approved_stick_is_checked_out_to_a_person_and_a_machine(client, make_stick, make_machine, check_out):
    stick, machine = make_stick(), make_machine("DMG Mori NLX 2500")
    response = check_out(stick, machine_assetid=machine["assetid"], purpose="Load O1234 for job 4711")
    assert response.status_code == 201, response.get_json()
    record = response.get_json()["data"]
    assert record["device_assetid"] == stick["assetid"] and record["device_asset_tag"] == stick["asset_tag"]
    assert (record["machine_assetid"], record["machine_asset_tag"]) == (machine["assetid"], machine["asset_tag"])
    assert record["machine_name"] == machine["name"]
    assert (record["checked_out_to"], record["purpose"]) == ("Anna Becker", "Load O1234 for job 4711")
    assert record["out_by"] == "admin" and record["out_at"]
    assert record["open"] is True and record["in_at"] is None and record["closed_reason"] is None
    device = client.get(f"{URL}/{stick['assetid']}").get_json()["data"]
    assert device["custody_state"] == "checked_out"
    assert device["version"] == stick["version"] + 1  # the whole stick changed: its version moves
    assert device["current_checkout"] == record


def test_second_checkout_of_a_checked_out_stick_is_refused(make_stick, check_out, state):
    stick = make_stick()
    assert check_out(stick).status_code == 201
    before = state(stick)
    response = check_out(stick, checked_out_to="Jonas Wolf")
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "already_checked_out" and "Anna Becker" in error["message"]
    assert state(stick) == before


def test_unapproved_stick_cannot_be_checked_out(make_stick, check_out, state):
    stick = make_stick(approved=False)
    before = state(stick)
    response = check_out(stick)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "not_approved"
    assert state(stick) == before


def test_a_retired_stick_cannot_be_checked_out(make_stick, check_out, state):
    stick = make_stick(status="retired")
    before = state(stick)
    assert check_out(stick).status_code == 409
    assert state(stick) == before


def test_checkin_of_a_stick_that_is_not_out_is_refused(client, auth_headers, make_stick, state):
    stick = make_stick()
    before = state(stick)
    response = client.post(f"{URL}/{stick['assetid']}/checkin", headers=auth_headers, json={})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "not_checked_out"
    assert state(stick) == before


def test_custody_actor_is_recorded_for_check_out_and_check_in(client, auth_headers, editor_headers, make_stick,
                                                              check_out):
    stick = make_stick()
    assert check_out(stick).status_code == 201  # handed out by admin
    response = client.post(f"{URL}/{stick['assetid']}/checkin", headers=editor_headers,
                           json={"notes": "Returned clean"})
    assert response.status_code == 200, response.get_json()
    closed = response.get_json()["data"]
    assert (closed["out_by"], closed["in_by"]) == ("admin", "carol")
    assert closed["closed_reason"] == "returned" and closed["open"] is False and closed["in_at"]
    assert closed["return_notes"] == "Returned clean"
    assert check_out(stick, headers=editor_headers, checked_out_to="Jonas Wolf").status_code == 201
    chain = client.get(f"{URL}/{stick['assetid']}/custody").get_json()
    assert chain["meta"]["total"] == 2
    newest, oldest = chain["data"]
    assert (newest["checked_out_to"], newest["out_by"], newest["in_by"]) == ("Jonas Wolf", "carol", None)
    assert (oldest["checked_out_to"], oldest["out_by"], oldest["in_by"]) == ("Anna Becker", "admin", "carol")
    assert client.get(f"{URL}/{stick['assetid']}").get_json()["data"]["custody_state"] == "checked_out"
    history = client.get(f"/api/v1/assets/{stick['assetid']}/history?table_name=usb_checkouts").get_json()["data"]
    assert [(h["action"], h["username"]) for h in history] == [("create", "carol"), ("update", "carol"),
                                                                ("create", "admin")]


def test_the_custody_chain_is_newest_first_and_paginated(client, auth_headers, make_stick, check_out):
    stick = make_stick()
    for person in ("P1", "P2", "P3"):
        assert check_out(stick, checked_out_to=person).status_code == 201
        assert client.post(f"{URL}/{stick['assetid']}/checkin", headers=auth_headers, json={}).status_code == 200
    page = client.get(f"{URL}/{stick['assetid']}/custody?per_page=2").get_json()
    assert page["meta"] == {"page": 1, "per_page": 2, "total": 3, "pages": 2, "total_is_exact": True,
                            "next": page["meta"]["next"]}
    assert page["meta"]["next"]  # the cursor of page 2 (ADR 0019)
    assert [c["checked_out_to"] for c in page["data"]] == ["P3", "P2"]
    second = client.get(f"{URL}/{stick['assetid']}/custody?per_page=2&page=2").get_json()["data"]
    assert [c["checked_out_to"] for c in second] == ["P1"]
    assert client.get(f"{URL}/999999/custody").status_code == 404


def test_a_stick_lost_while_out_closes_its_checkout_as_lost_and_the_asset_becomes_lost(
        client, auth_headers, editor_headers, make_stick, check_out):
    stick = make_stick()
    assert check_out(stick).status_code == 201
    response = client.post(f"{URL}/{stick['assetid']}/lost", headers=editor_headers,
                           json={"notes": "Not at the machine after the night shift"})
    assert response.status_code == 200, response.get_json()
    device = response.get_json()["data"]
    assert (device["custody_state"], device["status"]) == ("lost", "lost")
    assert device["custody_note"] == "Not at the machine after the night shift"
    assert device["current_checkout"] is None
    record = client.get(f"{URL}/{stick['assetid']}/custody").get_json()["data"][0]
    assert (record["closed_reason"], record["in_by"], record["open"]) == ("lost", "carol", False)
    assert record["return_notes"] == "Not at the machine after the night shift"
    assert client.get(f"/api/v1/assets/{stick['assetid']}").get_json()["data"]["status"] == "lost"


def test_a_lost_stick_cannot_be_checked_out_checked_in_or_lost_again(client, auth_headers, make_stick, check_out,
                                                                     state):
    stick = make_stick()
    assert client.post(f"{URL}/{stick['assetid']}/lost", headers=auth_headers, json={}).status_code == 200
    before = state(stick)
    response = check_out(stick)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "lost"
    response = client.post(f"{URL}/{stick['assetid']}/checkin", headers=auth_headers, json={})
    assert response.status_code == 409 and "found" in response.get_json()["error"]["message"]
    response = client.post(f"{URL}/{stick['assetid']}/lost", headers=auth_headers, json={})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "already_lost"
    response = client.patch(f"{URL}/{stick['assetid']}", headers=auth_headers, json={"status": "active"})
    assert response.status_code == 422
    assert state(stick) == before


def test_a_found_stick_is_back_in_store_and_can_go_out_again(client, auth_headers, editor_headers, make_stick,
                                                             check_out):
    stick = make_stick()
    assert client.post(f"{URL}/{stick['assetid']}/lost", headers=auth_headers, json={}).status_code == 200
    response = client.post(f"{URL}/{stick['assetid']}/found", headers=editor_headers,
                           json={"notes": "Was in the coolant tray of M-2001"})
    assert response.status_code == 200, response.get_json()
    device = response.get_json()["data"]
    assert (device["custody_state"], device["status"]) == ("in_store", "active")
    assert device["custody_note"] == "Was in the coolant tray of M-2001"
    history = client.get(f"/api/v1/assets/{stick['assetid']}/history?table_name=usb_devices").get_json()["data"]
    reports = [(h["username"], h["after"]["custody_state"]) for h in history if h["action"] == "update"]
    assert reports == [("carol", "in_store"), ("admin", "lost")]  # who reported lost, who found it
    assert check_out(stick).status_code == 201


def test_found_is_refused_for_a_stick_that_is_not_lost(client, auth_headers, make_stick, state):
    stick = make_stick()
    before = state(stick)
    response = client.post(f"{URL}/{stick['assetid']}/found", headers=auth_headers, json={})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "not_lost"
    assert state(stick) == before


def test_a_stale_version_on_checkout_is_a_409_and_nothing_is_written(client, auth_headers, make_stick, check_out,
                                                                     state):
    stick = make_stick()
    assert client.patch(f"{URL}/{stick['assetid']}", headers=auth_headers, json={"label": "moved"}).status_code == 200
    before = state(stick)
    response = check_out(stick, version=stick["version"])
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "version_conflict"
    response = check_out(stick, headers={**auth_headers, "If-Match": f'"{stick["version"]}"'})
    assert response.status_code == 412
    assert state(stick) == before


def test_two_open_checkouts_of_one_stick_are_refused_by_the_database_itself(app, client, make_stick, check_out,
                                                                            state):
    stick = make_stick()
    assert check_out(stick).status_code == 201
    with app.app_context():  # pretend a racing writer saw the stick still in the store
        db.session.execute(text("UPDATE usb_devices SET custody_state = 'in_store' WHERE assetid = :a"),
                           {"a": stick["assetid"]})
        db.session.commit()
    before = state(stick)
    response = check_out(stick, checked_out_to="Jonas Wolf")
    assert response.status_code == 409
    assert "open_device_assetid" in response.get_json()["error"]["details"]["fields"]
    assert state(stick) == before


def test_a_machine_that_does_not_exist_is_a_422_and_nothing_is_written(make_stick, check_out, state):
    stick = make_stick()
    before = state(stick)
    response = check_out(stick, machine_assetid=999999)
    assert response.status_code == 422
    assert "machine_assetid" in response.get_json()["error"]["details"]["fields"]
    response = check_out(stick, machine_assetid=stick["assetid"])
    assert response.status_code == 422
    assert state(stick) == before


@pytest.mark.parametrize("body", [
    {"purpose": "Load program"},
    {"checked_out_to": "Anna Becker"},
    {"checked_out_to": "", "purpose": "x"},
    {"checked_out_to": "A" * 10_000, "purpose": "x"},
    {"checked_out_to": "Anna", "purpose": "p" * 10_000},
    {"checked_out_to": 7, "purpose": "x"},
    {"checked_out_to": "Anna", "purpose": "x", "machine_assetid": "5"},
    {"checked_out_to": "Anna", "purpose": "x", "machine_assetid": 0},
    {"checked_out_to": "Anna", "purpose": "x", "colour": "red"},
    {"checked_out_to": "Anna", "purpose": "x", "files": "O1234.nc"},
    {"checked_out_to": "Anna", "purpose": "x", "files": [{"name": "O1234.nc"}]},
    {"checked_out_to": "Anna", "purpose": "x", "files": [{"name": "O1234.nc", "sha256": "abc"}]},
    {"checked_out_to": "Anna", "purpose": "x", "files": [{"name": "O1234.nc", "sha256": "g" * 64}]},
    {"checked_out_to": "Anna", "purpose": "x", "files": [{"name": "", "sha256": "a" * 64}]},
    {"checked_out_to": "Anna", "purpose": "x", "files": [{"name": "n" * 10_000, "sha256": "a" * 64}]},
    {"checked_out_to": "Anna", "purpose": "x", "files": [{"name": "O1", "sha256": "a" * 64, "size": 3}]},
    {"checked_out_to": "Anna", "purpose": "x", "files": [{"name": "O1", "sha256": "a" * 64}] * 501},
    {"checked_out_to": "Anna", "purpose": "x", "version": "3"},
])
def test_a_bad_checkout_body_is_a_422_and_nothing_is_written(client, auth_headers, make_stick, state, body):
    stick = make_stick()
    before = state(stick)
    response = client.post(f"{URL}/{stick['assetid']}/checkout", headers=auth_headers, json=body)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["details"]["fields"]
    assert state(stick) == before


@pytest.mark.parametrize("action", ["checkout", "checkin", "lost", "found"])
def test_custody_actions_refuse_malformed_json_unknown_sticks_and_viewers(client, anonymous_client, auth_headers,
                                                                          viewer_headers, make_stick, state, action):
    stick = make_stick()
    before = state(stick)
    response = client.post(f"{URL}/{stick['assetid']}/{action}", data="{not json",
                           headers={**auth_headers, "Content-Type": "application/json"})
    assert response.status_code == 400
    body = {"checked_out_to": "Anna", "purpose": "x"} if action == "checkout" else {}
    assert client.post(f"{URL}/999999/{action}", headers=auth_headers, json=body).status_code == 404
    assert anonymous_client.post(f"{URL}/{stick['assetid']}/{action}", json=body).status_code == 401
    assert client.post(f"{URL}/{stick['assetid']}/{action}", headers=viewer_headers, json=body).status_code == 403
    if action != "checkout":
        response = client.post(f"{URL}/{stick['assetid']}/{action}", headers=auth_headers,
                               json={"notes": "n" * 10_000})
        assert response.status_code == 422
    assert state(stick) == before


def test_a_non_stick_asset_cannot_be_checked_out(client, auth_headers, make_machine):
    machine = make_machine()
    response = client.post(f"{URL}/{machine['assetid']}/checkout", headers=auth_headers,
                           json={"checked_out_to": "Anna", "purpose": "x"})
    assert response.status_code == 404


def test_two_people_checking_out_the_same_stick_at_once_only_one_wins(app, make_stick, state):
    """The loser read the stick before the winner's check-out committed: its write must fail."""
    stick = make_stick()
    custody = importlib.import_module("shopdb_plugin_usb.custody")
    routes = importlib.import_module("shopdb_plugin_usb.api.routes")
    with app.test_request_context():
        asset, device = routes.resource.load(stick["assetid"])  # both read version N, in_store
        db.session.execute(text("UPDATE assets SET version = version + 1 WHERE assetid = :a"),
                           {"a": stick["assetid"]})  # ... then the winner committed version N+1
        with pytest.raises(Conflict) as refused:
            custody.check_out(asset, device, {"checked_out_to": "Jonas Wolf", "purpose": "x"}, None)
        assert refused.value.code == "version_conflict"
        db.session.rollback()
    after = state(stick)
    assert (after["checkouts"], after["custody_state"], after["version"]) == (0, "in_store", stick["version"])
