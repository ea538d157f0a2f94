"""``/api/v1/equipment``: machines as flat asset+extension objects; status changes become events."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from sqlalchemy import func, select

from shopdb.api import Conflict
from shopdb.core.models import Asset
from shopdb.core.services import writes
from shopdb.extensions import db
from shopdb.plugins.extension_api import ExtensionResource

from ..models import CONTROLLER_TYPES, Equipment, MaintenanceRecord
from ..schemas import EquipmentSchema

blp = Blueprint("equipment", __name__, url_prefix="/api/v1/equipment", description="Machines on the shop floor")
STATUS_CHANGED = "equipment.status_changed"
_CANONICAL_CONTROLLERS = {name.lower(): name for name in CONTROLLER_TYPES}


def machine_number_holder(machine_number: str, site_id: int, exclude_assetid: int | None = None) -> Asset | None:
    """The asset of ``site_id`` already using ``machine_number`` (case-insensitive), if any."""
    stmt = (select(Asset).join(Equipment, Equipment.assetid == Asset.assetid)
            .where(Asset.site_id == site_id)
            .where(func.lower(Equipment.machine_number) == machine_number.lower()))
    if exclude_assetid is not None:
        stmt = stmt.where(Asset.assetid != exclude_assetid)
    return db.session.execute(stmt.limit(1)).scalar_one_or_none()


def _validate(data: dict[str, Any], asset: Asset | None, equipment: Equipment | None) -> None:
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
    holder = machine_number_holder(number, site_id, asset.assetid if asset else None)
    if holder is not None:
        raise Conflict(
            f"machine_number {number!r} is already used by {holder.asset_tag} at this site.",
            {"fields": {"machine_number": ["Already in use at this site."]}, "field": "machine_number",
             "value": number, "assetid": holder.assetid, "asset_tag": holder.asset_tag},
            code="duplicate",
        )


def _after_write(asset: Asset, equipment: Equipment, changes: dict[str, Any]) -> None:
    """Queue ``equipment.status_changed`` on create and whenever operational_status changes."""
    if "created" in changes:
        old_status = None
    elif "operational_status" in changes:
        old_status = changes["operational_status"][0]
    else:
        return
    writes.emit_after_commit(
        STATUS_CHANGED, assetid=asset.assetid, site_id=asset.site_id, asset_tag=asset.asset_tag,
        name=asset.name, old_status=old_status, new_status=equipment.operational_status,
    )


def _detail_extra(asset: Asset, equipment: Equipment) -> dict[str, Any]:
    last = db.session.execute(
        select(func.max(MaintenanceRecord.performed_on)).where(MaintenanceRecord.assetid == asset.assetid)
    ).scalar_one()
    return {"last_maintenance_on": last}


resource = ExtensionResource(
    model=Equipment, schema=EquipmentSchema, type_name="equipment",
    search=(Equipment.machine_number, Equipment.controller_type, Equipment.cell),
    validate=_validate, after_write=_after_write, detail_extra=_detail_extra,
)
resource.register(blp)


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
        _validate({"site_id": fields["site_id"]}, asset, equipment)
