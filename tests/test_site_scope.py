"""A user limited to one site finds nothing of another site, by any endpoint (issue 11, ADR 0017).

The tests walk the served OpenAPI rather than a list of known routes, so an endpoint a plugin adds
tomorrow is held to the same rule without anyone remembering to test it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from shopdb.core.models import Asset, Site
from shopdb.core.models.scope import UndeclaredScope, rule_for
from shopdb.extensions import db
from shopdb.testing import admin_client, token_for

PARAM = re.compile(r"\{([^}]+)\}")
# Rows that belong to no site: every reader sees them (asset types, vocabularies).
PLANT_WIDE_PARAMS = {"type_id", "set_name", "slug"}


def _asset_ids(value: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    """Every (key, value) in a JSON document whose key names a site or an asset."""
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, dict | list):
                yield from _asset_ids(v, k)
            elif k == "site_id" or k.endswith("assetid"):
                yield k, v
    elif isinstance(value, list):
        for item in value:
            yield from _asset_ids(item, key)


@pytest.fixture
def plant(migrated_app):
    """The demo plant (three sites, every plugin) and a viewer limited to its first site."""
    result = migrated_app.test_cli_runner().invoke(args=["demo", "--assets", "150"])
    assert result.exit_code == 0, result.output
    client = admin_client(migrated_app)
    with migrated_app.app_context():
        sites = db.session.execute(select(Site).order_by(Site.id)).scalars().all()
        mine = sites[0].id
        owner = dict(db.session.execute(select(Asset.assetid, Asset.site_id)).all())
    created = client.post("/api/v1/users", json={"username": "p1viewer", "password": "A-long-password-1",
                                                  "role": "viewer", "site_ids": [mine]})
    assert created.status_code == 201, created.get_json()
    viewer = {"Authorization": f"Bearer {token_for(client, 'p1viewer', 'A-long-password-1')}"}
    paths = migrated_app.extensions["shopdb.api"].spec.to_dict()["paths"]
    return {"client": client, "viewer": viewer, "mine": mine, "owner": owner, "paths": paths,
            "others": [s.id for s in sites[1:]]}


def _every_page(client, path: str, headers: dict | None = None) -> tuple[list[dict], dict]:
    items, page, meta = [], 1, {}
    while True:
        response = client.get(path, query_string={"per_page": 500, "page": page}, headers=headers)
        assert response.status_code == 200, (path, response.get_json())
        body = response.get_json()
        data = body["data"]
        items.extend(data if isinstance(data, list) else [data])
        meta = body.get("meta") or {}
        if not meta or page >= meta.get("pages", 1):
            return items, meta
        page += 1


def _foreign(item: dict, plant: dict) -> bool:
    """Whether an object the admin sees belongs to a site other than the viewer's."""
    site_id = item.get("site_id")
    if site_id is not None:
        return site_id != plant["mine"]
    assetid = item.get("assetid") or item.get("device_assetid")
    return assetid is not None and plant["owner"].get(assetid) != plant["mine"]


def test_every_list_shows_a_site_limited_viewer_only_their_sites_rows(plant):
    client, viewer, mine, owner = plant["client"], plant["viewer"], plant["mine"], plant["owner"]
    checked = []
    for path, operations in plant["paths"].items():
        if "get" not in operations or PARAM.search(path) or not operations["get"].get("security", [{}]):
            continue
        if path.endswith(("/auth/me", "/users")):
            continue
        response = client.get(path, headers=viewer)
        if response.status_code in (400, 403):  # needs a parameter (search: tested below); admin-only
            continue
        seen, meta = _every_page(client, path, viewer)
        for key, value in _asset_ids(seen):
            if value is None:
                continue
            if key == "site_id":
                assert value == mine, (path, key, value)
            else:
                assert owner.get(value) == mine, (path, key, value)
        if meta:
            assert meta["total"] == len(seen), path
        checked.append(path)
    assert "/api/v1/assets" in checked and "/api/v1/usb/checkouts" in checked and len(checked) >= 15, checked
    everything, _ = _every_page(client, "/api/v1/assets")
    mine_only, _ = _every_page(client, "/api/v1/assets", viewer)
    assert 0 < len(mine_only) < len(everything)
    assert len(mine_only) == sum(1 for site_id in owner.values() if site_id == mine)


def _foreign_ids(client, list_path: str, plant: dict, nested: bool) -> list[Any]:
    """Up to three ids of another site's objects from the admin's view of ``list_path``."""
    response = client.get(list_path, query_string={"per_page": 500})
    if response.status_code != 200 or not isinstance(response.get_json()["data"], list):
        return []
    items = response.get_json()["data"]
    picked = [i for i in items if nested or _foreign(i, plant)]
    ids = [i.get("id", i.get("assetid")) for i in picked]
    return [i for i in ids if i is not None][:3]


def test_another_sites_objects_are_not_found_by_a_site_limited_viewer(plant):
    client, viewer = plant["client"], plant["viewer"]
    foreign_assets: dict[str, int] = {}
    for item in _every_page(client, "/api/v1/assets")[0]:
        if plant["owner"][item["assetid"]] != plant["mine"]:
            foreign_assets.setdefault(item["asset_type"], item["assetid"])
    tried = 0
    for template, operations in plant["paths"].items():
        params = PARAM.findall(template)
        if "get" not in operations or not params or PLANT_WIDE_PARAMS & set(params):
            continue
        for path in _fill(client, template, plant, foreign_assets):
            admin_sees = client.get(path)
            if admin_sees.status_code != 200:
                continue
            response = client.get(path, headers=viewer)
            assert response.status_code == 404, (path, response.status_code, response.get_json())
            tried += 1
    assert tried >= 20


def _fill(client, template: str, plant: dict, foreign_assets: dict[str, int]) -> list[str]:
    """Concrete paths for ``template`` whose objects belong to another site.

    The first parameter picks another site's objects; any later one lists that object's children
    (a foreign machine's maintenance records), which belong to the same other site.
    """
    paths = [template]
    for position, name in enumerate(PARAM.findall(template)):
        filled = []
        for path in paths:
            head = path[: path.index("{" + name + "}")].rstrip("/")
            if name == "assetid":
                values = list(foreign_assets.values())
            elif name == "site_id":
                values = plant["others"]
            else:
                values = _foreign_ids(client, head, plant, nested=position > 0)
            filled += [path.replace("{" + name + "}", str(v), 1) for v in values]
        paths = filled
    return paths


def test_search_and_history_show_nothing_of_another_site(plant):
    client, viewer = plant["client"], plant["viewer"]
    other_asset = next(a for a, s in plant["owner"].items() if s != plant["mine"])
    tag = client.get(f"/api/v1/assets/{other_asset}").get_json()["data"]["asset_tag"]
    assert client.get("/api/v1/search", query_string={"q": tag}).get_json()["meta"]["total"] >= 1
    assert client.get("/api/v1/search", query_string={"q": tag}, headers=viewer).get_json()["meta"]["total"] == 0
    assert client.get("/api/v1/assets", query_string={"q": tag}, headers=viewer).get_json()["data"] == []
    assert client.get(f"/api/v1/assets/{other_asset}/history", headers=viewer).status_code == 404


def test_every_table_says_which_sites_see_its_rows(app):
    """A table with no site_id/assetid must declare ``__site_scope__`` — or site limits would skip it."""
    undeclared = []
    for mapper in db.Model.registry.mappers:
        try:
            rule_for(mapper.class_)
        except UndeclaredScope as missing:
            undeclared.append(str(missing))
    assert not undeclared, undeclared
