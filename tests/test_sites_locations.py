"""Sites and the location tree."""

from __future__ import annotations

from helpers import error_of, make_asset


def test_site_crud(client, auth_headers):
    created = client.post("/api/v1/sites", json={"code": "B2", "name": "Berlin", "timezone": "Europe/Berlin"},
                          headers=auth_headers)
    assert created.status_code == 201
    site = created.get_json()["data"]
    assert created.headers["ETag"] == '"1"'
    patched = client.patch(f"/api/v1/sites/{site['id']}", json={"name": "Berlin 2", "version": 1},
                           headers=auth_headers)
    assert patched.status_code == 200 and patched.get_json()["data"]["version"] == 2
    assert client.get("/api/v1/sites?q=berl").get_json()["meta"]["total"] == 1
    assert client.delete(f"/api/v1/sites/{site['id']}", headers=auth_headers).status_code == 204
    assert client.get(f"/api/v1/sites/{site['id']}").status_code == 404


def test_duplicate_site_code_is_409_case_insensitive(client, auth_headers, site):
    response = client.post("/api/v1/sites", json={"code": "p1", "name": "Again"}, headers=auth_headers)
    assert response.status_code == 409
    assert error_of(response)["code"] == "duplicate"


def test_site_bad_input(client, auth_headers):
    cases = [
        {"code": "X", "name": "y" * 10_000},
        {"code": 5, "name": "n"},
        {"code": "X"},
        {"code": "X", "name": "n", "timezone": "Mars/Olympus"},
        {"code": "X", "name": "n", "extra": True},
        {"code": "bad code!", "name": "n"},
    ]
    for body in cases:
        response = client.post("/api/v1/sites", json=body, headers=auth_headers)
        assert response.status_code == 422, body
        error_of(response)
    assert client.get("/api/v1/sites").get_json()["meta"]["total"] == 0


def test_site_with_assets_cannot_be_deleted(client, auth_headers, site):
    make_asset(client, auth_headers, site["id"], "A-1")
    response = client.delete(f"/api/v1/sites/{site['id']}", headers=auth_headers)
    assert response.status_code == 409


def test_location_tree(client, auth_headers, site):
    hall = client.post("/api/v1/locations", json={"site_id": site["id"], "name": "Hall A", "kind": "building"},
                       headers=auth_headers).get_json()["data"]
    cell = client.post("/api/v1/locations", json={"site_id": site["id"], "name": "Cell 1", "kind": "cell",
                                                   "parent_id": hall["id"], "x": 10.5, "y": 3},
                       headers=auth_headers)
    assert cell.status_code == 201
    cell = cell.get_json()["data"]
    assert client.get(f"/api/v1/locations?parent_id={hall['id']}").get_json()["meta"]["total"] == 1
    # a node cannot move under its own descendant
    loop = client.patch(f"/api/v1/locations/{hall['id']}", json={"parent_id": cell["id"]}, headers=auth_headers)
    assert loop.status_code == 422
    # a parent with children cannot be deleted
    assert client.delete(f"/api/v1/locations/{hall['id']}", headers=auth_headers).status_code == 409


def test_location_parent_must_be_in_the_same_site(client, auth_headers, site):
    other = client.post("/api/v1/sites", json={"code": "P2", "name": "Two"}, headers=auth_headers).get_json()["data"]
    hall = client.post("/api/v1/locations", json={"site_id": other["id"], "name": "Hall"},
                       headers=auth_headers).get_json()["data"]
    response = client.post("/api/v1/locations", json={"site_id": site["id"], "name": "Cell", "parent_id": hall["id"]},
                           headers=auth_headers)
    assert response.status_code == 422
    assert "parent_id" in error_of(response)["details"]["fields"]


def test_location_unknown_site_is_422(client, auth_headers):
    response = client.post("/api/v1/locations", json={"site_id": 999, "name": "Hall"}, headers=auth_headers)
    assert response.status_code == 422


def test_duplicate_location_name_under_one_parent_is_409(client, auth_headers, site):
    body = {"site_id": site["id"], "name": "Hall"}
    assert client.post("/api/v1/locations", json=body, headers=auth_headers).status_code == 201
    assert client.post("/api/v1/locations", json=body, headers=auth_headers).status_code == 409
