"""A client generated from the OpenAPI gets exactly the fields the document declares (docs/adr/0011).

Every answer is dumped once through the schema its ``@blp.response`` declares, so a field a view adds
without declaring it never leaves the server, and one the schema requires is always there. This test
holds that for every GET route of a plant with an asset of every type (demo data, a core-typed asset,
a relationship, an acknowledged notice, a stick checked out): it walks ``/api/v1/openapi.json``, fills
each path's ids from the collection before it, and compares the keys of every object in every answer,
nested ones included, with the properties and ``required`` list of the schema that describes it.

The fuzz (tests/test_api_fuzz.py) checks values against their types; JSON Schema lets extra keys
through, which is why this one compares keys.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest

from shopdb.core.schemas import SiteSchema

REF = "#/components/schemas/"
MAX_URLS_PER_ROUTE = 60
# Query parameters a route requires, with values that find something in the demo plant.
REQUIRED_QUERY = {"q": "a", "from": "1970-01-01", "to": (dt.date.today() + dt.timedelta(days=1)).isoformat()}
# Where a path parameter's values come from when the collection before it has no GET, and the key
# that names them in that collection's items when it is not the parameter's own name (or ``id``).
FALLBACK_COLLECTION = {"assetid": "/api/v1/assets"}
ITEM_KEY = {"set_name": "name"}


def seed_plant(app, client, headers: dict[str, str]) -> None:
    """Demo data of every plugin, plus the rows the demo leaves out: a core-typed asset related to
    another, and a notice the admin acknowledged."""
    result = app.test_cli_runner().invoke(args=["demo", "--assets", "40", "--seed", "11"])
    assert result.exit_code == 0, result.output
    site_id = client.get("/api/v1/sites", headers=headers).get_json()["data"][0]["id"]
    created = client.post("/api/v1/asset-types", json={"name": "fixture", "label": "Fixture"}, headers=headers)
    assert created.status_code == 201, created.get_json()
    jig = client.post("/api/v1/assets", json={"asset_type": "fixture", "asset_tag": "FIX-1", "name": "Jig",
                                              "site_id": site_id}, headers=headers)
    assert jig.status_code == 201, jig.get_json()
    machine = client.get("/api/v1/equipment", headers=headers).get_json()["data"][0]
    link = client.post(f"/api/v1/assets/{jig.get_json()['data']['assetid']}/relationships",
                       json={"kind": "feeds", "target_assetid": machine["assetid"]}, headers=headers)
    assert link.status_code == 201, link.get_json()
    notice = client.post("/api/v1/notifications", json={"title": "Hall A: crane inspection"}, headers=headers)
    assert notice.status_code == 201, notice.get_json()
    ack = client.post(f"/api/v1/notifications/{notice.get_json()['data']['id']}/ack", json={}, headers=headers)
    assert ack.status_code == 201, ack.get_json()


class Walker:
    """Compares answers with the document's schemas and notes which schemas met a real object."""

    def __init__(self, spec: dict[str, Any]):
        self.components = spec["components"]["schemas"]
        self.problems: list[str] = []
        self.met: set[str] = set()

    def reachable(self, schema: dict[str, Any], names: set[str] | None = None) -> set[str]:
        """The component schemas an answer of ``schema`` may contain."""
        names = set() if names is None else names
        if isinstance(schema, dict):
            ref = schema.get("$ref")
            if isinstance(ref, str) and ref.startswith(REF):
                name = ref.removeprefix(REF)
                if name not in names:
                    names.add(name)
                    self.reachable(self.components[name], names)
            for value in schema.values():
                self.reachable(value, names)
        elif isinstance(schema, list):
            for value in schema:
                self.reachable(value, names)
        return names

    def check(self, value: Any, schema: dict[str, Any], where: str) -> None:
        ref = schema.get("$ref")
        if ref:
            name = ref.removeprefix(REF)
            if value is not None:
                self.met.add(name)
            self.check(value, self.components[name], f"{where} ({name})")
            return
        if value is None:
            return
        for combined in ("allOf", "anyOf", "oneOf"):
            for part in schema.get(combined, []):
                self.check(value, part, where)
        if isinstance(value, dict) and "properties" in schema:
            properties = schema["properties"]
            extra = sorted(set(value) - set(properties))
            if extra:
                self.problems.append(f"{where}: sends {extra}, which its schema does not declare")
            # A write-only field (a password) is required in a request, never sent back.
            required = {name for name in schema.get("required", []) if not properties[name].get("writeOnly")}
            missing = sorted(required - set(value))
            if missing:
                self.problems.append(f"{where}: lacks {missing}, which its schema requires")
            for key, item in value.items():
                if key in properties:
                    self.check(item, properties[key], f"{where}.{key}")
        elif isinstance(value, dict) and isinstance(schema.get("additionalProperties"), dict):
            for key, item in value.items():
                self.check(item, schema["additionalProperties"], f"{where}[{key!r}]")
        elif isinstance(value, list) and isinstance(schema.get("items"), dict):
            for index, item in enumerate(value):
                self.check(item, schema["items"], f"{where}[{index}]")


