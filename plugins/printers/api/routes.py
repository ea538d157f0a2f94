"""``/api/v1/printers``: printers as flat asset+extension objects, and the PCs printing to them."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from shopdb.plugins.toolkit import (
    Asset,
    AssetRelationship,
    Conflict,
    ExtensionResource,
    NotFound,
    db,
    envelope,
    list_envelope,
    require_role,
    require_site_access,
    responses,
    writes,
)

from ..models import Printer
from ..rules import PRINTS_FOR, check_prints_for, validate_printer
from ..schemas import PrinterSchema, PrintingComputerSchema, PrintsForSchema

blp = Blueprint("printers", __name__, url_prefix="/api/v1/printers", description="Printers")


def _computers_of(assetid: int) -> list[dict]:
    """PCs linked by ``prints_for``: always printer → computer, which ``check_prints_for`` ensures."""
    rows = db.session.execute(
        select(AssetRelationship, Asset)
        .join(Asset, Asset.assetid == AssetRelationship.target_assetid)
        .where(AssetRelationship.kind == PRINTS_FOR, AssetRelationship.source_assetid == assetid)
        .order_by(Asset.asset_tag_key, Asset.assetid)
    ).all()
    return [{"relationship_id": rel.id, "assetid": a.assetid, "asset_tag": a.asset_tag,
             "name": a.name} for rel, a in rows]


resource = ExtensionResource(
    model=Printer, schema=PrinterSchema, type_name="printer",
    search_fields=("hostname", "ip_address", "queue_name"), search_exact=("hostname", "ip_address"),
    validate=validate_printer,
    detail_extra=lambda asset, printer: {"computers": _computers_of(asset.assetid)},
)
class PrinterComputers(MethodView):
    @blp.response(200, list_envelope(PrintingComputerSchema))
    def get(self, assetid):
        """The PCs that print to this printer."""
        resource.load(assetid)
        items = _computers_of(assetid)
        return responses.listing(items, 1, max(len(items), 1), len(items))

    @require_role("editor")
    @blp.arguments(PrintsForSchema)
    @blp.response(201, envelope(PrintingComputerSchema))
    def post(self, body, assetid):
        """Record that a PC prints to this printer (a ``prints_for`` relationship)."""
        printer, _ = resource.load(assetid)
        require_site_access(printer.site_id)
        computer = writes.require_reference(Asset, body["computer_assetid"], "computer_assetid")
        check_prints_for(printer, computer, "computer_assetid")
        if any(c["assetid"] == computer.assetid for c in _computers_of(assetid)):
            raise Conflict("This PC already prints to this printer.", code="duplicate")
        with writes.transaction():
            rel = writes.create(AssetRelationship, kind=PRINTS_FOR, source_assetid=printer.assetid,
                                target_assetid=computer.assetid)
            # The same event the core's /assets/<id>/relationships emits, so subscribers see every edge.
            writes.emit_after_commit("relationship_created", id=rel.id, kind=PRINTS_FOR,
                                     source_assetid=printer.assetid, target_assetid=computer.assetid)
        return responses.single({"relationship_id": rel.id, "assetid": computer.assetid,
                                 "asset_tag": computer.asset_tag, "name": computer.name}, 201)


class PrinterComputer(MethodView):
    @require_role("editor")
    @blp.response(204)
    def delete(self, assetid, computer_assetid):
        """The PC no longer prints to this printer."""
        printer, _ = resource.load(assetid)
        require_site_access(printer.site_id)
        link = next((c for c in _computers_of(assetid) if c["assetid"] == computer_assetid), None)
        if link is None:
            raise NotFound(f"Computer {computer_assetid} does not print to printer {assetid}.")
        with writes.transaction():
            writes.delete(db.session.get(AssetRelationship, link["relationship_id"]))
        return responses.no_content()


def register(blp: Blueprint) -> None:
    """The flat printer routes, then ``/<assetid>/computers`` (the PCs printing to it)."""
    resource.register(blp)
    blp.route("/<int:assetid>/computers")(PrinterComputers)
    blp.route("/<int:assetid>/computers/<int:computer_assetid>")(PrinterComputer)
