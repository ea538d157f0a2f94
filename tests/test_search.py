"""``/api/v1/search`` is a list like the others: every hit counted, every hit reachable page by page,
in one stable order, on every database (the core and plugins' matches are UNIONed in SQL)."""

from __future__ import annotations

import pytest
from flask import Flask

from shopdb.testing import admin_client, token_for

from helpers import error_of, make_generic_type

MATCHING = 120


@pytest.fixture
def plant(migrated_app: Flask):
    """A client with admin headers and one site, on each database."""
    client = admin_client(migrated_app)
    headers = {"Authorization": f"Bearer {token_for(client)}"}
    response = client.post("/api/v1/sites", json={"code": "P1", "name": "Plant 1"}, headers=headers)
    assert response.status_code == 201, response.get_json()
    make_generic_type(client, headers)
    return client, headers, response.get_json()["data"]["id"]


def create(client, headers, url: str, body: dict) -> dict:
    response = client.post(url, json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]


def fixture_asset(client, headers, site_id: int, tag: str, **fields) -> dict:
    body = {"asset_tag": tag, "name": f"Fixture {tag}", "site_id": site_id, "asset_type": "fixture", **fields}
    return create(client, headers, "/api/v1/assets", body)


def search(client, **params):
    response = client.get("/api/v1/search", query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def pages_of(body: dict) -> dict:
    """The page-number part of ``meta`` (keyset paging adds ``next``, ADR 0019)."""
    return {key: body["meta"][key] for key in ("page", "per_page", "total", "pages")}


def test_pages_of_fifty_reach_all_120_hits_once_with_a_true_total(plant):
    client, headers, site_id = plant
    made = {fixture_asset(client, headers, site_id, f"JIG-{i:03d}")["assetid"] for i in range(MATCHING)}
    fixture_asset(client, headers, site_id, "CLAMP-1")  # not a hit

    seen, pages = [], []
    for page in (1, 2, 3):
        body = search(client, q="jig-", page=page, per_page=50)
        assert pages_of(body) == {"page": page, "per_page": 50, "total": MATCHING, "pages": 3}
        pages.append(len(body["data"]))
        seen += [hit["assetid"] for hit in body["data"]]
    assert pages == [50, 50, 20]
    assert len(seen) == len(set(seen)) == MATCHING
    assert set(seen) == made
    # The same order on every request, so page 2 follows page 1 whichever worker serves it.
    assert [h["assetid"] for h in search(client, q="jig-", per_page=500)["data"]] == seen

    beyond = search(client, q="jig-", page=4, per_page=50)
    assert beyond["data"] == [] and beyond["meta"]["total"] == MATCHING


def test_search_pages_exactly_like_every_other_list(plant):
    client, headers, site_id = plant
    fixture_asset(client, headers, site_id, "JIG-1")
    for query in ("per_page=501", "per_page=0", "page=0", "page=x", "per_page=99999999999999999999"):
        listed = client.get(f"/api/v1/assets?{query}")
        searched = client.get(f"/api/v1/search?q=jig&{query}")
        assert searched.status_code == listed.status_code, query
        if listed.status_code == 200:
            assert searched.get_json()["meta"]["per_page"] == listed.get_json()["meta"]["per_page"], query
    default = pages_of(search(client, q="jig"))
    assert default == {"page": 1, "per_page": 50, "total": 1, "pages": 1}


def test_the_old_limit_parameter_is_refused_like_any_unknown_parameter(client):
    for url in ("/api/v1/search?q=a&limit=10", "/api/v1/assets?limit=10"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert error_of(response)["message"] == "Unknown query parameter 'limit'."
    assert "per_page" in error_of(client.get("/api/v1/search?q=a&limit=10"))["details"]["allowed"]


def test_an_exact_tag_comes_first_then_tags_in_order(plant):
    client, headers, site_id = plant
    for tag in ("M-10", "AM-1", "M-1", "M-1B"):
        fixture_asset(client, headers, site_id, tag)
    assert [h["asset_tag"] for h in search(client, q="m-1")["data"]] == ["M-1", "AM-1", "M-10", "M-1B"]


def test_a_pc_is_found_by_hostname_mac_and_ip_once_each(plant):
    client, headers, site_id = plant
    pc = create(client, headers, "/api/v1/computers", {
        "asset_tag": "PC-7", "name": "Cell 7 PC", "site_id": site_id, "hostname": "p1-cell7-pc",
        "mac_address": "00:14:22:01:23:45", "primary_ip": "10.20.30.40", "pc_type": "shopfloor"})
    subnet = create(client, headers, "/api/v1/network/subnets", {"cidr": "10.20.30.0/24", "name": "Cells",
                                                                  "site_id": site_id})
    # The network plugin knows the same address: still one hit, named by the first plugin that found it.
    create(client, headers, "/api/v1/network/ip-addresses",
           {"address": "10.20.30.40", "subnet_id": subnet["id"], "assetid": pc["assetid"]})
    for q, field in (("CELL7", "hostname"), ("00-14-22-01-23-45", "mac_address"), ("10.20.30.40", "primary_ip"),
                     ("PC-7", "asset_tag")):
        body = search(client, q=q)
        assert [(h["assetid"], h["matched"]) for h in body["data"]] == [(pc["assetid"], field)], q
        assert body["meta"]["total"] == 1
        assert body["data"][0]["url"] == f"/api/v1/computers/{pc['assetid']}"
        assert body["data"][0]["plugin"] == "computers"


def test_wildcards_in_the_search_box_match_only_themselves(plant):
    client, headers, site_id = plant
    fixture_asset(client, headers, site_id, "JIG_1")
    fixture_asset(client, headers, site_id, "JIG-1")
    fixture_asset(client, headers, site_id, "JIG%2")
    assert [h["asset_tag"] for h in search(client, q="g_")["data"]] == ["JIG_1"]
    assert [h["asset_tag"] for h in search(client, q="%")["data"]] == ["JIG%2"]
    assert search(client, q="\\")["meta"]["total"] == 0


def test_the_openapi_documents_search_as_a_list(client):
    operation = client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/search"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert set(parameters) == {"q", "page", "per_page"}
    assert parameters["q"]["required"] is True
    assert parameters["per_page"]["schema"]["maximum"] == 500
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("/SearchHitList")
