"""SPEC §8 as a sweep over the whole OpenAPI document: no bad input ever gets a 500.

Every operation is called on a small demo plant with malformed JSON, an empty object, every integer
field set to 10**20 and every string field set to 10,000 characters, and every id in the path set
past the largest INTEGER. Each must answer 4xx in the one error format.
"""

from __future__ import annotations

import re

import pytest

from shopdb.testing import admin_client, token_for

HUGE = 10**20


@pytest.fixture
def plant(migrated_app):
    """A small demo plant on each database (the 500s hide in dialect differences)."""
    result = migrated_app.test_cli_runner().invoke(args=["demo", "--assets", "60"])
    assert result.exit_code == 0, result.output
    return migrated_app


def _operations(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "post", "patch", "put", "delete"):
                continue
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if body and "$ref" in body:
                body = schemas[body["$ref"].rsplit("/", 1)[1]]
            yield path, method, body


def _garbage(schema: dict, kind: str) -> dict:
    out = {}
    for name, prop in (schema or {}).get("properties", {}).items():
        if prop.get("readOnly"):
            continue
        if kind == "int" and prop.get("type") == "integer":
            out[name] = HUGE
        if kind == "str" and prop.get("type") == "string" and not prop.get("format"):
            out[name] = "x" * 10_000
    return out


def _check(response, label):
    assert response.status_code < 500, (label, response.status_code, response.get_json())
    if response.status_code >= 400:
        body = response.get_json()
        assert body and set(body["error"]) >= {"code", "message", "details"}, (label, body)


def test_no_operation_answers_bad_input_with_a_500(plant):
    client = admin_client(plant)
    auth_headers = {"Authorization": f"Bearer {token_for(client)}"}
    checked = 0
    for path, method, schema in _operations(client):
        url = re.sub(r"\{[^}]+\}", "1", path)
        call = getattr(client, method)
        if method in ("post", "patch", "put"):
            _check(call(url, data="{oops", content_type="application/json", headers=auth_headers), (url, "json"))
            _check(call(url, json={}, headers=auth_headers), (url, "empty"))
            _check(call(url, json=["not", "an", "object"], headers=auth_headers), (url, "list"))
            for kind in ("int", "str"):
                garbage = _garbage(schema, kind)
                if garbage:
                    response = call(url, json=garbage, headers=auth_headers)
                    _check(response, (url, kind))
                    assert response.status_code >= 400, (url, kind, response.get_json())
        if "{" in path:
            huge = re.sub(r"\{[^}]+\}", str(HUGE), path)
            extra = {} if method == "get" else {"json": {}}
            response = call(huge, headers=auth_headers, **extra)
            _check(response, (huge, method))
            assert response.status_code in (400, 404, 405, 422), (huge, response.status_code)
        checked += 1
    assert checked > 60, checked  # the core and all six plugins were swept


@pytest.mark.parametrize("query", ["page=99999999999999999999", "per_page=99999999999999999999",
                                   "site_id=99999999999999999999", "q=" + "x" * 10_000, "sort=" + "x" * 5000])
def test_list_queries_out_of_range_are_400(client, query):
    for url in ("/api/v1/assets", "/api/v1/computers", "/api/v1/network/subnets", "/api/v1/usb/checkouts"):
        response = client.get(f"{url}?{query}")
        _check(response, (url, query))
        assert response.status_code == 400, (url, query, response.status_code)


@pytest.mark.parametrize("query", ["", "q=", "q=a&limit=-5", "q=a&limit=0", "q=a&limit=101", "q=a&limit=x"])
def test_search_refuses_a_missing_query_and_bad_limits(client, query):
    response = client.get(f"/api/v1/search?{query}")
    _check(response, query)
    assert response.status_code == 400, (query, response.status_code)
