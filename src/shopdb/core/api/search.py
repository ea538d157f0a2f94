"""``/api/v1/search?q=``: one box that finds assets whatever plugin holds the matching field."""

from __future__ import annotations

import logging

from flask import request
from flask_smorest import Blueprint
from sqlalchemy import func, or_, select

from ...api import BadRequest, responses
from ...api.pagination import LIKE_ESCAPE, like_pattern
from ...extensions import db
from ...plugins.manager import get_manager
from ..models import Asset

blp = Blueprint("search", __name__, url_prefix="/api/v1/search", description="Search across plugins")
MAX_HITS = 100
log = logging.getLogger(__name__)


def asset_url(asset: Asset, plugins: dict) -> str:
    plugin = plugins.get(asset.asset_type.plugin)
    return plugin.asset_url(asset.assetid) if plugin else f"/api/v1/assets/{asset.assetid}"


@blp.route("", methods=["GET"])
def search():
    """Match tag, name and serial here, and whatever fields plugins search (hostname, IP, ...)."""
    q = (request.args.get("q") or "").strip()
    if not q:
        raise BadRequest("Give something to search for: ?q=...")
    if len(q) > 200:
        raise BadRequest("'q' is limited to 200 characters.")
    try:
        limit = int(request.args.get("limit", 50))
    except ValueError:
        raise BadRequest("'limit' must be a whole number.") from None
    if not 1 <= limit <= MAX_HITS:
        raise BadRequest(f"'limit' must be between 1 and {MAX_HITS}.")
    pattern = like_pattern(q)
    matched: dict[int, str] = {}
    core_hits = db.session.execute(
        select(Asset.assetid, Asset.asset_tag, Asset.name, Asset.serial_number)
        .where(or_(*[func.lower(c).like(pattern, escape=LIKE_ESCAPE)
                     for c in (Asset.asset_tag, Asset.name, Asset.serial_number)]))
        .order_by(Asset.asset_tag).limit(limit)
    ).all()
    for assetid, tag, name, _serial in core_hits:
        field = ("asset_tag" if q.lower() in (tag or "").lower()
                 else "name" if q.lower() in (name or "").lower() else "serial_number")
        matched[assetid] = field
    enabled = {p.name: p for p in get_manager().enabled_plugins()}
    for plugin in enabled.values():
        try:
            for assetid, field in plugin.search_assets(q, limit):
                matched.setdefault(assetid, field)
        except Exception:  # one plugin's search bug must not break search
            db.session.rollback()
            log.exception("plugin %s: search failed", plugin.name)
    assets = db.session.execute(
        select(Asset).where(Asset.assetid.in_(list(matched)[: limit * 2]))
    ).scalars().all() if matched else []
    hits = sorted(
        ({"assetid": a.assetid, "asset_tag": a.asset_tag, "name": a.name, "status": a.status,
          "site_id": a.site_id, "asset_type": a.asset_type.name, "plugin": a.asset_type.plugin,
          "matched": matched[a.assetid], "url": asset_url(a, enabled)} for a in assets),
        key=lambda h: (h["asset_tag"], h["assetid"]),
    )[:limit]
    return responses.listing(hits, 1, limit, len(hits))