def required_query(operation: dict[str, Any]) -> dict[str, str]:
    return {p["name"]: REQUIRED_QUERY[p["name"]] for p in operation.get("parameters", [])
            if p["in"] == "query" and p.get("required")}


def ids_in(client, headers: dict[str, str], spec: dict[str, Any], collection: str, key: str) -> list[Any]:
    """The ``key`` of every item the collection lists (its first 500)."""
    route = re.sub(r"/\d+(?=/|$)", "/{}", collection)
    operation = next((item["get"] for path, item in spec["paths"].items()
                      if re.sub(r"{\w+}", "{}", path) == route and "get" in item), {})
    response = client.get(collection, query_string={"per_page": 500, **required_query(operation)}, headers=headers)
    if response.status_code != 200:
        return []
    return [item.get(key, item.get("id")) for item in response.get_json()["data"]]


def concrete_urls(client, headers: dict[str, str], spec: dict[str, Any], path: str) -> Iterator[str]:
    """``path`` with its parameters filled, left to right, from the items of the collection before each."""
    match = re.search(r"{(\w+)}", path)
    if match is None:
        yield path
        return
    name = match.group(1)
    collection = path[:match.start()].rstrip("/")
    if "get" not in spec["paths"].get(collection, {}) and "{" not in collection:
        collection = FALLBACK_COLLECTION.get(name, collection)
    values = [v for v in ids_in(client, headers, spec, collection, ITEM_KEY.get(name, name)) if v is not None]
    count = 0
    for value in values:
        for url in concrete_urls(client, headers, spec, path.replace("{" + name + "}", str(value), 1)):
            yield url
            count += 1
            if count >= MAX_URLS_PER_ROUTE:
                return


def test_every_answer_carries_exactly_the_fields_its_openapi_schema_declares(app, client, auth_headers):
    seed_plant(app, client, auth_headers)
    spec = client.get("/api/v1/openapi.json", headers=auth_headers).get_json()
    walker = Walker(spec)
    expected: set[str] = set()
    answered: set[str] = set()
    files: set[str] = set()  # routes that answer a file (labels' PDF or ZPL): the fuzz checks their type
    for path, item in spec["paths"].items():
        operation = item.get("get")
        if operation is None:
            continue
        if "application/json" not in operation["responses"]["200"]["content"]:
            files.add(path)
            continue
        query = required_query(operation)
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
        expected |= walker.reachable(schema)
        for url in concrete_urls(client, auth_headers, spec, path):
            response = client.get(url, query_string=query, headers=auth_headers)
            if response.status_code != 200:
                continue  # e.g. next-free of a full subnet: a documented error, checked by the fuzz
            answered.add(path)
            walker.check(response.get_json(), schema, f"GET {url}")

    get_routes = {path for path, item in spec["paths"].items() if "get" in item} - files
    assert answered == get_routes, f"no 200 from {sorted(get_routes - answered)}: the plant lacks their rows"
    assert not walker.problems, "\n".join(walker.problems[:40])
    # Every schema an answer may hold met at least one real object, so none was skipped unseen.
    assert expected <= walker.met, f"never met in an answer: {sorted(expected - walker.met)}"


def test_a_time_already_dumped_to_text_is_refused_rather_than_formatted_twice():
    """The trap of dumping in the view and again in the response: the second dump must fail loudly."""
    stamp = dt.datetime(2026, 1, 2, 3, 4, 5, 678901)
    site = {"id": 1, "code": "P1", "name": "Plant 1", "timezone": "UTC", "version": 1,
            "created_at": stamp, "updated_at": stamp}
    dumped = SiteSchema().dump(site)
    assert dumped["created_at"] == "2026-01-02T03:04:05.678901Z"
    with pytest.raises(TypeError, match="adr/0011"):
        SiteSchema().dump(dumped)
