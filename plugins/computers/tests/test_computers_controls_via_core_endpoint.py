"""``controls`` edges made through the core's /api/v1/assets/<id>/relationships obey the same rule:
a computer controls equipment, nothing else (the plugin answers the ``relationship_validate`` event).
"""

from __future__ import annotations


def relate(client, auth_headers, source: dict, target: dict, kind: str = "controls"):
    return client.post(f"/api/v1/assets/{source['assetid']}/relationships", headers=auth_headers,
                       json={"kind": kind, "target_assetid": target["assetid"]})


def relationships(client, assetid: int) -> list[dict]:
    response = client.get(f"/api/v1/assets/{assetid}/relationships")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["data"]


def controls(client, pc: dict) -> list[dict]:
    response = client.get(f"/api/v1/computers/{pc['assetid']}/controls")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["data"]


def test_a_pc_cannot_be_made_to_control_a_printer_through_the_core_endpoint(
        client, auth_headers, make_computer, make_printer):
    pc, printer = make_computer(), make_printer()
    response = relate(client, auth_headers, pc, printer)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert error["details"]["fields"]["target_assetid"] == [
        f"Asset {printer['assetid']} is a printer, not equipment."]
    assert controls(client, pc) == []
    assert relationships(client, pc["assetid"]) == [] and relationships(client, printer["assetid"]) == []


def test_a_pc_cannot_be_made_to_control_another_pc_through_the_core_endpoint(client, auth_headers, make_computer):
    pc, other = make_computer(), make_computer()
    response = relate(client, auth_headers, pc, other)
    assert response.status_code == 422
    assert "target_assetid" in response.get_json()["error"]["details"]["fields"]
    assert controls(client, pc) == []


def test_only_a_computer_may_be_the_controlling_end(client, auth_headers, make_computer, make_machine, make_printer):
    pc, machine, other_machine, printer = make_computer(), make_machine(), make_machine(), make_printer()
    for source, target in ((machine, other_machine), (printer, machine), (machine, pc)):
        response = relate(client, auth_headers, source, target)
        assert response.status_code == 422, (source["asset_type"], target["asset_type"])
        assert "kind" in response.get_json()["error"]["details"]["fields"]
        assert relationships(client, source["assetid"]) == []


def test_a_pc_controlling_a_machine_through_the_core_endpoint_is_listed_as_controlled(
        client, auth_headers, make_computer, make_machine):
    pc, machine = make_computer(pc_type="shopfloor"), make_machine()
    response = relate(client, auth_headers, pc, machine)
    assert response.status_code == 201, response.get_json()
    assert [m["assetid"] for m in controls(client, pc)] == [machine["assetid"]]
    # The plugin's own endpoint sees the same edge, so linking again there is a duplicate.
    again = client.post(f"/api/v1/computers/{pc['assetid']}/controls", headers=auth_headers,
                        json={"equipment_assetid": machine["assetid"]})
    assert again.status_code == 409


def test_both_endpoints_refuse_a_non_machine_with_the_same_words(client, auth_headers, make_computer, make_printer):
    pc, printer = make_computer(), make_printer()
    core = relate(client, auth_headers, pc, printer).get_json()["error"]["details"]["fields"]
    own = client.post(f"/api/v1/computers/{pc['assetid']}/controls", headers=auth_headers,
                      json={"equipment_assetid": printer["assetid"]}).get_json()["error"]["details"]["fields"]
    assert core["target_assetid"] == own["equipment_assetid"]


def test_other_kinds_of_relationship_are_not_this_plugins_business(client, auth_headers, make_computer, make_printer):
    pc, printer = make_computer(), make_printer()
    response = relate(client, auth_headers, pc, printer, kind="documented_by")
    assert response.status_code == 201, response.get_json()
    assert controls(client, pc) == []
