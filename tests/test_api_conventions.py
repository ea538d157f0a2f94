"""SPEC §5: envelopes, pagination, one error format for every error."""

from __future__ import annotations

from flask import Flask

from shopdb.testing import admin_client

from helpers import error_of, make_asset


def test_list_envelope_has_data_and_meta(client, auth_headers, site):
    for i in range(3):
        make_asset(client, auth_headers, site["id"], f"T-{i}")
    body = client.get("/api/v1/assets?per_page=2&page=2").get_json()
    assert body["meta"] == {"page": 2, "per_page": 2, "total": 3, "pages": 2, "total_is_exact": True, "next": None}
    assert [a["asset_tag"] for a in body["data"]] == ["T-2"]


def test_per_page_is_capped_at_500(client):
    body = client.get("/api/v1/sites?per_page=100000").get_json()
    assert body["meta"]["per_page"] == 500


def test_bad_page_numbers_are_400(client):
    for query in ("page=0", "page=abc", "per_page=-1", "per_page=1.5"):
        response = client.get(f"/api/v1/assets?{query}")
        assert response.status_code == 400, query
        error_of(response)


def test_unknown_filter_and_sort_are_400_naming_them(client):
    response = client.get("/api/v1/assets?colour=red")
    assert response.status_code == 400
    assert "colour" in error_of(response)["message"]
    response = client.get("/api/v1/assets?sort=-password")
    assert response.status_code == 400
    assert "password" in error_of(response)["message"]


def test_filter_with_wrong_type_is_400(client):
    response = client.get("/api/v1/assets?site_id=abc")
    assert response.status_code == 400
    assert error_of(response)["details"]["fields"]["site_id"]


def test_single_object_envelope(client, site):
    body = client.get(f"/api/v1/sites/{site['id']}").get_json()
    assert set(body) == {"data"}
    assert body["data"]["code"] == "P1"


def test_unknown_url_is_404_in_the_error_format(client):
    response = client.get("/api/v1/does-not-exist")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_wrong_method_is_405_in_the_error_format(client):
    response = client.put("/api/v1/health")
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"


def test_malformed_json_is_400(client, auth_headers):
    response = client.post("/api/v1/sites", data="{not json", content_type="application/json", headers=auth_headers)
    assert response.status_code == 400
    assert error_of(response)["code"] == "malformed_json"


def test_json_that_is_not_an_object_is_refused(client, auth_headers):
    response = client.post("/api/v1/sites", json=["a", "list"], headers=auth_headers)
    assert response.status_code in (400, 422)
    error_of(response)


def test_unexpected_error_is_500_in_the_error_format(app: Flask):
    @app.route("/api/v1/boom")
    def boom():
        raise RuntimeError("kaboom")

    response = admin_client(app).get("/api/v1/boom")
    assert response.status_code == 500
    error = error_of(response)
    assert error["code"] == "internal_error"
    assert "kaboom" not in error["message"]  # internals stay in the log


def test_dates_are_iso_8601(client, site):
    created = client.get(f"/api/v1/sites/{site['id']}").get_json()["data"]["created_at"]
    assert created[4] == "-" and "T" in created


def test_openapi_document_is_generated_from_the_schemas(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    for path in ("/api/v1/sites", "/api/v1/assets/{assetid}", "/api/v1/assets/{assetid}/relationships",
                 "/api/v1/auth/tokens", "/api/v1/health"):
        assert path in spec["paths"], path
    schemas = spec["components"]["schemas"]
    assert "Site" in schemas and "asset_tag" in schemas["AssetFields"]["properties"]


def test_interactive_docs_page_is_served(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert b"swagger" in response.data.lower()


def test_a_body_over_the_size_limit_is_413(client, auth_headers):
    response = client.post("/api/v1/sites", data=b'{"name": "' + b"x" * (3 * 1024 * 1024) + b'"}',
                           content_type="application/json", headers=auth_headers)
    assert response.status_code == 413
    assert error_of(response)["code"] == "payload_too_large"


def test_an_unreachable_database_is_503_not_500(tmp_path):
    from shopdb.testing import make_app

    app = make_app("postgresql+psycopg://nobody@127.0.0.1:1/nothing")
    client = app.test_client()  # finding the caller's token already needs the database
    response = client.get("/api/v1/assets", headers={"Authorization": "Bearer shdb_any"})
    assert response.status_code == 503
    assert error_of(response)["code"] == "database_unavailable"
    health = client.get("/api/v1/health")
    assert health.status_code == 503 and health.get_json()["data"]["database"] == "unreachable"
