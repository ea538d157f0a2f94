"""Machines as flat asset+extension objects: create, list, filter, search, edit, refuse bad input."""

from __future__ import annotations

import pytest

URL = "/api/v1/equipment"


def test_a_machine_is_created_with_its_asset_fields_and_sensible_defaults(client, auth_headers, site):
    body = {"asset_tag": "M-2001", "name": "DMU 50", "site_id": site["id"], "machine_number": "2001",
            "equipment_type": "cnc_mill", "controller_type": "Siemens", "controller_version": "840D sl",
            "cell": "Cell A1", "floor_x": 12.5, "floor_y": 0}
    response = client.post(URL, json=body, headers=auth_headers)
    assert response.status_code == 201, response.get_json()
    data = response.get_json()["data"]
    assert data["asset_type"] == "equipment" and data["status"] == "active" and data["version"] == 1
    assert data["operational_status"] == "idle"
    assert {k: data[k] for k in body} == body
    assert data["last_maintenance_on"] is None

    again = client.get(f"{URL}/{data['assetid']}")
    assert again.status_code == 200 and again.headers["ETag"] == '"1"'
    assert again.get_json()["data"]["machine_number"] == "2001"

    minimal = client.post(URL, json={"asset_tag": "M-2002", "name": "Saw", "site_id": site["id"],
                                     "machine_number": "2002"}, headers=auth_headers).get_json()["data"]
    assert minimal["equipment_type"] == "other" and minimal["floor_x"] is None


def test_the_list_filters_by_type_controller_status_cell_and_site(client, make_machine, other_site):
    make_machine(equipment_type="cnc_lathe", controller_type="Okuma", cell="Cell B2", operational_status="running")
    make_machine(equipment_type="cnc_mill", controller_type="Fanuc", cell="Cell B2", operational_status="down")
    make_machine(equipment_type="cnc_mill", controller_type="Heidenhain", cell="Cell C1", site_id=other_site["id"])

    def tags(query: str) -> list[str]:
        response = client.get(f"{URL}?{query}")
        assert response.status_code == 200, response.get_json()
        return [m["asset_tag"] for m in response.get_json()["data"]]

    assert tags("equipment_type=cnc_mill") == ["M-2002", "M-2003"]
    assert tags("controller_type=Okuma") == ["M-2001"]
    assert tags("operational_status=down") == ["M-2002"]
    assert tags("operational_status=running,down") == ["M-2001", "M-2002"]
    assert tags("cell=Cell B2&sort=-asset_tag") == ["M-2002", "M-2001"]
    assert tags(f"site_id={other_site['id']}") == ["M-2003"]
    assert tags("q=heidenhain") == ["M-2003"]
    meta = client.get(f"{URL}?per_page=2").get_json()["meta"]
    assert meta == {"page": 1, "per_page": 2, "total": 3, "pages": 2, "total_is_exact": True, "next": meta["next"]}
    assert meta["next"]  # the cursor of page 2 (ADR 0019)


def test_unknown_filters_and_badly_typed_filters_are_400(client, make_machine):
    make_machine()
    assert client.get(f"{URL}?colour=red").status_code == 400
    assert client.get(f"{URL}?floor_x=left").status_code == 400
    assert client.get(f"{URL}?sort=nonsense").status_code == 400


def test_search_finds_a_machine_by_its_machine_number(client, make_machine):
    machine = make_machine(machine_number="HX-7781", asset_tag="M-1", name="Hermle")
    response = client.get("/api/v1/search?q=x-778")
    assert response.status_code == 200, response.get_json()
    hits = response.get_json()["data"]
    assert [h["assetid"] for h in hits] == [machine["assetid"]]
    assert hits[0]["matched"] == "machine_number"
    assert hits[0]["url"] == f"/api/v1/equipment/{machine['assetid']}"


def test_a_machine_number_is_unique_per_site_whatever_its_case(client, auth_headers, site, make_machine, count_rows):
    first = make_machine(machine_number="M-01")
    response = client.post(URL, json={"asset_tag": "M-9", "name": "Copy", "site_id": site["id"],
                                      "machine_number": "m-01"}, headers=auth_headers)
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "duplicate" and "M-2001" in error["message"]
    assert error["details"]["fields"] == {"machine_number": ["Already in use at this site."]}
    assert error["details"]["assetid"] == first["assetid"]
    assert count_rows("equipment") == 1 and count_rows("assets") == 1


