"""Issue 13 item 4, docs/adr/0026: a list sorted by a text column orders it as a spreadsheet does, whatever
the case a plant typed — on SQLite, MariaDB and PostgreSQL alike, page by page and by cursor."""

from __future__ import annotations

from shopdb.testing import admin_client

from helpers import make_asset

TAGS = ["b-2", "A-1", "Z-9", "a-3", "B-1", "m-10"]
NAMES = {"b-2": "press", "A-1": "Lathe", "Z-9": "drill", "a-3": "Welder", "B-1": "Conveyor", "m-10": "anvil"}


def _rows(client, url: str) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["data"]


def _walk(client, url: str) -> list[dict]:
    """Every row of ``url`` two at a time, following ``meta.next``."""
    rows, after = [], ""
    for _ in range(50):
        body = client.get(f"{url}&per_page=2{after}").get_json()
        rows += body["data"]
        if body["meta"]["next"] is None:
            return rows
        after = f"&after={body['meta']['next']}"
    raise AssertionError("the walk never ended")


def _plant(client) -> tuple[int, int]:
    north, south = (client.post("/api/v1/sites", json={"code": c, "name": c}).get_json()["data"]["id"]
                    for c in ("north", "south"))
    for tag in TAGS:
        make_asset(client, None, north, tag, name=NAMES[tag])
    make_asset(client, None, south, "a-1", name="lathe")  # the same tag and name as north's, another case
    return north, south


def test_assets_sorted_by_tag_and_name_ignore_case_on_every_database(migrated_app):
    client = admin_client(migrated_app)
    _plant(client)
    by_tag = [a["asset_tag"] for a in _rows(client, "/api/v1/assets?sort=asset_tag&per_page=50")]
    assert [t.casefold() for t in by_tag] == ["a-1", "a-1", "a-3", "b-1", "b-2", "m-10", "z-9"]
    descending = [a["asset_tag"] for a in _rows(client, "/api/v1/assets?sort=-asset_tag&per_page=50")]
    assert [t.casefold() for t in descending] == ["z-9", "m-10", "b-2", "b-1", "a-3", "a-1", "a-1"]
    by_name = [a["name"] for a in _rows(client, "/api/v1/assets?sort=name&per_page=50")]
    # Names equal but for case follow the tiebreak, the asset id: north's Lathe was saved first.
    assert by_name == ["anvil", "Conveyor", "drill", "Lathe", "lathe", "press", "Welder"]


def test_tags_equal_but_for_case_keep_one_order_across_pages_and_cursors(migrated_app):
    client = admin_client(migrated_app)
    _plant(client)
    for sort in ("asset_tag", "-asset_tag", "name", "-name", "name,-asset_tag"):
        url = f"/api/v1/assets?sort={sort}"
        expected = [a["assetid"] for a in _rows(client, f"{url}&per_page=50")]
        assert [a["assetid"] for a in _walk(client, url)] == expected, sort
        paged = [a["assetid"] for page in (1, 2, 3, 4) for a in _rows(client, f"{url}&per_page=2&page={page}")]
        assert paged == expected, sort
        assert len(set(expected)) == 7


def test_an_exact_tag_filter_still_finds_the_tag_as_typed(migrated_app):
    client = admin_client(migrated_app)
    north, _south = _plant(client)
    found = _rows(client, f"/api/v1/assets?asset_tag=A-1&site_id={north}")
    assert [a["asset_tag"] for a in found] == ["A-1"]
    both = {a["asset_tag"] for a in _rows(client, "/api/v1/assets?asset_tag=A-1,a-1")}
    assert both == {"A-1", "a-1"}
    assert _rows(client, "/api/v1/assets?name=Welder")[0]["asset_tag"] == "a-3"


def test_a_plugin_list_sorts_its_own_text_columns_without_regard_to_case(migrated_app):
    client = admin_client(migrated_app)
    site = client.post("/api/v1/sites", json={"code": "P1", "name": "Plant 1"}).get_json()["data"]["id"]
    systems = ["windows 11", "Debian 12", "Windows 10", "debian 11", None]
    for i, os_name in enumerate(systems):
        response = client.post("/api/v1/computers", json={
            "asset_tag": f"PC-{i}", "name": f"PC {i}", "site_id": site, "hostname": f"p1-pc-{i}",
            "pc_type": "office", "os_name": os_name})
        assert response.status_code == 201, response.get_json()
    url = "/api/v1/computers?sort=os_name"
    listed = [c["os_name"] for c in _rows(client, f"{url}&per_page=50")]
    assert listed == [None, "debian 11", "Debian 12", "Windows 10", "windows 11"]
    assert [c["os_name"] for c in _walk(client, url)] == listed
    descending = [c["os_name"] for c in _walk(client, "/api/v1/computers?sort=-os_name")]
    assert descending == list(reversed(listed))
