"""Which PCs print to a printer: ``prints_for`` edges (printer → computer), listed from both ends."""

from __future__ import annotations

import pytest


def relationships(client, assetid: int) -> list[dict]:
    response = client.get(f"/api/v1/assets/{assetid}/relationships")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["data"]


def link(client, auth_headers, printer, computer_assetid):
    return client.post(f"/api/v1/printers/{printer['assetid']}/computers", headers=auth_headers,
                       json={"computer_assetid": computer_assetid})


def test_a_pc_prints_to_a_printer_and_both_ends_show_it(client, auth_headers, make_printer, make_computer):
    printer, pc = make_printer(), make_computer()
    response = link(client, auth_headers, printer, pc["assetid"])
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["data"]["assetid"] == pc["assetid"]

    listed = client.get(f"/api/v1/printers/{printer['assetid']}/computers").get_json()
    assert [c["assetid"] for c in listed["data"]] == [pc["assetid"]] and listed["meta"]["total"] == 1
    detail = client.get(f"/api/v1/printers/{printer['assetid']}").get_json()["data"]
    assert [c["asset_tag"] for c in detail["computers"]] == [pc["asset_tag"]]

    (printer_side,) = relationships(client, printer["assetid"])
    assert (printer_side["kind"], printer_side["direction"]) == ("prints_for", "outgoing")
    assert printer_side["other_assetid"] == pc["assetid"]
    (pc_side,) = relationships(client, pc["assetid"])
    assert (pc_side["kind"], pc_side["direction"]) == ("prints_for", "incoming")
    assert pc_side["other_assetid"] == printer["assetid"] and pc_side["other_asset_type"] == "printer"


def test_an_edge_made_through_the_core_endpoint_is_listed_too(client, auth_headers, make_printer, make_computer):
    printer, pc = make_printer(), make_computer()
    made = client.post(f"/api/v1/assets/{printer['assetid']}/relationships", headers=auth_headers,
                       json={"kind": "prints_for", "target_assetid": pc["assetid"]})
    assert made.status_code == 201, made.get_json()
    listed = client.get(f"/api/v1/printers/{printer['assetid']}/computers").get_json()["data"]
    assert [c["assetid"] for c in listed] == [pc["assetid"]]
    assert link(client, auth_headers, printer, pc["assetid"]).status_code == 409


def test_several_pcs_may_print_to_one_printer(client, auth_headers, make_printer, make_computer):
    printer = make_printer()
    pcs = [make_computer() for _ in range(3)]
    for pc in pcs:
        assert link(client, auth_headers, printer, pc["assetid"]).status_code == 201
    listed = client.get(f"/api/v1/printers/{printer['assetid']}/computers").get_json()["data"]
    assert {c["assetid"] for c in listed} == {pc["assetid"] for pc in pcs}


def test_linking_the_same_pc_twice_is_a_duplicate(client, auth_headers, make_printer, make_computer):
    printer, pc = make_printer(), make_computer()
    assert link(client, auth_headers, printer, pc["assetid"]).status_code == 201
    again = link(client, auth_headers, printer, pc["assetid"])
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "duplicate"
    assert len(relationships(client, printer["assetid"])) == 1


def test_a_printer_cannot_print_for_something_that_is_not_a_computer(client, auth_headers, make_printer):
    printer, other_printer = make_printer(), make_printer()
    response = link(client, auth_headers, printer, other_printer["assetid"])
    assert response.status_code == 422
    assert "computer_assetid" in response.get_json()["error"]["details"]["fields"]
    assert relationships(client, printer["assetid"]) == []


@pytest.mark.parametrize("payload", [{"computer_assetid": 999999}, {"computer_assetid": "1"},
                                     {"computer_assetid": -1}, {"computer_assetid": 2**40}, {},
                                     {"computer_assetid": 1, "note": "x"}])
def test_a_bad_link_body_is_a_field_error(client, auth_headers, make_printer, payload):
    printer = make_printer()
    response = client.post(f"/api/v1/printers/{printer['assetid']}/computers", headers=auth_headers, json=payload)
    assert response.status_code == 422, response.get_json()
    assert relationships(client, printer["assetid"]) == []


def test_only_printers_have_computers(client, auth_headers, make_computer):
    pc = make_computer()
    assert client.get(f"/api/v1/printers/{pc['assetid']}/computers").status_code == 404
    response = client.post("/api/v1/printers/999999/computers", headers=auth_headers,
                           json={"computer_assetid": pc["assetid"]})
    assert response.status_code == 404


def test_linking_needs_a_token(client, anonymous_client, make_printer, make_computer):
    printer, pc = make_printer(), make_computer()
    response = anonymous_client.post(f"/api/v1/printers/{printer['assetid']}/computers",
                                     json={"computer_assetid": pc["assetid"]})
    assert response.status_code == 401
    assert relationships(client, printer["assetid"]) == []


def test_unlinking_removes_the_edge_from_both_ends(client, auth_headers, make_printer, make_computer):
    printer, pc = make_printer(), make_computer()
    link(client, auth_headers, printer, pc["assetid"])
    url = f"/api/v1/printers/{printer['assetid']}/computers/{pc['assetid']}"
    assert client.delete(url, headers=auth_headers).status_code == 204
    assert relationships(client, printer["assetid"]) == [] and relationships(client, pc["assetid"]) == []
    assert client.delete(url, headers=auth_headers).status_code == 404


def test_deleting_the_pc_drops_it_from_the_printer(client, auth_headers, make_printer, make_computer):
    printer, pc = make_printer(), make_computer()
    link(client, auth_headers, printer, pc["assetid"])
    assert client.delete(f"/api/v1/assets/{pc['assetid']}", headers=auth_headers).status_code == 204
    assert client.get(f"/api/v1/printers/{printer['assetid']}").get_json()["data"]["computers"] == []
