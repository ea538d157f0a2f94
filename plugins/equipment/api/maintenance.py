"""Maintenance history of a machine and the downtime it cost, per machine and plant-wide."""

from __future__ import annotations

import datetime as dt
import re

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import desc, func, select

from shopdb.plugins.toolkit import (
    LIST_PARAMETERS,
    RESERVED_ARGS,
    Asset,
    BadRequest,
    ListSpec,
    NotFound,
    current_actor,
    db,
    envelope,
    list_envelope,
    list_response,
    paginate,
    require_role,
    require_site_access,
    responses,
    writes,
)

from ..models import MAINTENANCE_KINDS, Equipment, MaintenanceRecord
from ..schemas import EquipmentDowntimeSchema, MachineDowntimeSchema, MaintenanceRecordSchema
from .routes import blp, resource

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAINTENANCE_LIST = ListSpec(
    fields={"id": MaintenanceRecord.id, "performed_on": MaintenanceRecord.performed_on,
            "kind": MaintenanceRecord.kind, "downtime_minutes": MaintenanceRecord.downtime_minutes,
            "created_by": MaintenanceRecord.created_by, "created_at": MaintenanceRecord.created_at},
    search=[MaintenanceRecord.notes],
    default_sort=["-performed_on"],
    tiebreak=[MaintenanceRecord.id.desc()],  # newest first, also within one day
)
DATE_PARAMETERS = [
    {"in": "query", "name": "from", "required": True, "schema": {"type": "string", "format": "date"}},
    {"in": "query", "name": "to", "required": True, "schema": {"type": "string", "format": "date"},
     "description": "included"},
]


def date_range(allowed: set[str]) -> tuple[dt.date, dt.date]:
    """``from``/``to`` (YYYY-MM-DD, both included) from the query string; anything odd is a 400."""
    unknown = sorted(set(request.args) - allowed)
    if unknown:
        raise BadRequest(f"Unknown query parameter '{unknown[0]}'.", {"allowed": sorted(allowed)})
    bounds: dict[str, dt.date] = {}
    for name in ("from", "to"):
        raw = (request.args.get(name) or "").strip()
        if not raw:
            raise BadRequest(f"'{name}' is required (YYYY-MM-DD).", {"fields": {name: ["Missing date."]}})
        try:
            if not _ISO_DATE.match(raw):
                raise ValueError(raw)
            bounds[name] = dt.date.fromisoformat(raw)
        except ValueError:
            raise BadRequest(f"'{name}' must be a date like 2024-05-31, got {raw[:40]!r}.",
                             {"fields": {name: ["Not a valid date."]}}) from None
    if bounds["from"] > bounds["to"]:
        raise BadRequest("'from' must not be after 'to'.",
                         {"fields": {"from": ["After 'to'."]}, "from": str(bounds["from"]), "to": str(bounds["to"])})
    return bounds["from"], bounds["to"]


def _record_of(assetid: int, record_id: int) -> MaintenanceRecord:
    record = db.session.get(MaintenanceRecord, record_id)
    if record is None or record.assetid != assetid:
        raise NotFound(f"No maintenance record {record_id} on equipment {assetid}.")
    return record


class MaintenanceRecords(MethodView):
    @blp.doc(parameters=LIST_PARAMETERS)
    @blp.response(200, list_envelope(MaintenanceRecordSchema))
    def get(self, assetid):
        """The machine's maintenance history, newest first."""
        resource.load(assetid)
        stmt = select(MaintenanceRecord).where(MaintenanceRecord.assetid == assetid)
        return list_response(stmt, MAINTENANCE_LIST)

    @require_role("editor")
    @blp.arguments(MaintenanceRecordSchema)
    @blp.response(201, envelope(MaintenanceRecordSchema))
    def post(self, body, assetid):
        """Record maintenance performed on the machine (audited)."""
        asset, _ = resource.load(assetid)
        require_site_access(asset.site_id)
        with writes.transaction():
            record = writes.create(MaintenanceRecord, assetid=asset.assetid, created_by=current_actor()[1], **body)
        return responses.single(record, 201)


