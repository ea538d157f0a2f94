"""Pages by cursor (issue 12, docs/adr/0019): ``?after=<meta.next>`` walks a list at the cost of its first
page, every row once, in the order the page numbers give, on SQLite, MariaDB and PostgreSQL."""

from __future__ import annotations

import pytest

from shopdb.testing import admin_client, token_for

from helpers import error_of, make_asset

SORTS = ["asset_tag", "-asset_tag", "name", "-name", "manufacturer", "-manufacturer", "status,-name",
         "-updated_at", "asset_type,name"]


def _walk(client, url: str, headers: dict | None = None, per_page: int = 4, after: str | None = None) -> list[dict]:
    """Every row of ``url`` (after the cursor ``after``) by following ``meta.next``; fails on a loop."""
    rows = []
    for _ in range(200):
        cursor = f"&after={after}" if after else ""
        response = client.get(f"{url}&per_page={per_page}{cursor}", headers=headers)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        rows += body["data"]
        assert len(body["data"]) <= per_page
        after = body["meta"]["next"]
        if after is None:
            return rows
        assert body["meta"]["page"] is None or not cursor
    raise AssertionError("the walk never ended")


def _all_at_once(client, url: str, headers: dict | None = None) -> list[dict]:
    response = client.get(f"{url}&per_page=500", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["data"]


def _plant(client, site_id: int, other_site_id: int) -> None:
    """22 assets with repeated names, makers missing on some (NULL) and three statuses, over two sites."""
    for i in range(22):
        fields = {"name": f"Press {i % 5}", "status": ("active", "in_repair", "retired")[i % 3]}
        if i % 4:
            fields["manufacturer"] = ("Arburg", "Engel", "Haas")[i % 3]
        make_asset(client, None, other_site_id if i % 6 == 5 else site_id, f"P-{(i * 7) % 22:02d}", **fields)


def test_walking_assets_by_cursor_meets_every_asset_once_in_every_order(migrated_app):
    client = admin_client(migrated_app)
    sites = [client.post("/api/v1/sites", json={"code": code, "name": code}).get_json()["data"]["id"]
             for code in ("north", "south")]
    _plant(client, *sites)
    for sort in SORTS:
        for filters in ("", "&status=active", "&q=press 1", f"&site_id={sites[0]}&status=retired,active"):
            url = f"/api/v1/assets?sort={sort}{filters}"
            expected = [a["assetid"] for a in _all_at_once(client, url)]
            assert [a["assetid"] for a in _walk(client, url)] == expected, url
            assert expected or filters
    makers = [a["manufacturer"] for a in _all_at_once(client, "/api/v1/assets?sort=manufacturer")]
    assert makers[:6] == [None] * 6 and None not in makers[6:]  # NULLs first ascending, on every database
    makers = [a["manufacturer"] for a in _all_at_once(client, "/api/v1/assets?sort=-manufacturer")]
    assert makers[-6:] == [None] * 6 and None not in makers[:-6]


def test_rows_added_or_removed_between_pages_do_not_make_the_walk_skip_or_repeat_others(client, auth_headers,
                                                                                       site):
    for i in range(10):
        make_asset(client, auth_headers, site["id"], f"T-{i * 2:02d}")  # T-00, T-02, ... T-18
    first = client.get("/api/v1/assets?per_page=4", headers=auth_headers).get_json()
    assert [a["asset_tag"] for a in first["data"]] == ["T-00", "T-02", "T-04", "T-06"]
    # Meanwhile: the last row seen and one not yet seen go, one lands before the cursor, one after it.
    gone = first["data"][-1]
    assert client.delete(f"/api/v1/assets/{gone['assetid']}", headers=auth_headers).status_code == 204
    t10 = next(a for a in _all_at_once(client, "/api/v1/assets?", auth_headers) if a["asset_tag"] == "T-10")
    assert client.delete(f"/api/v1/assets/{t10['assetid']}", headers=auth_headers).status_code == 204
    make_asset(client, auth_headers, site["id"], "T-01")
    make_asset(client, auth_headers, site["id"], "T-07")
    rest = _walk(client, "/api/v1/assets?", auth_headers, after=first["meta"]["next"])
    assert [a["asset_tag"] for a in rest] == ["T-07", "T-08", "T-12", "T-14", "T-16", "T-18"]


@pytest.mark.parametrize("cursor", ["garbage", "", "eyJ4Ijo.1}", "a" * 3000])
def test_a_cursor_the_server_did_not_give_out_is_refused(client, auth_headers, site, cursor):
    make_asset(client, auth_headers, site["id"], "C-1")
    response = client.get(f"/api/v1/assets?after={cursor}", headers=auth_headers)
    if cursor == "":
        assert response.status_code == 200  # an empty ``after`` is the first page
        return
    assert response.status_code == 400
    assert error_of(response)["code"] == "bad_request"


def test_a_cursor_edited_by_hand_or_taken_in_another_order_is_refused(client, auth_headers, site):
    for tag in ("C-1", "C-2", "C-3"):
        make_asset(client, auth_headers, site["id"], tag)
    cursor = client.get("/api/v1/assets?per_page=1", headers=auth_headers).get_json()["meta"]["next"]
    payload, _, signature = cursor.rpartition(".")
    forged = f"{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    for url in (f"/api/v1/assets?after={forged}", f"/api/v1/assets?after={cursor}&sort=-asset_tag",
                f"/api/v1/assets?after={cursor}&sort=name", f"/api/v1/sites?after={cursor}"):
        response = client.get(url, headers=auth_headers)
        assert response.status_code == 400, url
        assert "after" in error_of(response)["details"]["fields"], url
    response = client.get(f"/api/v1/assets?after={cursor}&page=2", headers=auth_headers)
    assert response.status_code == 400
    assert error_of(response)["details"]["fields"]["after"]


