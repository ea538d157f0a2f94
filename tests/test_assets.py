"""``/api/v1/assets``: CRUD, search, filters, sort, relationships, history, concurrency, bad input."""

from __future__ import annotations

from helpers import counts, error_of, make_asset, make_generic_type


def test_create_read_update_delete(client, auth_headers, site):
    asset = make_asset(client, auth_headers, site["id"], "M-2001", manufacturer="DMG Mori", serial_number="SN-1")
    assert asset["version"] == 1 and asset["asset_type"] == "fixture" and asset["status"] == "active"
    got = client.get(f"/api/v1/assets/{asset['assetid']}")
    assert got.headers["ETag"] == '"1"'
    patched = client.patch(f"/api/v1/assets/{asset['assetid']}", json={"status": "in_repair", "version": 1},
                           headers=auth_headers)
    assert patched.status_code == 200
    assert patched.get_json()["data"]["version"] == 2
    assert client.delete(f"/api/v1/assets/{asset['assetid']}", headers=auth_headers).status_code == 204
    assert client.get(f"/api/v1/assets/{asset['assetid']}").status_code == 404


def test_search_filters_and_sort(client, auth_headers, site):
    make_asset(client, auth_headers, site["id"], "M-1", name="Lathe", serial_number="ABC-9")
    make_asset(client, auth_headers, site["id"], "M-2", name="Mill", status="inactive")
    make_asset(client, auth_headers, site["id"], "M-3", name="Saw")
    assert [a["asset_tag"] for a in client.get("/api/v1/assets?q=abc-9").get_json()["data"]] == ["M-1"]
    assert [a["asset_tag"] for a in client.get("/api/v1/assets?status=inactive").get_json()["data"]] == ["M-2"]
    assert client.get("/api/v1/assets?status=active,inactive").get_json()["meta"]["total"] == 3
    assert client.get("/api/v1/assets?asset_type=fixture").get_json()["meta"]["total"] == 3
    tags = [a["asset_tag"] for a in client.get("/api/v1/assets?sort=-name").get_json()["data"]]
    assert tags == ["M-3", "M-2", "M-1"]


def test_asset_tag_is_unique_per_site_only(client, auth_headers, site):
    make_asset(client, auth_headers, site["id"], "M-1")
    before = counts(client.application)
    response = client.post("/api/v1/assets", json={"asset_tag": "M-1", "name": "x", "site_id": site["id"],
                                                    "asset_type": "fixture"}, headers=auth_headers)
    assert response.status_code == 409
    assert error_of(response)["details"]["field"] == "asset_tag"
    assert counts(client.application) == before
    other = client.post("/api/v1/sites", json={"code": "P2", "name": "Two"}, headers=auth_headers).get_json()["data"]
    make_asset(client, auth_headers, other["id"], "M-1")


def test_bad_input_is_refused_with_nothing_written(client, auth_headers, site):
    make_generic_type(client, auth_headers)
    good = {"asset_tag": "X-1", "name": "n", "site_id": site["id"], "asset_type": "fixture"}
    before = counts(client.application)
    cases = [
        ({**good, "name": "x" * 10_000}, 422),
        ({**good, "site_id": "one"}, 422),
        ({**good, "site_id": 999}, 422),
        ({**good, "status": "exploded"}, 422),
        ({**good, "asset_type": "unicorn"}, 422),
        ({**good, "colour": "red"}, 422),
        ({**good, "location_id": 12345}, 422),
        ({"name": "no tag"}, 422),
    ]
    for body, status in cases:
        response = client.post("/api/v1/assets", json=body, headers=auth_headers)
        assert response.status_code == status, (body, response.get_json())
        error_of(response)
    response = client.post("/api/v1/assets", data=b"\x00\xff{", content_type="application/json", headers=auth_headers)
    assert response.status_code == 400
    assert counts(client.application) == before


