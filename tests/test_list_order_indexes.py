"""Every list reads its default order from an index: a page costs the same with 100 rows or a million.

A list whose order no index holds sorts every row it could show for each page (the address list took
153 ms a page at 100k addresses). This walks every paged list of the served API (the routes that take
``after``), takes the statement that read the page, and asks the database for its plan: no temporary
B-tree (SQLite) and no filesort (MariaDB) for the ORDER BY, except where the rows to sort are few by
nature (below, each with its reason). MariaDB is asked too because its planner differs where it matters:
it reads a non-unique index as ending in the primary key, but not a unique one (the computers list,
ordered by ``hostname, assetid``, sorted every PC for each page until the order stopped at the unique
hostname). Every list that takes ``site_id`` is read filtered to one site as well, as a site-limited user
reads it, and its plan must not walk a whole table or index for that site's rows (a plant names things by
site, so the order's index alone passes every other site's rows first).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, text

from shopdb.extensions import db
from shopdb.testing import admin_token_for, make_app, migrate_database, reset_database, server_url

# Lists whose sort is bounded by the nature of their rows, not by the plant's size.
SORTED_BY_NATURE = {
    "/api/v1/sites": "the plants of one company: a handful",
    "/api/v1/asset-types": "a vocabulary: tens of types",
    "/api/v1/locations": "halls and lines of a plant: hundreds, sorted by their folded name within the site",
    "/api/v1/notifications/active": "the notices in force now, ranked by severity first",
    "/api/v1/notifications?site_id": "one site's notices (tens to a few thousand), found by the site's index",
}


# What each database's plan says when it sorts the rows itself instead of reading them in index order.
SORTS = {"sqlite": "TEMP B-TREE", "mysql": "filesort"}
# ... and when it walks a whole table or index, dropping the rows a filter does not want (the first row of
# MariaDB's plan is the table it starts from: type ALL or index).
WALKS = {"sqlite": re.compile(r"\bSCAN \w+"), "mysql": re.compile(r"^\d+ \w+ \w+ (ALL|index) ")}


@contextmanager
def page_plans(app) -> Iterator:
    """Inside the block, ``plan()`` is the database's plan of the last page statement run since the last
    call (None when no statement ordered rows: a list ordered in Python after a bounded read)."""
    with app.app_context():
        engine = db.engine
    explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    seen: list[tuple[str, tuple]] = []

    def record(_conn, _cursor, statement, parameters, *_args):
        seen.append((statement, parameters))

    def plan() -> str | None:
        pages = [(s, p) for s, p in seen if "ORDER BY" in s and "count(" not in s.lower()]
        if not pages:
            return None
        statement, parameters = pages[-1]
        with engine.connect() as connection:
            plan = "; ".join(" ".join(str(cell) for cell in row) for row in connection.exec_driver_sql(
                explain + statement, parameters).fetchall())
        seen.clear()  # the EXPLAIN itself included
        return plan

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield plan
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_every_paged_list_reads_its_order_and_one_sites_rows_from_an_index(app, client, auth_headers):
    lists_read_in_index_order(app, client, auth_headers, assets=600)


def test_on_mariadb_every_paged_list_reads_its_order_and_one_sites_rows_from_an_index(tmp_path):
    url = server_url("mysql")
    if not url:
        pytest.skip("SHOPDB_TEST_MYSQL_URL is not set; MariaDB tests run in CI (.ci/run)")
    reset_database(url)
    migrate_database(url)
    app = make_app(url)
    try:
        # MariaDB weighs an index against a sort by size: below a few thousand rows it rightly sorts, so
        # the plant is large enough that only a list read in index order is cheap, and so is the notice
        # board (a plant's history of notices, not the demo's twenty).
        headers = {"Authorization": f"Bearer {admin_token_for(app)}"}
        with app.app_context():
            db.session.execute(text(
                "INSERT INTO notifications (title, severity, starts_at, source, created_at, updated_at, version)"
                " VALUES (:t, 'info', :s, 'manual', :s, :s, 1)"),
                [{"t": f"Shift note {n}", "s": dt.datetime(2026, 1, 1) + dt.timedelta(hours=n)} for n in range(40000)])
            db.session.commit()
        lists_read_in_index_order(app, app.test_client(), headers, assets=30000)
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def lists_read_in_index_order(app, client, auth_headers, assets: int) -> None:
    result = app.test_cli_runner().invoke(args=["demo", "--assets", str(assets), "--seed", "5"])
    assert result.exit_code == 0, result.output
    assert client.post("/api/v1/notifications", json={"title": "Hall A: crane inspection"},
                       headers=auth_headers).status_code == 201
    spec = client.get("/api/v1/openapi.json", headers=auth_headers).get_json()
    lists = [path for path, item in spec["paths"].items()
             if "{" not in path and any(p["name"] == "after" for p in item.get("get", {}).get("parameters", []))]
    # One site's rows too, as a site filter or a user limited to a site reads them: a plant names things by
    # site (``p1-…``), so an order's index walked past the other sites' rows first (PCs: 100–280 ms at 1M).
    site = client.get("/api/v1/sites?per_page=1", headers=auth_headers).get_json()["data"][0]["id"]
    by_site = [f"{path}?site_id={site}&" for path in lists  # the lists that take the filter (others: 400)
               if client.get(f"{path}?site_id={site}&per_page=1", headers=auth_headers).status_code == 200]
    assert "/api/v1/computers?site_id=" + str(site) + "&" in by_site, by_site
    sorting, walking, planned = [], [], []
    with app.app_context():
        dialect = db.engine.dialect.name
    with page_plans(app) as plan_of_page:
        for path in [f"{path}?" for path in lists] + by_site:
            assert client.get(f"{path}per_page=50", headers=auth_headers).status_code == 200, path
            plan = plan_of_page()
            if plan is None:
                continue  # ordered in Python after a bounded read (e.g. subnets by address)
            planned.append(path)
            # A list small by nature is so with a filter too; "<list>?site_id" names one that is when filtered.
            if {path.split("?")[0], path.split("=")[0]} & set(SORTED_BY_NATURE):
                continue
            if SORTS[dialect] in plan:
                sorting.append(f"{path}: {plan}")
            if path in by_site and WALKS[dialect].search(plan):
                walking.append(f"{path}: {plan}")
    assert len(planned) >= 20, planned
    assert not sorting, "these lists sort every row for each page:\n" + "\n".join(sorting)
    assert not walking, "these lists walk other sites' rows to find one site's:\n" + "\n".join(walking)


def test_assets_sorted_by_status_site_or_location_continue_by_tag_from_one_index(app, client, auth_headers):
    """Within a status (a site, a location) the rows follow their tag: the order the (…, asset_tag_key,
    assetid) indexes hold, walked by cursor in both directions without a sort."""
    result = app.test_cli_runner().invoke(args=["demo", "--assets", "60", "--seed", "5"])
    assert result.exit_code == 0, result.output
    with page_plans(app) as plan_of_page:
        for field in ("status", "site_id", "location_id"):
            for direction in ("", "-"):
                rows, plan, url = [], None, f"/api/v1/assets?sort={direction}{field}&per_page=7"
                while url:
                    body = client.get(url, headers=auth_headers).get_json()
                    plan = plan or plan_of_page()  # the first page's
                    rows += body["data"]
                    cursor = body["meta"]["next"]
                    url = f"/api/v1/assets?sort={direction}{field}&per_page=7&after={cursor}" if cursor else None
                key = [((r[field] is not None, r[field] or 0), r["asset_tag"].casefold(), r["assetid"])
                       for r in rows]
                assert key == sorted(key, reverse=bool(direction)), (field, direction)
                assert len({r["assetid"] for r in rows}) == len(rows) == client.get(
                    "/api/v1/assets?per_page=1", headers=auth_headers).get_json()["meta"]["total"]
                assert plan is not None and "TEMP B-TREE" not in plan, (field, direction, plan)
