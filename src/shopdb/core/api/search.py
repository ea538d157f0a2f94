"""``/api/v1/search?q=``: one box that finds assets whatever plugin holds the matching field.

A list like every other (SPEC §5), answered by the search index (docs/adr/0018): one document per
asset holds the core fields and every field the plugins declared, so a search is one COUNT and one
page statement over ``search_documents`` joined to ``assets`` — the ORM entities, so site scoping
(docs/adr/0017) restricts the hits inside the query. Exact hits (tag, hostname, IP, MAC) come first.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_smorest import Blueprint
from sqlalchemy import Select, select

from ...api import LIST_PARAMETERS, BadRequest, list_envelope
from ...api.pagination import paginate, refuse_unknown_args
from ..models import Asset, AssetType, SearchDocument
from ..schemas.search import SearchHitSchema
from ..services import plugin_directory, search_index

blp = Blueprint("search", __name__, url_prefix="/api/v1/search", description="Search across plugins")
SEARCH_ARGS = {"q", "page", "per_page"}
PARAMETERS = [
    {"in": "query", "name": "q", "required": True, "schema": {"type": "string", "minLength": 1, "maxLength": 200},
     "description": "text to find (case-insensitive substring; `%` and `_` match themselves; on MariaDB texts of "
                    "3 characters or more match from the start of a word, see docs/adr/0018)"},
    *[p for p in LIST_PARAMETERS if p["name"] in {"page", "per_page"}],
]


def search_statement(q: str) -> Select:
    """Every asset whose document matches ``q``, exact hits first, then by tag and id — a total order,
    so pages never overlap."""
    rank = search_index.exact_rank(q)
    return (
        select(Asset.assetid, Asset.asset_tag, Asset.name, Asset.status, Asset.site_id,
               AssetType.name.label("asset_type"), AssetType.plugin, SearchDocument.content,
               SearchDocument.field_names)
        .join(SearchDocument, SearchDocument.assetid == Asset.assetid)
        .join(AssetType, AssetType.id == Asset.asset_type_id)
        .where(search_index.matches(q))
        .order_by(rank, Asset.asset_tag_key, Asset.assetid)
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
                "matched": search_index.matched_field(q, row.content, row.field_names), "url": url}

    return paginate(search_statement(q), hit, scalars=False)