def test_unknown_asset_ids_are_404(client, auth_headers):
    assert client.get("/api/v1/assets/424242").status_code == 404
    assert client.patch("/api/v1/assets/424242", json={"name": "x"}, headers=auth_headers).status_code == 404
    assert client.delete("/api/v1/assets/424242", headers=auth_headers).status_code == 404
    assert client.get("/api/v1/assets/424242/relationships").status_code == 404
    assert client.get("/api/v1/assets/424242/history").status_code == 404


def test_stale_version_in_body_is_409_with_the_current_version(client, auth_headers, site):
    asset = make_asset(client, auth_headers, site["id"], "M-1")
    url = f"/api/v1/assets/{asset['assetid']}"
    assert client.patch(url, json={"name": "first", "version": 1}, headers=auth_headers).status_code == 200
    before = counts(client.application)
    response = client.patch(url, json={"name": "second", "version": 1}, headers=auth_headers)
    assert response.status_code == 409
    assert error_of(response)["details"]["current_version"] == 2
    assert client.get(url).get_json()["data"]["name"] == "first"
    assert counts(client.application) == before


def test_stale_if_match_is_412(client, auth_headers, site):
    asset = make_asset(client, auth_headers, site["id"], "M-1")
    url = f"/api/v1/assets/{asset['assetid']}"
    client.patch(url, json={"name": "first"}, headers=auth_headers)
    response = client.patch(url, json={"name": "second"}, headers={**auth_headers, "If-Match": '"1"'})
    assert response.status_code == 412
    assert error_of(response)["details"]["current_version"] == 2
    ok = client.patch(url, json={"name": "second"}, headers={**auth_headers, "If-Match": '"2"'})
    assert ok.status_code == 200 and ok.headers["ETag"] == '"3"'


def test_patch_without_changes_keeps_the_version(client, auth_headers, site):
    asset = make_asset(client, auth_headers, site["id"], "M-1")
    url = f"/api/v1/assets/{asset['assetid']}"
    response = client.patch(url, json={"name": asset["name"]}, headers=auth_headers)
    assert response.get_json()["data"]["version"] == 1


def test_relationships_are_listed_from_both_ends(client, auth_headers, site):
    pc = make_asset(client, auth_headers, site["id"], "PC-1")
    machine = make_asset(client, auth_headers, site["id"], "M-1")
    created = client.post(f"/api/v1/assets/{pc['assetid']}/relationships",
                          json={"kind": "feeds", "target_assetid": machine["assetid"]}, headers=auth_headers)
    assert created.status_code == 201
    from_pc = client.get(f"/api/v1/assets/{pc['assetid']}/relationships").get_json()["data"]
    from_machine = client.get(f"/api/v1/assets/{machine['assetid']}/relationships").get_json()["data"]
    assert from_pc[0]["direction"] == "outgoing" and from_pc[0]["other_asset_tag"] == "M-1"
    assert from_machine[0]["direction"] == "incoming" and from_machine[0]["other_asset_tag"] == "PC-1"
    duplicate = client.post(f"/api/v1/assets/{pc['assetid']}/relationships",
                            json={"kind": "feeds", "target_assetid": machine["assetid"]}, headers=auth_headers)
    assert duplicate.status_code == 409
    self_link = client.post(f"/api/v1/assets/{pc['assetid']}/relationships",
                            json={"kind": "feeds", "target_assetid": pc["assetid"]}, headers=auth_headers)
    assert self_link.status_code == 422
    unknown = client.post(f"/api/v1/assets/{pc['assetid']}/relationships",
                          json={"kind": "feeds", "target_assetid": 99999}, headers=auth_headers)
    assert unknown.status_code == 422
    rel_id = from_pc[0]["id"]
    assert client.delete(f"/api/v1/assets/{machine['assetid']}/relationships/{rel_id}",
                         headers=auth_headers).status_code == 204
    assert client.get(f"/api/v1/assets/{pc['assetid']}/relationships").get_json()["data"] == []


