"""The equipment plugin's rules, each in one place: its own endpoints and the core's share them.

``validate_equipment`` is the asset kind's rule (the ``validate`` callback of the equipment
resource): the service layer runs it on every write of a machine, whichever path it takes.
``refuse_duplicate_on_site_move`` answers the ``asset_validate`` event for the core's endpoints.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from shopdb.plugins.toolkit import Asset, Conflict, db, writes

from .models import CONTROLLER_TYPES, Equipment

_CANONICAL_CONTROLLERS = {name.lower(): name for name in CONTROLLER_TYPES}


def machine_number_holder(machine_number: str, site_id: int, exclude_assetid: int | None = None) -> Asset | None:
    """The asset of ``site_id`` already using ``machine_number`` (case-insensitive), if any."""
    stmt = (select(Asset).join(Equipment, Equipment.assetid == Asset.assetid)
            .where(Asset.site_id == site_id)
            .where(func.lower(Equipment.machine_number) == machine_number.lower()))
    if exclude_assetid is not None:
        stmt = stmt.where(Asset.assetid != exclude_assetid)
    return db.session.execute(stmt.limit(1)).scalar_one_or_none()


def validate_equipment(data: dict[str, Any], asset: Asset | None, equipment: Equipment | None) -> None:
    """One spelling per controller type; machine_number unique within its site (409)."""
    controller = data.get("controller_type")
    if controller:
        # "fanuc" and "FANUC" are the same control: keep one spelling so filters find them all.
        data["controller_type"] = _CANONICAL_CONTROLLERS.get(controller.lower(), controller)
    if "machine_number" not in data and "site_id" not in data:
        return
    number = data.get("machine_number", equipment.machine_number if equipment else None)
    site_id = data.get("site_id", asset.site_id if asset else None)
    if number is None or site_id is None:
        return
    if asset is None and writes.deferred_checks() is not None:
        # ``shopdb import`` checks a batch of new machines: stated as a uniqueness check, it is answered
        # for the whole batch in one query; a clash comes back here one by one for the message below.
        writes.ensure_unique(Equipment, "machine_number", number, scope={"site_id": site_id}, case_insensitive=True)
        return
    holder = machine_number_holder(number, site_id, asset.assetid if asset else None)
    if holder is not None:
        raise Conflict(
            f"machine_number {number!r} is already used by {holder.asset_tag} at this site.",
            {"fields": {"machine_number": ["Already in use at this site."]}, "field": "machine_number",
             "value": number, "assetid": holder.assetid, "asset_tag": holder.asset_tag},
            code="duplicate",
        )


def refuse_duplicate_on_site_move(action: str, asset: Asset | None, asset_type: str, fields: dict[str, Any],
                                  **_: Any) -> None:
    """``asset_validate`` handler: a machine moved to another site through the core API keeps its
    machine number unique there (the equipment endpoint checks this in ``_validate``)."""
    if action != "update" or asset_type != "equipment" or "site_id" not in fields:
        return
    if asset is None or fields["site_id"] == asset.site_id:
        return
    equipment = db.session.get(Equipment, asset.assetid)
    if equipment is not None:
        validate_equipment({"site_id": fields["site_id"]}, asset, equipment)
