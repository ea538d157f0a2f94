"""Every ``pattern`` the served OpenAPI states is one a client's tooling can use: a plain regular expression
with no lookaround. A lookahead such as ``(?=.{1,253}$)`` says what ``maxLength`` says already, and test
generators (schemathesis, hypothesis) cannot build strings for it: they drop almost every candidate and
give up on the operation ("filter too much"), so its logic goes untested by every integrator's fuzzing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

LOOKAROUND = re.compile(r"\(\?<?[=!]")


def patterns(node: Any, where: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                yield where, value
            else:
                yield from patterns(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from patterns(value, f"{where}/{index}")


def test_no_pattern_in_the_openapi_needs_a_lookaround(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    found = list(patterns(spec))
    assert any("hostname" in where for where, _ in found)  # the check reads the real document
    offending = [(where, pattern) for where, pattern in found if LOOKAROUND.search(pattern)]
    assert not offending, offending


def test_a_hostname_of_253_characters_passes_and_one_more_is_refused(client, auth_headers, site):
    label = "a" * 63
    longest = ".".join([label, label, label, "b" * 61])  # 253 characters
    for hostname, status in ((longest, 201), (longest + "c", 422), ("-bad", 422), ("PC-07.plant.example", 201)):
        response = client.post("/api/v1/computers", headers=auth_headers, json={
            "asset_tag": f"PC-{len(hostname)}-{status}-{hostname[:2]}", "name": "PC", "site_id": site["id"],
            "hostname": hostname, "pc_type": "office"})
        assert response.status_code == status, (hostname, response.get_json())
