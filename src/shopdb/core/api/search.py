"""``/api/v1/search?q=``: one box that finds assets whatever plugin holds the matching field.

A list like every other (SPEC §5): the core's matches and each enabled plugin's (``search_assets``,
a SELECT of ``(assetid, matched)``) are UNIONed in SQL, so the database counts every hit for
``meta.total`` and serves any page of them — one COUNT and one page statement, whatever the plugins.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import request
from flask_smorest import Blueprint
from sqlalchemy import CompoundSelect, Integer, Select, case, func, literal, select, union_all

from ...api import LIST_PARAMETERS, BadRequest, list_envelope, search_matches
from ...api.pagination import LIKE_ESCAPE, like_pattern, paginate, refuse_unknown_args
from ..models import Asset, AssetType
from ..schemas.search import SearchHitSchema
from ..services import plugin_directory

blp = Blueprint("search", __name__, url_prefix="/api/v1/search", description="Search across plugins")
log = logging.getLogger(__name__)
SEARCH_ARGS = {"q", "page", "per_page"}
PARAMETERS = [
    {"in": "query", "name": "q", "required": True, "schema": {"type": "string", "minLength": 1, "maxLength": 200},
     "description": "text to find (case-insensitive substring; `%` and `_` match themselves)"},
    *[p for p in LIST_PARAMETERS if p["name"] in {"page", "per_page"}],
]


def core_matches(q: str) -> Select:
    pattern = like_pattern(q)
    return search_matches(Asset.assetid, {
        column.key: func.lower(column).like(pattern, escape=LIKE_ESCAPE)
        for column in (Asset.asset_tag, Asset.name, Asset.serial_number)
    })


def _plugin_matches(q: str, plugins: list) -> list[Select | CompoundSelect]:
    found = []
    for plugin in plugins:
        try:
            matches = plugin.search_assets(q)
        except Exception:  # a plugin's bug building its query leaves the others' hits
            log.exception("plugin %s: search_assets failed", plugin.name)
            continue
        if matches is None:
            continue
        if not isinstance(matches, Select | CompoundSelect) or len(matches.selected_columns) != 2:
            log.error("plugin %s: search_assets must return a SELECT of (assetid, matched) or None; got %r",
                      plugin.name, type(matches).__name__)
            continue
        found.append(matches)
    return found


def search_statement(q: str, plugins: list) -> Select:
    """Every asset matching ``q`` once, with the field it matched in (the core's first, then plugins' in
    start-up order); exact tag first, then by tag and id — a total order, so pages never overlap."""
    sources = [core_matches(q), *_plugin_matches(q, plugins)]
    members = []
    for rank, source in enumerate(sources):
        inner = source.subquery()  # a plugin's own ORDER BY/LIMIT stays inside its member
        assetid, matched = inner.c
        members.append(select(assetid.label("assetid"), matched.label("matched"),
                              literal(rank, Integer).label("source")))
    hits = union_all(*members).subquery("hits")
    first = func.row_number().over(partition_by=hits.c.assetid, order_by=(hits.c.source, hits.c.matched))
    ranked = select(hits.c.assetid, hits.c.matched, first.label("n")).subquery("ranked")
    exact_tag = case((func.lower(Asset.asset_tag) == q.lower(), 0), else_=1)
    return (
        select(Asset.assetid, Asset.asset_tag, Asset.name, Asset.status, Asset.site_id,
               AssetType.name.label("asset_type"), AssetType.plugin, ranked.c.matched)
        .join(ranked, ranked.c.assetid == Asset.assetid)
        .join(AssetType, AssetType.id == Asset.asset_type_id)
        .where(ranked.c.n == 1)
        .order_by(exact_tag, Asset.asset_tag, Asset.assetid)
    )


@blp.route("", methods=["GET"])
@blp.doc(parameters=PARAMETERS)
@blp.response(200, list_envelope(SearchHitSchema))
def search():
    """Find assets by tag, name or serial, and by any field a plugin searches (hostname, MAC, IP, ...).

    A list like the others: ``page``/``per_page`` (≤ 500) and a ``meta.total`` counting every hit.
    The old ``limit`` parameter is refused like any unknown parameter: use ``per_page``.
    """
    refuse_unknown_args(SEARCH_ARGS)
    q = (request.args.get("q") or "").strip()
    if not q:
        raise BadRequest("Give something to search for: ?q=...", {"fields": {"q": ["Missing data."]}})
    if len(q) > 200:
        raise BadRequest("'q' is limited to 200 characters.", {"fields": {"q": ["Longer than 200."]}})
    plugins = {p.name: p for p in plugin_directory.current().enabled_plugins()}

    def hit(row: Any) -> dict[str, Any]:
        plugin = plugins.get(row.plugin)
        url = plugin.asset_url(row.assetid) if plugin else f"/api/v1/assets/{row.assetid}"
        return {"assetid": row.assetid, "asset_tag": row.asset_tag, "name": row.name, "status": row.status,
                "site_id": row.site_id, "asset_type": row.asset_type, "plugin": row.plugin,
                "matched": row.matched, "url": url}

    return paginate(search_statement(q, list(plugins.values())), hit, scalars=False)