class MaintenanceRecordItem(MethodView):
    @blp.response(200, envelope(MaintenanceRecordSchema))
    def get(self, assetid, record_id):
        resource.load(assetid)
        return responses.single(_record_of(assetid, record_id))

    @require_role("editor")
    @blp.response(204)
    def delete(self, assetid, record_id):
        asset, _ = resource.load(assetid)
        require_site_access(asset.site_id)
        record = _record_of(assetid, record_id)
        with writes.transaction():
            writes.delete(record)
        return responses.no_content()


class MachineDowntime(MethodView):
    @blp.doc(parameters=DATE_PARAMETERS)
    @blp.response(200, envelope(EquipmentDowntimeSchema))
    def get(self, assetid):
        """Downtime of one machine between ``from`` and ``to``: total, count and per kind."""
        resource.load(assetid)
        start, end = date_range({"from", "to"})
        rows = db.session.execute(
            select(MaintenanceRecord.kind, func.sum(MaintenanceRecord.downtime_minutes), func.count())
            .where(MaintenanceRecord.assetid == assetid)
            .where(MaintenanceRecord.performed_on.between(start, end))
            .group_by(MaintenanceRecord.kind)
        ).all()
        by_kind = {kind: {"minutes": 0, "count": 0} for kind in MAINTENANCE_KINDS}
        for kind, minutes, count in rows:
            by_kind[kind] = {"minutes": int(minutes or 0), "count": int(count)}
        return responses.single({
            "assetid": assetid, "date_from": start, "date_to": end,
            "total_minutes": sum(k["minutes"] for k in by_kind.values()),
            "count": sum(k["count"] for k in by_kind.values()), "by_kind": by_kind,
        })


class PlantDowntime(MethodView):
    @blp.doc(parameters=[*DATE_PARAMETERS, {"in": "query", "name": "site_id", "schema": {"type": "integer"}},
                         *LIST_PARAMETERS[:2]])
    @blp.response(200, list_envelope(MachineDowntimeSchema))
    def get(self):
        """Machines ranked by downtime between ``from`` and ``to`` (one GROUP BY query per page)."""
        start, end = date_range({"from", "to", "site_id", *(RESERVED_ARGS - {"q", "sort"})})
        total = func.sum(MaintenanceRecord.downtime_minutes).label("total_minutes")
        stmt = (
            select(Asset.assetid, Asset.asset_tag, Asset.name, Asset.site_id, Equipment.machine_number,
                   total, func.count(MaintenanceRecord.id).label("record_count"))
            .join(Equipment, Equipment.assetid == Asset.assetid)
            .join(MaintenanceRecord, MaintenanceRecord.assetid == Asset.assetid)
            .where(MaintenanceRecord.performed_on.between(start, end))
            .group_by(Asset.assetid, Asset.asset_tag, Asset.name, Asset.site_id, Equipment.machine_number)
            .order_by(desc("total_minutes"), Asset.assetid)
        )
        raw_site = request.args.get("site_id")
        if raw_site not in (None, ""):
            try:
                stmt = stmt.where(Asset.site_id == int(raw_site))
            except ValueError:
                raise BadRequest("'site_id' must be a whole number.",
                                 {"fields": {"site_id": ["Not a valid integer."]}}) from None
        return paginate(stmt, lambda row: {
            "assetid": row.assetid, "asset_tag": row.asset_tag, "name": row.name, "site_id": row.site_id,
            "machine_number": row.machine_number, "total_minutes": int(row.total_minutes or 0),
            "count": int(row.record_count),
        }, scalars=False)


def register(blp: Blueprint) -> None:
    """Maintenance records of a machine, its downtime, and the plant's downtime."""
    blp.route("/<int:assetid>/maintenance")(MaintenanceRecords)
    blp.route("/<int:assetid>/maintenance/<int:record_id>")(MaintenanceRecordItem)
    blp.route("/<int:assetid>/downtime")(MachineDowntime)
    blp.route("/downtime")(PlantDowntime)
