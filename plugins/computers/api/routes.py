"""``/api/v1/computers``: PCs as flat asset+extension objects; filters, stale PCs, normal forms."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from flask import request
from flask_smorest import Blueprint
from sqlalchemy import Select, or_, select

from shopdb.plugins.toolkit import Asset, AssetRelationship, BadRequest, ExtensionResource, db, utcnow

from ..addresses import normalise_ip, normalise_mac
from ..models import Computer
from ..rules import CONTROLS, validate_computer
from ..schemas import ComputerSchema

blp = Blueprint("computers", __name__, url_prefix="/api/v1/computers", description="Computers")
MAX_STALE_DAYS = 36_500  # a century; beyond that the cut-off date would not exist


def controlled_by(assetid: int) -> list[dict]:
    """The machines a PC controls: ``controls`` edges whose source is the PC."""
    rows = db.session.execute(
        select(AssetRelationship.id, Asset)
        .join(Asset, Asset.assetid == AssetRelationship.target_assetid)
        .where(AssetRelationship.kind == CONTROLS, AssetRelationship.source_assetid == assetid)
        .order_by(Asset.asset_tag_key, Asset.assetid)
    ).all()
    return [{"relationship_id": rel_id, "assetid": a.assetid, "asset_tag": a.asset_tag, "name": a.name,
             "status": a.status, "site_id": a.site_id, "asset_type": a.asset_type.name}
            for rel_id, a in rows]


def _stale_cutoff(raw: str) -> dt.datetime:
    if not re.fullmatch(r"[0-9]{1,6}", raw) or not 1 <= int(raw) <= MAX_STALE_DAYS:
        raise BadRequest(
            f"'stale_days' must be a whole number of days from 1 to {MAX_STALE_DAYS}, got {raw!r}.",
            {"fields": {"stale_days": ["Not a positive whole number of days."]}},
        )
    return utcnow() - dt.timedelta(days=int(raw))


def _normalised_values(name: str, normalise: Callable[[str], str]) -> list[str]:
    values = [v.strip() for raw in request.args.getlist(name) for v in raw.split(",") if v.strip()]
    try:
        return [normalise(v) for v in values]
    except ValueError as exc:
        raise BadRequest(f"Filter '{name}': {exc}", {"fields": {name: [str(exc)]}}) from None


# hostname/mac_address/primary_ip filters compare normal forms, so ?mac_address=00-1a-... finds 00:1A:...
NORMALISED_FILTERS: dict[str, Callable[[str], str]] = {
    "hostname": str.lower, "mac_address": normalise_mac, "primary_ip": normalise_ip,
}


def _list_filter(stmt: Select) -> Select:
    for name, normalise in NORMALISED_FILTERS.items():
        values = _normalised_values(name, normalise)
        if values:
            stmt = stmt.where(getattr(Computer, name).in_(values))
    if "stale_days" in request.args:
        cutoff = _stale_cutoff(request.args["stale_days"])
        stmt = stmt.where(or_(Computer.last_seen_at.is_(None), Computer.last_seen_at < cutoff))
    return stmt


resource = ExtensionResource(
    model=Computer, schema=ComputerSchema, type_name="computer",
    search_fields=("hostname", "mac_address", "primary_ip", "os_name"),
    search_exact=("hostname", "mac_address", "primary_ip"),
    extra_args={"stale_days", *NORMALISED_FILTERS},
    default_sort=("hostname",),
    validate=validate_computer,
    list_filter=_list_filter,
    detail_extra=lambda asset, computer: {"controls": controlled_by(asset.assetid)},
)


def register(blp: Blueprint) -> None:
    """The flat computer routes (list, create, read, update, delete)."""
    resource.register(blp)
