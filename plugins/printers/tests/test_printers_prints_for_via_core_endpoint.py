"""``prints_for`` edges made through the core's /api/v1/assets/<id>/relationships obey the same rule:
a printer prints for a computer, nothing else (the plugin answers the ``relationship_validate`` event).
"""

from __future__ import annotations


def relate(client, auth_headers, source: dict, target: dict, kind: str = "prints_for"):
    return client.post(f"/api/v1/assets/{source['assetid']}/relationships", headers=auth_headers,
                       json={"kind": kind, "target_assetid": target["assetid"]})


def relationships(client, assetid: int) -> list[dict]:
    response = client.get(f"/api/v1/assets/{assetid}/relationships")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["data"]


def computers_of(client, printer: dict) -> list[dict]:
    response = client.get(f"/api/v1/printers/{printer['assetid']}/computers")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["data"]


def test_a_printer_cannot_be_made_to_print_for_a_non_computer_through_the_core_endpoint(
        client, auth_headers, make_printer, make_gauge):
    printer, other_printer, gauge = make_printer(), make_printer(), make_gauge()
    for target in (other_printer, gauge):
        response = relate(client, auth_headers, printer, target)
        assert response.status_code == 422, response.get_json()
        error = response.get_json()["error"]
        assert error["code"] == "validation_error"
        assert error["details"]["fields"]["target_assetid"] == [
            f"Asset {target['assetid']} is a {target['asset_type']}, not a computer."]
    assert computers_of(client, printer) == [] and relationships(client, printer["assetid"]) == []


def test_the_pc_cannot_be_the_source_of_a_prints_for_edge(client, auth_headers, make_printer, make_computer,
                                                          make_gauge):
    printer, pc, gauge = make_printer(), make_computer(), make_gauge()
    for source, target in ((pc, printer), (gauge, pc)):
        response = relate(client, auth_headers, source, target)
        assert response.status_code == 422, response.get_json()
        assert "kind" in response.get_json()["error"]["details"]["fields"]
        assert relationships(client, source["assetid"]) == []
    assert computers_of(client, printer) == []


def test_both_endpoints_refuse_a_non_computer_with_the_same_words(client, auth_headers, make_printer, make_gauge):
    printer, gauge = make_printer(), make_gauge()
    core = relate(client, auth_headers, printer, gauge).get_json()["error"]["details"]["fields"]
    own = client.post(f"/api/v1/printers/{printer['assetid']}/computers", headers=auth_headers,
                      json={"computer_assetid": gauge["assetid"]}).get_json()["error"]["details"]["fields"]
    assert core["target_assetid"] == own["computer_assetid"]


def test_other_kinds_of_relationship_are_not_this_plugins_business(client, auth_headers, make_printer, make_gauge):
    printer, gauge = make_printer(), make_gauge()
    response = relate(client, auth_headers, printer, gauge, kind="documented_by")
    assert response.status_code == 201, response.get_json()
    assert computers_of(client, printer) == []