def test_history_records_who_and_before_after(client, auth_headers, site):
    asset = make_asset(client, auth_headers, site["id"], "M-1", name="Old")
    client.patch(f"/api/v1/assets/{asset['assetid']}", json={"name": "New"}, headers=auth_headers)
    history = client.get(f"/api/v1/assets/{asset['assetid']}/history").get_json()["data"]
    assert [h["action"] for h in history] == ["update", "create"]
    assert history[0]["username"] == "admin"
    assert history[0]["before"]["name"] == "Old" and history[0]["after"]["name"] == "New"
    client.delete(f"/api/v1/assets/{asset['assetid']}", headers=auth_headers)
    after_delete = client.get(f"/api/v1/assets/{asset['assetid']}/history").get_json()["data"]
    assert after_delete[0]["action"] == "delete"


def test_plugin_owned_types_are_created_through_their_plugin(client, auth_headers, site):
    client.application.config  # noqa: B018 - the printers plugin is bundled
    response = client.post("/api/v1/assets", json={"asset_tag": "P", "name": "p", "site_id": site["id"],
                                                    "asset_type": "printer"}, headers=auth_headers)
    assert response.status_code == 422
    assert "/api/v1/printers" in str(error_of(response)["details"])


def test_location_must_belong_to_the_assets_site(client, auth_headers, site):
    other = client.post("/api/v1/sites", json={"code": "P2", "name": "Two"}, headers=auth_headers).get_json()["data"]
    hall = client.post("/api/v1/locations", json={"site_id": other["id"], "name": "Hall"},
                       headers=auth_headers).get_json()["data"]
    make_generic_type(client, auth_headers)
    response = client.post("/api/v1/assets", json={"asset_tag": "X", "name": "x", "site_id": site["id"],
                                                    "asset_type": "fixture", "location_id": hall["id"]},
                           headers=auth_headers)
    assert response.status_code == 422


def test_a_deleted_assets_id_is_never_handed_out_again(client, auth_headers, site):
    first = make_asset(client, auth_headers, site["id"], "OLD-1")
    client.delete(f"/api/v1/assets/{first['assetid']}", headers=auth_headers)
    second = make_asset(client, auth_headers, site["id"], "NEW-1")
    assert second["assetid"] != first["assetid"]
    history = client.get(f"/api/v1/assets/{second['assetid']}/history").get_json()["data"]
    assert [h["action"] for h in history] == ["create"]


def test_asset_tags_differing_only_in_case_are_duplicates_on_every_database(client, auth_headers, site):
    make_asset(client, auth_headers, site["id"], "QA-1")
    response = client.post("/api/v1/assets", json={"asset_tag": "qa-1", "name": "x", "site_id": site["id"],
                                                    "asset_type": "fixture"}, headers=auth_headers)
    assert response.status_code == 409


def test_search_wildcards_match_literally(client, auth_headers, site):
    make_asset(client, auth_headers, site["id"], "PC-01")
    make_asset(client, auth_headers, site["id"], "PC_01")
    assert [a["asset_tag"] for a in client.get("/api/v1/assets?q=pc_0").get_json()["data"]] == ["PC_01"]
    assert client.get("/api/v1/assets?q=%25").get_json()["meta"]["total"] == 0
    assert [h["asset_tag"] for h in client.get("/api/v1/search?q=_").get_json()["data"]] == ["PC_01"]


def test_json_no_database_can_store_is_malformed(client, auth_headers):
    before = counts(client.application)
    bodies = [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"code": "L5", "name": "\\ud800"}',
        b'{"code": "L6", "name": "a\\u0000b"}',
    ]
    for body in bodies:
        response = client.post("/api/v1/sites", data=body, content_type="application/json", headers=auth_headers)
        assert response.status_code == 400, (body[:20], response.get_json())
        assert error_of(response)["code"] == "malformed_json"
    assert counts(client.application) == before