def test_next_is_null_on_the_last_page_and_given_on_numbered_pages_too(client, auth_headers, site):
    for tag in ("N-1", "N-2", "N-3"):
        make_asset(client, auth_headers, site["id"], tag)
    meta = client.get("/api/v1/assets?per_page=2&page=1", headers=auth_headers).get_json()["meta"]
    assert meta["page"] == 1 and meta["next"] and meta["total"] == 3 and meta["total_is_exact"] is True
    last = client.get(f"/api/v1/assets?per_page=2&after={meta['next']}", headers=auth_headers).get_json()
    assert [a["asset_tag"] for a in last["data"]] == ["N-3"]
    assert last["meta"]["next"] is None and last["meta"]["page"] is None and last["meta"]["total"] == 3
    exact = client.get("/api/v1/assets?per_page=3", headers=auth_headers).get_json()["meta"]
    assert exact["next"] is None


def test_a_total_beyond_the_cap_says_it_is_not_exact(app, client, auth_headers, site):
    for i in range(7):
        make_asset(client, auth_headers, site["id"], f"K-{i}")
    app.config["SHOPDB_COUNT_CAP"] = 4
    meta = client.get("/api/v1/assets?per_page=2", headers=auth_headers).get_json()["meta"]
    assert meta["total"] == 4 and meta["total_is_exact"] is False and meta["pages"] == 2
    deep = client.get("/api/v1/assets?per_page=2&page=3", headers=auth_headers).get_json()["meta"]
    assert deep["total"] == 7 and deep["pages"] == 4 and deep["total_is_exact"] is False  # seen to exist
    app.config["SHOPDB_COUNT_CAP"] = 7
    meta = client.get("/api/v1/assets?per_page=2", headers=auth_headers).get_json()["meta"]
    assert meta["total"] == 7 and meta["total_is_exact"] is True


def test_other_lists_walk_by_cursor_too(client, auth_headers, site, other_site):
    for i in range(9):
        make_asset(client, auth_headers, site["id"] if i % 2 else other_site["id"], f"L-{i}")
    for url in ("/api/v1/sites?", "/api/v1/audit?", "/api/v1/audit?sort=action", "/api/v1/locations?",
                "/api/v1/asset-types?sort=-name", "/api/v1/printers?", "/api/v1/assets/3/history?"):
        expected = _all_at_once(client, url, auth_headers)
        assert _walk(client, url, auth_headers, per_page=2) == expected, url


def test_a_site_limited_viewer_walks_only_their_sites_assets(client, auth_headers, site, other_site):
    for i in range(11):
        make_asset(client, auth_headers, site["id"] if i % 3 else other_site["id"], f"S-{i:02d}")
    created = client.post("/api/v1/users", json={"username": "northviewer", "password": "A-long-password-1",
                                                  "role": "viewer", "site_ids": [site["id"]]}, headers=auth_headers)
    assert created.status_code == 201, created.get_json()
    viewer = {"Authorization": f"Bearer {token_for(client, 'northviewer', 'A-long-password-1')}"}
    walked = _walk(client, "/api/v1/assets?sort=-asset_tag", viewer, per_page=3)
    assert {a["site_id"] for a in walked} == {site["id"]}
    assert [a["asset_tag"] for a in walked] == [f"S-{i:02d}" for i in reversed(range(11)) if i % 3]


def _by_number(client, url: str, headers: dict | None, per_page: int) -> list[dict]:
    """Every row of ``url`` page by page number (``page=1, 2, ...`` until ``meta.pages``)."""
    rows, page = [], 1
    while True:
        response = client.get(f"{url}per_page={per_page}&page={page}", headers=headers)
        assert response.status_code == 200, (url, page, response.get_json())
        body = response.get_json()
        rows += body["data"]
        if page >= body["meta"]["pages"]:
            return rows
        page += 1


def test_numbered_pages_of_every_list_meet_every_row_once_for_an_admin_and_a_site_limited_viewer(migrated_app):
    """A deep numbered page walks the keys alone and leaves out joins that only fill in columns (ADR 0019,
    addendum 4); what it returns must still be the list's own rows, in order, within the caller's sites."""
    client = admin_client(migrated_app)
    result = migrated_app.test_cli_runner().invoke(args=["demo", "--assets", "60", "--seed", "3"])
    assert result.exit_code == 0, result.output
    first_site = client.get("/api/v1/sites?per_page=1").get_json()["data"][0]["id"]
    created = client.post("/api/v1/users", json={"username": "p1viewer", "password": "A-long-password-1",
                                                  "role": "viewer", "site_ids": [first_site]})
    assert created.status_code == 201, created.get_json()
    viewer = {"Authorization": f"Bearer {token_for(client, 'p1viewer', 'A-long-password-1')}"}
    spec = client.get("/api/v1/openapi.json").get_json()
    lists = [path for path, item in spec["paths"].items()
             if "{" not in path and any(p["name"] == "after" for p in item.get("get", {}).get("parameters", []))]
    assert len(lists) >= 12, lists
    walked = 0
    for headers in (None, viewer):
        extra = ["/api/v1/assets?sort=-name&", "/api/v1/computers?sort=os_name&",
                 f"/api/v1/computers?site_id={first_site}&", f"/api/v1/equipment?site_id={first_site}&"]
        for url in [f"{path}?" for path in lists] + extra:
            response = client.get(f"{url}per_page=500", headers=headers)
            if response.status_code == 403:  # the viewer may not read it (users, tokens, audit)
                continue
            expected = response.get_json()["data"]
            assert _by_number(client, url, headers, per_page=7) == expected, (url, headers is not None)
            walked += len(expected) > 7
    assert walked >= 16, walked
