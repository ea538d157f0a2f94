"""The calls the benchmark times and each one's floor: the same rows by the fastest raw SQL, plus json.dumps.

The floor is what any implementation must pay for the rows a call returns: one statement that walks
an index range with LIMIT (no COUNT, no OFFSET, no ORM), run on a plain DB-API connection to the same
database, and the rows turned into JSON. "Last page" is the last full page (50 rows, like the first
page, so the two compare). A deep page's floor starts right after the last row of the page before it
— what a keyset cursor does — whether the API call reached it by cursor or by page number. A
search's floor fetches its known hit through the ``asset_tag_key`` index: an index lookup is the least a
search index can cost. The floor uses the indexes the schema has; ``EXPLAIN`` of each floor is kept
in the results JSON.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

PER_PAGE = 50
SEARCH_TAG = "PC-000123"  # one PC at every size (the demo numbers PCs from PC-000001)
FILTER = ("status", "in_repair")  # a few percent of the plant: a selective filter

ASSET_COLUMNS = ("a.assetid, a.asset_tag, a.name, t.name AS asset_type, a.status, a.site_id, a.location_id, "
                 "a.manufacturer, a.model, a.serial_number, a.notes, a.version, a.created_at, a.updated_at")
# Lists sort text by its case-folded key (docs/adr/0026): the floor walks the same index.
ORDER = "ORDER BY a.asset_tag_key, a.assetid"
AFTER = "WHERE a.asset_tag_key >= ? AND (a.asset_tag_key > ? OR a.assetid > ?)"  # (key, id) > cursor, index-friendly


def asset_page(where: str = "") -> str:
    """50 assets by the ``asset_tag_key`` index first, then their types: no planner can make the join drive the
    scan (MariaDB otherwise reads ``asset_types`` first and sorts every asset)."""
    return (f"SELECT {ASSET_COLUMNS} FROM (SELECT * FROM assets a {where} {ORDER} LIMIT {PER_PAGE}) a "
            f"JOIN asset_types t ON t.id = a.asset_type_id {ORDER}")


ASSETS = f"SELECT {ASSET_COLUMNS} FROM assets a JOIN asset_types t ON t.id = a.asset_type_id"
HIT_COLUMNS = "a.assetid, a.asset_tag, a.name, a.status, a.site_id, t.name AS asset_type, t.plugin"


@dataclass
class Case:
    """One API call and its floor. ``kind`` picks the targets: list and search have the 3× floor target."""

    name: str
    kind: str  # list, search, detail
    path: str | None  # None: the API does not offer it (e.g. no keyset paging yet)
    sql: str
    params: tuple[Any, ...] = ()
    note: str = ""
    expected_ids: list[int] = field(default_factory=list)


@dataclass
class PlantFacts:
    """What the cases need to know about a plant, read once with SQL before timing starts."""

    assets: int
    pages: int  # the last full page: same 50 rows as the first, so the two compare
    before_last: tuple[str, int] | None  # the last (asset_tag_key, assetid) of the page before it
    detail_assetid: int
    search_tag: str


def placeholders(sql: str, dialect: str) -> str:
    """Our SQL is written with ``?``; psycopg and PyMySQL take ``%s``."""
    return sql if dialect == "sqlite" else sql.replace("?", "%s")


def dialect_sql(sql: str, dialect: str) -> str:
    """On MariaDB, ``STRAIGHT_JOIN``: its planner otherwise starts from ``asset_types`` (tiny) and joins every
    asset of the type to the 50-row page, where the page must drive (as it does on SQLite and PostgreSQL)."""
    if dialect == "mysql" and sql.startswith("SELECT ") and "FROM (SELECT" in sql:
        return "SELECT STRAIGHT_JOIN " + sql.removeprefix("SELECT ")
    return sql


def fetch(conn: Any, dialect: str, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    cursor = conn.cursor()
    try:
        cursor.execute(placeholders(sql, dialect), params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        cursor.close()


def floor_call(conn: Any, dialect: str, case: Case) -> Callable[[], int]:
    """The floor as a callable: the statement, the rows, their JSON (what the timing loop runs)."""
    sql = placeholders(dialect_sql(case.sql, dialect), dialect)

    def run() -> int:
        cursor = conn.cursor()
        try:
            cursor.execute(sql, case.params)
            names = [d[0] for d in cursor.description]
            rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        finally:
            cursor.close()
        json.dumps({"data": rows}, default=str)
        return len(rows)

    return run


def plant_facts(conn: Any, dialect: str) -> PlantFacts:
    assets = fetch(conn, dialect, "SELECT count(*) AS n FROM assets")[0]["n"]
    pages = max(1, assets // PER_PAGE)
    before_last = None
    if pages > 1:
        row = fetch(conn, dialect, f"SELECT a.asset_tag_key, a.assetid FROM assets a {ORDER} LIMIT 1 OFFSET ?",
                    ((pages - 1) * PER_PAGE - 1,))[0]
        before_last = (row["asset_tag_key"], row["assetid"])
    middle = fetch(conn, dialect, "SELECT assetid FROM assets ORDER BY assetid LIMIT 1 OFFSET ?", (assets // 2,))
    found = fetch(conn, dialect, "SELECT asset_tag FROM assets WHERE asset_tag_key = ?", (SEARCH_TAG.casefold(),))
    if not found:  # a plant too small for PC-000123: the first PC
        found = fetch(conn, dialect, "SELECT min(asset_tag) AS asset_tag FROM assets WHERE asset_tag LIKE 'PC-%'")
    return PlantFacts(assets, pages, before_last, middle[0]["assetid"], found[0]["asset_tag"])


def cases(facts: PlantFacts, keyset_path: str | None) -> list[Case]:
    """The calls of issue 12 for this plant. ``keyset_path``: the last page's ``?after=`` URL, if offered."""
    tag, tag_id = facts.before_last or ("", 0)
    deep = asset_page(AFTER)
    column, value = FILTER
    return [
        Case("first page", "list", f"/api/v1/assets?per_page={PER_PAGE}", asset_page()),
        Case("last page (keyset)", "list", keyset_path, deep, (tag, tag, tag_id),
             note="" if keyset_path else "the API has no ?after= cursor (meta.next) yet"),
        Case("last page (page number)", "list", f"/api/v1/assets?per_page={PER_PAGE}&page={facts.pages}",
             deep, (tag, tag, tag_id)),
        Case("computers list (asset + extension)", "list", f"/api/v1/computers?per_page={PER_PAGE}",
             # hostname is unique (uq_computers_hostname): the API's tiebreak adds nothing to the order, and
             # leaving it out lets MariaDB read that index in order instead of sorting
             f"SELECT {ASSET_COLUMNS}, c.* FROM (SELECT * FROM computers c ORDER BY c.hostname "
             f"LIMIT {PER_PAGE}) c JOIN assets a ON a.assetid = c.assetid "
             f"JOIN asset_types t ON t.id = a.asset_type_id ORDER BY c.hostname"),
        Case(f"filter ?{column}={value}", "list", f"/api/v1/assets?{column}={value}&per_page={PER_PAGE}",
             asset_page(f"WHERE a.{column} = ?"), (value,)),
        Case("detail", "detail", f"/api/v1/assets/{facts.detail_assetid}",
             f"{ASSETS} WHERE a.assetid = ?", (facts.detail_assetid,)),
        Case(f"/assets?q={facts.search_tag}", "search", f"/api/v1/assets?q={facts.search_tag}&per_page={PER_PAGE}",
             f"{ASSETS} WHERE a.asset_tag_key = ? {ORDER} LIMIT {PER_PAGE}", (facts.search_tag.casefold(),)),
        Case(f"/search?q={facts.search_tag}", "search", f"/api/v1/search?q={facts.search_tag}&per_page={PER_PAGE}",
             f"SELECT {HIT_COLUMNS} FROM assets a JOIN asset_types t ON t.id = a.asset_type_id "
             f"WHERE a.asset_tag_key = ? {ORDER} LIMIT {PER_PAGE}", (facts.search_tag.casefold(),)),
    ]


def explain(conn: Any, dialect: str, case: Case) -> str:
    """The floor's plan, one line per step (SQLite ``EXPLAIN QUERY PLAN``, ``EXPLAIN`` elsewhere)."""
    prefix = "EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN "
    rows = fetch(conn, dialect, prefix + dialect_sql(case.sql, dialect), case.params)
    if dialect == "sqlite":
        return "; ".join(str(r["detail"]) for r in rows)
    if dialect == "postgresql":
        return "; ".join(str(next(iter(r.values()))).strip() for r in rows)
    return "; ".join(f"{r.get('table')}:{r.get('type')}:{r.get('key')}:{r.get('Extra') or ''}" for r in rows)