def test_the_same_machine_number_may_be_used_at_another_site(make_machine, other_site):
    make_machine(machine_number="100")
    assert make_machine(machine_number="100", site_id=other_site["id"])["machine_number"] == "100"


def test_moving_a_machine_to_a_site_where_its_number_is_taken_is_409(client, auth_headers, make_machine, other_site):
    make_machine(machine_number="100", site_id=other_site["id"])
    mover = make_machine(machine_number="100")
    response = client.patch(f"{URL}/{mover['assetid']}", json={"site_id": other_site["id"]}, headers=auth_headers)
    assert response.status_code == 409
    assert client.get(f"{URL}/{mover['assetid']}").get_json()["data"]["version"] == 1


def test_renumbering_onto_a_taken_number_is_409_but_keeping_ones_own_number_is_fine(client, auth_headers,
                                                                                    make_machine):
    make_machine(machine_number="100")
    other = make_machine(machine_number="200")
    url = f"{URL}/{other['assetid']}"
    assert client.patch(url, json={"machine_number": "100"}, headers=auth_headers).status_code == 409
    response = client.patch(url, json={"machine_number": "200", "cell": "Cell A2"}, headers=auth_headers)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["data"]["cell"] == "Cell A2"


def test_known_controller_spellings_are_normalised_and_others_kept(make_machine):
    assert make_machine(controller_type="FANUC")["controller_type"] == "Fanuc"
    assert make_machine(controller_type="heidenhain")["controller_type"] == "Heidenhain"
    assert make_machine(controller_type="Fidia C20")["controller_type"] == "Fidia C20"


GOOD = {"asset_tag": "M-1", "name": "Lathe", "machine_number": "1"}
BAD_BODIES = {
    "unknown field": {"colour": "red"},
    "dump-only field": {"last_maintenance_on": "2024-01-01"},
    "missing machine number": {"machine_number": None},
    "empty machine number": {"machine_number": "   "},
    "machine number with spaces": {"machine_number": "M 1"},
    "machine number of 10,000 characters": {"machine_number": "9" * 10_000},
    "machine number not a string": {"machine_number": 17},
    "unknown equipment type": {"equipment_type": "spaceship"},
    "unknown operational status": {"operational_status": "broken"},
    "negative floor x": {"floor_x": -0.5},
    "floor y as a string": {"floor_y": "12"},
    "floor x as a boolean": {"floor_x": True},
    "floor x beyond the plan": {"floor_x": 1e12},
    "controller type too long": {"controller_type": "F" * 65},
    "controller version of 10,000 characters": {"controller_version": "v" * 10_000},
    "cell too long": {"cell": "C" * 65},
    "unknown site": {"site_id": 999},
    "site id as a string": {"site_id": "1"},
}


