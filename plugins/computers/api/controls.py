"""``/api/v1/computers/<assetid>/controls``: the machines a PC drives (``controls`` edges, PC → machine).

The equipment side needs no code here: the core's ``/api/v1/assets/<id>/relationships`` lists each
edge from both ends. Which assets may be linked is ``rules.check_controls``, shared with the core's
endpoint.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from shopdb.plugins.toolkit import (
    Asset,
    AssetRelationship,
    Conflict,
    NotFound,
    db,
    envelope,
    list_envelope,
    require_role,
    require_site_access,
    responses,
    writes,
)

from ..rules import CONTROLS, check_controls
from ..schemas import ControlledMachineSchema, ControlsSchema
from .routes import blp, controlled_by, resource


def _edge(computer_id: int, equipment_id: int) -> AssetRelationship | None:
    return db.session.execute(select(AssetRelationship).where(
        AssetRelationship.kind == CONTROLS,
        AssetRelationship.source_assetid == computer_id,
        AssetRelationship.target_assetid == equipment_id,
    )).scalar_one_or_none()


class ComputerControls(MethodView):
    @blp.response(200, list_envelope(ControlledMachineSchema))
    def get(self, assetid: int):
        """The machines this PC controls."""
        resource.load(assetid)
        items = controlled_by(assetid)
        return responses.listing(items, 1, max(len(items), 1), len(items))

    @require_role("editor")
    @blp.arguments(ControlsSchema)
    @blp.response(201, envelope(ControlledMachineSchema))
    def post(self, body: dict, assetid: int):
        """Record that this PC controls a machine: ``{"equipment_assetid": N}``."""
        computer, _ = resource.load(assetid)
        require_site_access(computer.site_id)
        machine = writes.require_reference(Asset, body["equipment_assetid"], "equipment_assetid")
        check_controls(computer, machine, "equipment_assetid")
        existing = _edge(computer.assetid, machine.assetid)
        if existing is not None:
            raise Conflict(f"{computer.asset_tag} already controls {machine.asset_tag}.",
                           {"relationship_id": existing.id}, code="duplicate")
        with writes.transaction():
            rel = writes.create(AssetRelationship, kind=CONTROLS, source_assetid=computer.assetid,
                                target_assetid=machine.assetid)
            writes.emit_after_commit("relationship_created", id=rel.id, kind=CONTROLS,
                                     source_assetid=computer.assetid, target_assetid=machine.assetid)
        item = next(c for c in controlled_by(assetid) if c["relationship_id"] == rel.id)
        return responses.single(item, 201)


class ComputerControlsItem(MethodView):
    @require_role("editor")
    @blp.response(204)
    def delete(self, assetid: int, equipment_assetid: int):
        """This PC no longer controls that machine."""
        computer, _ = resource.load(assetid)
        require_site_access(computer.site_id)
        rel = _edge(computer.assetid, equipment_assetid)
        if rel is None:
            raise NotFound(f"Computer {assetid} does not control asset {equipment_assetid}.")
        with writes.transaction():
            writes.delete(rel)
        return responses.no_content()


def register(blp: Blueprint) -> None:
    """``/<assetid>/controls`` and ``/<assetid>/controls/<equipment_assetid>``."""
    blp.route("/<int:assetid>/controls")(ComputerControls)
    blp.route("/<int:assetid>/controls/<int:equipment_assetid>")(ComputerControlsItem)
