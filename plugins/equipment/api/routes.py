"""``/api/v1/equipment``: machines as flat asset+extension objects; status changes become events."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from sqlalchemy import func, select

from shopdb.plugins.toolkit import Asset, ExtensionResource, db, writes

from ..models import Equipment, MaintenanceRecord
from ..rules import validate_equipment
from ..schemas import EquipmentSchema

blp = Blueprint("equipment", __name__, url_prefix="/api/v1/equipment", description="Machines on the shop floor")
STATUS_CHANGED = "equipment.status_changed"


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
    search_fields=("machine_number", "controller_type", "cell"), search_exact=("machine_number",),
    validate=validate_equipment, after_write=_after_write, detail_extra=_detail_extra,
)


def register(blp: Blueprint) -> None:
    """The flat equipment routes (list, create, read, update, delete)."""
    resource.register(blp)
