"""A client written from our OpenAPI alone never meets a 5xx, nor an answer outside that document.

Schemathesis generates requests for EVERY operation of ``/api/v1/openapi.json`` of a real app (every
bundled plugin enabled, a demo plant seeded so ids exist), as an admin:

- positive data that fills every documented field of every body (the document is rewritten so each
  writable property is required; ``version``, the optimistic lock, stays optional so updates can land),
  with ids (in paths and bodies) drawn from the seeded rows, real values for text the server reads
  for meaning (a time zone, an address) and the bundled slugs of a choice set (``x-choice-set``), so
  requests get past validation to the code behind it;
- negative data (wrong types, out-of-range values, missing fields...) on the document as published.

Checks: no 5xx, the status is documented, the content type is documented, the body matches the schema
declared for that status. Seeded (``derandomize``) and bounded (``SHOPDB_FUZZ_EXAMPLES`` per operation
and mode); deletes run last so the other operations meet the seeded rows. On SQLite always, on
MariaDB/PostgreSQL when ``SHOPDB_TEST_MYSQL_URL`` / ``SHOPDB_TEST_POSTGRES_URL`` are set.
"""

from __future__ import annotations

import copy
import os
import re
from collections import Counter
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from shopdb.testing import admin_client, token_for

EXAMPLES = int(os.environ.get("SHOPDB_FUZZ_EXAMPLES", "10"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
NOT_FILLED = {"version"}  # a random lock version is a stale one: with it every update would be a 409
REF = "#/components/schemas/"
# Where the ids a field or path parameter names live: (list endpoint, key). The rows are the seeded plant.
REFERENCES = {
    "site_id": ("/api/v1/sites", "id"), "site_ids": ("/api/v1/sites", "id"),
    "location_id": ("/api/v1/locations", "id"), "parent_id": ("/api/v1/locations", "id"),
    "type_id": ("/api/v1/asset-types", "id"), "subnet_id": ("/api/v1/network/subnets", "id"),
    "ip_id": ("/api/v1/network/ip-addresses", "id"), "interface_id": ("/api/v1/network/interfaces", "id"),
    "notification_id": ("/api/v1/notifications", "id"),
    "assetid": ("/api/v1/assets", "assetid"), "target_assetid": ("/api/v1/assets", "assetid"),
    "machine_assetid": ("/api/v1/assets", "assetid"), "connected_assetid": ("/api/v1/assets", "assetid"),
    "equipment_assetid": ("/api/v1/equipment", "assetid"), "computer_assetid": ("/api/v1/computers", "assetid"),
    "device_assetid": ("/api/v1/network/devices", "assetid"),
}
# Text the schema types as a string but the server reads for meaning (a zone, an address...): real values.
MEANINGFUL = {
    "timezone": ["UTC", "Europe/Berlin", "America/Chicago", "Asia/Shanghai"],
    "asset_type": ["fixture"],
    "mac_address": ["00:1A:2B:3C:4D:5E", "00-1a-2b-3c-4d-6f", "001a.2b3c.4d70"],
    "primary_ip": ["10.1.20.31", "10.1.20.32", "fd00::12"], "ip_address": ["10.1.30.5", "10.1.30.6"],
    "mgmt_ip": ["10.1.0.2", "10.1.0.3"], "address": ["10.1.20.40", "10.1.20.41", "10.9.0.7"],
    "cidr": ["10.77.0.0/24", "10.78.0.0/23", "fd00:77::/64"],
    "vendor_id": ["0781", "0x0951"], "product_id": ["5567", "0x1666"],
    "sha256": ["9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"],
    "performed_on": ["2024-03-01", "2025-11-30"],
    "starts_at": ["2026-01-01T06:00:00Z", "2026-03-01T08:30:00+01:00"], "ends_at": [None, "2030-01-01T00:00:00Z"],
    "last_seen_at": ["2026-05-01T10:00:00+02:00", None], "warranty_end": ["2028-12-31", None],
}


def known_ids(client, headers: dict[str, str], spec: dict[str, Any]) -> dict[str, list[int]]:
    """The ids each list endpoint holds now: those ``REFERENCES`` names, and every collection a path
    parameter follows (``/api/v1/printers`` for ``/api/v1/printers/{assetid}``)."""
    sources = set(REFERENCES.values())
    for path in spec["paths"]:
        for name in re.findall(r"{(\w+)}", path):
            collection = path.split("/{" + name + "}")[0]
            if "{" not in collection and "get" in spec["paths"].get(collection, {}):
                sources.add((collection, name))
    found: dict[str, list[int]] = {}
    for path, key in sorted(sources):
        response = client.get(path, query_string={"per_page": 500}, headers=headers)
        if response.status_code == 200:  # else a plugin that is not loaded
            items = response.get_json()["data"]
            found[path] = sorted({item.get(key, item.get("id")) for item in items} - {None})
    return found


def fill_every_field(spec: dict[str, Any], ids: dict[str, list[int]]) -> dict[str, Any]:
    """The document with every writable property of every request body required (nested ones too),
    ids drawn from the seeded rows and meaningful text from real values. Responses keep their schemas."""
    spec = copy.deepcopy(spec)
    components = spec["components"]["schemas"]
    copies: dict[str, str] = {}

    def ids_for(name: str, collection: str | None = None) -> list[int] | None:
        if collection in ids:
            return ids[collection]
        reference = REFERENCES.get(name)
        return ids.get(reference[0]) if reference else None

    def realistic(name: str, prop: dict[str, Any]) -> None:
        target = prop["items"] if prop.get("type") == "array" and "items" in prop else prop
        values: list[Any] | None = None
        if target.get("type") == "integer":
            values = ids_for(name)
        elif name in MEANINGFUL and "$ref" not in target:
            values = MEANINGFUL[name]
        elif "x-choice-set" in target:  # an open vocabulary: its bundled slugs are always in the set
            values = target.get("x-choice-examples")
        if values:
            for key in ("minimum", "maximum", "pattern", "format", "minLength", "maxLength"):
                target.pop(key, None)
            target["enum"] = [*values, *([None] if target.get("nullable") and None not in values else [])]

    def require_all(schema: dict[str, Any]) -> None:
        properties = schema.get("properties", {})
        for name, prop in properties.items():
            if not prop.get("readOnly"):
                realistic(name, prop)
        writable = {name for name, prop in properties.items() if not prop.get("readOnly")} - NOT_FILLED
        if writable:
            schema["required"] = sorted(set(schema.get("required", [])) | writable)

    def filled(name: str) -> str:
        if name not in copies:
            copies[name] = f"{name}AllFields"
            schema = copy.deepcopy(components[name])
            components[copies[name]] = schema
            require_all(schema)
            redirect(schema)
        return copies[name]

    def redirect(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith(REF):
                node["$ref"] = REF + filled(ref.removeprefix(REF))
            elif "properties" in node:
                require_all(node)
            for value in node.values():
                redirect(value)
        elif isinstance(node, list):
            for value in node:
                redirect(value)

    for path, path_item in spec["paths"].items():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            if "requestBody" in operation:
                redirect(operation["requestBody"])
            for parameter in operation.get("parameters", []) + path_item.get("parameters", []):
                if parameter.get("in") != "path" or parameter.get("schema", {}).get("type") != "integer":
                    continue
                # /api/v1/computers/{assetid}: the ids the collection before the parameter lists.
                collection = path.split("/{" + parameter["name"] + "}")[0]
                values = ids_for(parameter["name"], collection)
                if values:
                    parameter["schema"] = {"type": "integer", "enum": values}
    return spec


def seed_plant(app, client, headers: dict[str, str]) -> None:
    """A demo plant of every plugin type (sites, locations, assets, subnets, custody...) and a core type."""
    result = app.test_cli_runner().invoke(args=["demo", "--assets", "120", "--seed", "7"])
    assert result.exit_code == 0, result.output
    response = client.post("/api/v1/asset-types", json={"name": "fixture", "label": "Fixture"}, headers=headers)
    assert response.status_code == 201, response.get_json()


def delete_last(operation: Any) -> tuple[int, str]:
    return (operation.method.upper() == "DELETE", operation.label)


def fuzz(operation: Any, mode: GenerationMode, headers: dict[str, str], statuses: Counter) -> None:
    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
              report_multiple_bugs=False)
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        response = case.call(headers=headers)
        statuses[response.status_code // 100] += 1
        case.validate_response(response, checks=CHECKS, headers=headers)

    run()


def test_every_operation_answers_inside_its_openapi(migrated_app):
    client = admin_client(migrated_app)
    headers = {"Authorization": f"Bearer {token_for(client)}"}
    seed_plant(migrated_app, client, headers)
    published = client.get("/api/v1/openapi.json").get_json()
    documents = {GenerationMode.POSITIVE: fill_every_field(published, known_ids(client, headers, published)),
                 GenerationMode.NEGATIVE: published}
    schemas = {}
    for mode, document in documents.items():
        schemas[mode] = schemathesis.openapi.from_dict(document)
        schemas[mode].app = migrated_app

    failures: list[str] = []
    operations = []
    for result in schemas[GenerationMode.POSITIVE].get_all_operations():
        try:
            operations.append(result.ok())
        except Exception as exc:  # an operation schemathesis cannot read is a broken document
            failures.append(f"unreadable operation: {exc}")
    declared = sum(1 for item in published["paths"].values() for method in item if method != "parameters")
    assert len(operations) + len(failures) == declared, "every operation of the document is fuzzed"

    statuses: Counter = Counter()
    for operation in sorted(operations, key=delete_last):
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            target = schemas[mode][operation.path][operation.method.upper()]
            try:
                fuzz(target, mode, headers, statuses)
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE, operation.label  # nothing to get wrong: no input
            except (Exception, BaseExceptionGroup) as exc:  # a report for every failing operation, not the first
                failures.append(f"{operation.label} ({mode.value}): {str(exc).strip()[:1500]}")
    assert not failures, f"{len(failures)} operation(s) answered outside the OpenAPI:\n\n" + "\n\n".join(failures)
    # The positive data reached the code behind validation, not only the 4xx paths.
    assert statuses[2] > len(operations), statuses


# Writes a viewer may make: their own session, tokens and password, and acknowledging a notice.
VIEWER_MAY_WRITE = {
    ("POST", "/api/v1/auth/tokens"), ("POST", "/api/v1/auth/login"), ("POST", "/api/v1/auth/logout"),
    ("POST", "/api/v1/auth/password"), ("DELETE", "/api/v1/auth/tokens/{token_id}"),
    ("POST", "/api/v1/notifications/{notification_id}/ack"),
}
ROLE_EXAMPLES = max(2, EXAMPLES // 4)


def fuzz_as(operation: Any, headers: dict[str, str], expected: set[int] | None) -> None:
    """Positive data for ``operation`` sent with ``headers``: never a 5xx, always a status in ``expected``."""
    @settings(max_examples=ROLE_EXAMPLES, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
              report_multiple_bugs=False)
    @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
    def run(case):
        response = case.call(headers=headers)
        assert response.status_code < 500, response.text[:500]
        if expected is not None:
            assert response.status_code in expected, (response.status_code, response.text[:300])
        case.validate_response(response, checks=CHECKS, headers=headers)

    run()


def _public(operation: Any) -> bool:
    return operation.definition.raw.get("security") == []


def test_strangers_get_401_and_viewers_never_write_from_every_operation(app):
    """The fuzz as every role (issue 11): no token → 401 on every protected operation; a viewer's token →
    every write 403 (except their own session, tokens, password and acknowledgements); never a 5xx."""
    client = admin_client(app)
    headers = {"Authorization": f"Bearer {token_for(client)}"}
    seed_plant(app, client, headers)
    created = client.post("/api/v1/users", json={"username": "vicky", "password": "A-long-password-1",
                                                  "role": "viewer", "site_ids": []}, headers=headers)
    assert created.status_code == 201, created.get_json()
    viewer = {"Authorization": f"Bearer {token_for(client, 'vicky', 'A-long-password-1')}"}
    published = client.get("/api/v1/openapi.json").get_json()
    schema = schemathesis.openapi.from_dict(fill_every_field(published, known_ids(client, headers, published)))
    schema.app = app

    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        method, path = operation.method.upper(), operation.path
        for role, role_headers in (("stranger", {}), ("viewer", viewer)):
            if _public(operation):
                expected = None  # answers anyone; only "no 5xx" holds
            elif role == "stranger":
                expected = {401}
            elif method in {"GET", "HEAD"} or (method, path) in VIEWER_MAY_WRITE:
                expected = None
            else:
                expected = {403}

            try:
                fuzz_as(operation, role_headers, expected)
            except (Exception, BaseExceptionGroup) as exc:
                failures.append(f"{role} {operation.label}: {str(exc).strip()[:800]}")
    assert not failures, f"{len(failures)} operation(s) let the wrong caller in or failed:\n\n" + "\n\n".join(failures)
