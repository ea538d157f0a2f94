"""Which machines a PC controls: ``controls`` edges (PC → machine), visible from both ends."""

from __future__ import annotations

import pytest


def relationships(client, assetid: int) -> list[dict]:
    response = client.get(f"/api/v1/assets/{assetid}/relationships")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["data"]


def link(client, auth_headers, pc, machine_id):
    return client.post(f"/api/v1/computers/{pc['assetid']}/controls", headers=auth_headers,
                       json={"equipment_assetid": machine_id})


def test_a_pc_controls_a_machine_and_both_ends_show_it(client, auth_headers, make_computer, make_machine):
    pc, machine = make_computer(pc_type="shopfloor"), make_machine("Mill")
    response = link(client, auth_headers, pc, machine["assetid"])
    assert response.status_code == 201, response.get_json()
    item = response.get_json()["data"]
    assert item["assetid"] == machine["assetid"] and item["asset_type"] == "equipment"

    listed = client.get(f"/api/v1/computers/{pc['assetid']}/controls").get_json()["data"]
    assert [m["assetid"] for m in listed] == [machine["assetid"]]
    detail = client.get(f"/api/v1/computers/{pc['assetid']}").get_json()["data"]
    assert [m["asset_tag"] for m in detail["controls"]] == [machine["asset_tag"]]

    (pc_side,) = relationships(client, pc["assetid"])
    assert pc_side["kind"] == "controls" and pc_side["direction"] == "outgoing"
    assert pc_side["other_assetid"] == machine["assetid"]
    (machine_side,) = relationships(client, machine["assetid"])
    assert machine_side["kind"] == "controls" and machine_side["direction"] == "incoming"
    assert machine_side["source_assetid"] == pc["assetid"] and machine_side["other_assetid"] == pc["assetid"]


def test_one_pc_may_control_several_machines(client, auth_headers, make_computer, make_machine):
    pc = make_computer()
    machines = [make_machine(), make_machine()]
    for machine in machines:
        assert link(client, auth_headers, pc, machine["assetid"]).status_code == 201
    listed = client.get(f"/api/v1/computers/{pc['assetid']}/controls").get_json()
    assert listed["meta"]["total"] == 2
    assert {m["assetid"] for m in listed["data"]} == {m["assetid"] for m in machines}


def test_linking_the_same_machine_twice_is_a_duplicate(client, auth_headers, make_computer, make_machine):
    pc, machine = make_computer(), make_machine()
    assert link(client, auth_headers, pc, machine["assetid"]).status_code == 201
    again = link(client, auth_headers, pc, machine["assetid"])
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "duplicate"
    assert len(relationships(client, pc["assetid"])) == 1


def test_a_pc_cannot_control_something_that_is_not_equipment(client, auth_headers, make_computer):
    pc, other_pc = make_computer(), make_computer()
    response = link(client, auth_headers, pc, other_pc["assetid"])
    assert response.status_code == 422
    assert "equipment_assetid" in response.get_json()["error"]["details"]["fields"]
    assert relationships(client, pc["assetid"]) == []


@pytest.mark.parametrize("payload", [{"equipment_assetid": 999999}, {"equipment_assetid": "1"},
                                     {"equipment_assetid": 0}, {}, {"equipment_assetid": 1, "kind": "x"}])
def test_a_bad_link_body_is_a_field_error(client, auth_headers, make_computer, payload):
    pc = make_computer()
    response = client.post(f"/api/v1/computers/{pc['assetid']}/controls", headers=auth_headers, json=payload)
    assert response.status_code == 422, response.get_json()
    assert relationships(client, pc["assetid"]) == []


def test_only_computers_have_controls(client, auth_headers, make_machine):
    machine = make_machine()
    assert client.get(f"/api/v1/computers/{machine['assetid']}/controls").status_code == 404
    assert client.get("/api/v1/computers/999999/controls").status_code == 404
    response = client.post("/api/v1/computers/999999/controls", headers=auth_headers,
                           json={"equipment_assetid": machine["assetid"]})
    assert response.status_code == 404


def test_linking_needs_a_token(client, anonymous_client, make_computer, make_machine):
    pc, machine = make_computer(), make_machine()
    assert anonymous_client.post(f"/api/v1/computers/{pc['assetid']}/controls",
                       json={"equipment_assetid": machine["assetid"]}).status_code == 401


def test_unlinking_removes_the_edge_from_both_ends(client, auth_headers, make_computer, make_machine):
    pc, machine = make_computer(), make_machine()
    link(client, auth_headers, pc, machine["assetid"])
    url = f"/api/v1/computers/{pc['assetid']}/controls/{machine['assetid']}"
    assert client.delete(url, headers=auth_headers).status_code == 204
    assert relationships(client, pc["assetid"]) == [] and relationships(client, machine["assetid"]) == []
    assert client.delete(url, headers=auth_headers).status_code == 404


def test_deleting_the_machine_drops_it_from_the_pcs_controls(client, auth_headers, make_computer, make_machine):
    pc, machine = make_computer(), make_machine()
    link(client, auth_headers, pc, machine["assetid"])
    assert client.delete(f"/api/v1/assets/{machine['assetid']}", headers=auth_headers).status_code == 204
    assert client.get(f"/api/v1/computers/{pc['assetid']}").get_json()["data"]["controls"] == []