@pytest.mark.parametrize("change", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_bad_machine_bodies_are_422_and_write_nothing(client, auth_headers, site, count_rows, change):
    body = {**GOOD, "site_id": site["id"], **change}
    body = {k: v for k, v in body.items() if v is not None}
    response = client.post(URL, json=body, headers=auth_headers)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["code"] == "validation_error"
    assert count_rows("equipment") == 0 and count_rows("assets") == 0


def test_malformed_json_is_400_and_writes_nothing(client, auth_headers, count_rows):
    response = client.post(URL, data="{not json", headers={**auth_headers, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "malformed_json"
    assert client.post(URL, json=["a list"], headers=auth_headers).status_code == 422  # not an object
    assert count_rows("equipment") == 0


def test_bad_patches_are_refused_and_change_nothing(client, auth_headers, make_machine):
    machine = make_machine(floor_x=5.0)
    url = f"{URL}/{machine['assetid']}"
    for change in ({"floor_x": -1}, {"operational_status": "exploded"}, {"colour": "red"},
                   {"machine_number": "x" * 10_000}, {"version": "1"}):
        assert client.patch(url, json=change, headers=auth_headers).status_code == 422, change
    data = client.get(url).get_json()["data"]
    assert data["version"] == 1 and data["floor_x"] == 5.0 and data["operational_status"] == "idle"


def test_a_stale_version_is_409_and_a_stale_if_match_is_412(client, auth_headers, make_machine):
    machine = make_machine()
    url = f"{URL}/{machine['assetid']}"
    assert client.patch(url, json={"cell": "A", "version": 1}, headers=auth_headers).status_code == 200
    stale = client.patch(url, json={"cell": "B", "version": 1}, headers=auth_headers)
    assert stale.status_code == 409
    assert stale.get_json()["error"]["details"]["current_version"] == 2
    assert client.patch(url, json={"cell": "B"}, headers={**auth_headers, "If-Match": '"1"'}).status_code == 412
    assert client.get(url).get_json()["data"]["cell"] == "A"


def test_only_editors_change_machines(client, anonymous_client, site, make_machine, user_headers):
    machine = make_machine()
    viewer = user_headers("viewer")
    body = {**GOOD, "site_id": site["id"]}
    assert anonymous_client.post(URL, json=body).status_code == 401
    assert client.post(URL, json=body, headers=viewer).status_code == 403
    assert client.patch(f"{URL}/{machine['assetid']}", json={"cell": "X"}, headers=viewer).status_code == 403
    assert client.get(f"{URL}/{machine['assetid']}", headers=viewer).status_code == 200


def test_a_site_limited_editor_cannot_place_machines_at_other_sites(client, make_machine, other_site,
                                                                   user_headers, site):
    editor = user_headers("editor", (site["id"],))
    body = {**GOOD, "site_id": other_site["id"]}
    assert client.post(URL, json=body, headers=editor).status_code == 403
    machine = make_machine()
    response = client.patch(f"{URL}/{machine['assetid']}", json={"site_id": other_site["id"]}, headers=editor)
    assert response.status_code == 403


def test_unknown_machines_are_404_and_other_asset_types_are_not_machines(client, auth_headers, site):
    assert client.get(f"{URL}/999").status_code == 404
    assert client.patch(f"{URL}/999", json={"cell": "X"}, headers=auth_headers).status_code == 404
    assert client.delete(f"{URL}/999", headers=auth_headers).status_code == 404
    kind = client.post("/api/v1/asset-types", json={"name": "forklift", "label": "Forklift"}, headers=auth_headers)
    assert kind.status_code == 201, kind.get_json()
    forklift = client.post("/api/v1/assets", json={"asset_tag": "F-1", "name": "Forklift", "site_id": site["id"],
                                                   "asset_type": "forklift"}, headers=auth_headers)
    assert forklift.status_code == 201, forklift.get_json()
    assert client.get(f"{URL}/{forklift.get_json()['data']['assetid']}").status_code == 404


def test_deleting_a_machine_deletes_its_asset_and_maintenance_history(client, auth_headers, make_machine, count_rows):
    machine = make_machine()
    url = f"{URL}/{machine['assetid']}"
    record = client.post(f"{url}/maintenance", json={"performed_on": "2024-03-01", "kind": "inspection"},
                         headers=auth_headers)
    assert record.status_code == 201
    assert client.delete(url, headers={**auth_headers, "If-Match": '"7"'}).status_code == 412
    assert client.delete(url, headers=auth_headers).status_code == 204
    assert client.get(url).status_code == 404
    assert count_rows("equipment") == 0 and count_rows("maintenance_records") == 0 and count_rows("assets") == 0


def test_the_api_document_describes_the_machine_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/equipment", "/api/v1/equipment/{assetid}", "/api/v1/equipment/{assetid}/maintenance",
                 "/api/v1/equipment/{assetid}/maintenance/{record_id}", "/api/v1/equipment/{assetid}/downtime",
                 "/api/v1/equipment/downtime"):
        assert path in paths, path


def test_moving_a_machine_to_another_site_through_the_core_api_keeps_machine_numbers_unique(client, auth_headers, site):
    other = client.post("/api/v1/sites", json={"code": "MV", "name": "Moved"}, headers=auth_headers).get_json()["data"]
    here = client.post("/api/v1/equipment", json={"asset_tag": "M-1", "name": "Mill", "site_id": site["id"],
                                                  "machine_number": "4711"}, headers=auth_headers)
    there = client.post("/api/v1/equipment", json={"asset_tag": "M-1", "name": "Mill", "site_id": other["id"],
                                                   "machine_number": "4711"}, headers=auth_headers)
    assert here.status_code == 201 and there.status_code == 201
    moved = client.patch(f"/api/v1/assets/{here.get_json()['data']['assetid']}",
                         json={"site_id": other["id"], "asset_tag": "M-9"}, headers=auth_headers)
    assert moved.status_code == 409, moved.get_json()
    assert moved.get_json()["error"]["details"]["field"] == "machine_number"
    unchanged = client.get(f"/api/v1/equipment/{here.get_json()['data']['assetid']}").get_json()["data"]
    assert unchanged["site_id"] == site["id"] and unchanged["asset_tag"] == "M-1"
