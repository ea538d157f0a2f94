"""A list costs a fixed number of SQL statements whatever the page size (no N+1)."""

from __future__ import annotations

from helpers import make_asset, statements


def _count(app, client, url):
    with statements(app) as seen:
        response = client.get(url)
    assert response.status_code == 200, response.get_json()
    return len(seen), len(response.get_json()["data"])


def test_list_statement_count_does_not_grow_with_page_size(app, client, auth_headers, site):
    for i in range(12):
        asset = make_asset(client, auth_headers, site["id"], f"M-{i:02d}")
        if i:
            client.post(f"/api/v1/assets/{asset['assetid']}/relationships",
                        json={"kind": "feeds", "target_assetid": asset["assetid"] - 1}, headers=auth_headers)
    # Search too: the core's and every plugin's matches are one UNION, counted and paged in SQL.
    for url in ("/api/v1/assets?", "/api/v1/sites?", "/api/v1/assets/5/relationships?", "/api/v1/printers?",
                "/api/v1/search?q=m-&"):
        small, _ = _count(app, client, f"{url}per_page=1")
        large, rows = _count(app, client, f"{url}per_page=500")
        # A page of 500 holds them all: its rows are the total, and the COUNT is left out.
        assert large <= small <= 4, (url, small, large)  # the caller's token + page + COUNT (+ the asset)
    small, _ = _count(app, client, "/api/v1/assets?per_page=2")
    big, rows = _count(app, client, "/api/v1/assets?per_page=11")
    assert rows == 11 and small == big


def test_the_last_page_by_number_is_not_counted_again(app, client, auth_headers, site):
    for i in range(5):
        make_asset(client, auth_headers, site["id"], f"L-{i:02d}")
    full, _ = _count(app, client, "/api/v1/assets?per_page=2&page=1")
    last, rows = _count(app, client, "/api/v1/assets?per_page=2&page=3")
    beyond, none = _count(app, client, "/api/v1/assets?per_page=2&page=9")
    assert (rows, none) == (1, 0)
    assert last == full - 1 and beyond == full  # past the end the page cannot tell the total: counted
    meta = client.get("/api/v1/assets?per_page=2&page=3", headers=auth_headers).get_json()["meta"]
    assert (meta["total"], meta["pages"], meta["total_is_exact"]) == (5, 3, True)
    meta = client.get("/api/v1/assets?per_page=2&page=9", headers=auth_headers).get_json()["meta"]
    assert (meta["total"], meta["pages"]) == (5, 3)


def test_a_page_by_cursor_costs_what_the_first_page_costs(app, client, auth_headers, site):
    for i in range(6):
        make_asset(client, auth_headers, site["id"], f"K-{i:02d}")
    for url in ("/api/v1/assets?status=active&", "/api/v1/printers?", "/api/v1/audit?sort=action&"):
        first, _ = _count(app, client, f"{url}per_page=2")
        cursor = client.get(f"{url}per_page=2", headers=auth_headers).get_json()["meta"]["next"]
        later, _ = _count(app, client, f"{url}per_page=2&after={cursor}" if cursor else f"{url}per_page=2")
        assert first == later <= 3, url  # the caller's token + the capped COUNT + the page


def test_the_asset_list_joins_asset_types_once(app, client, auth_headers, site):
    make_asset(client, auth_headers, site["id"], "J-1")
    for url in ("/api/v1/assets?asset_type=fixture&sort=asset_type", "/api/v1/printers?"):
        with statements(app) as seen:
            assert client.get(url).status_code == 200
        page = next(s for s in seen if "count(" not in s.lower() and "asset_types" in s.lower()).lower()
        assert page.count("join asset_types") == 1, (url, page)
