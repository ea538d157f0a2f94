"""``/api/v1/printers``: printers as flat asset+extension objects, and the PCs printing to them."""

from __future__ import annotations

import ipaddress

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import or_, select

from shopdb.api import Conflict, NotFound, ValidationFailed, responses
from shopdb.auth import require_role, require_site_access
from shopdb.core.models import Asset, AssetRelationship
from shopdb.core.services import writes
from shopdb.extensions import db
from shopdb.plugins.extension_api import ExtensionResource

from ..models import Printer
from ..schemas import PrinterSchema, PrintsForSchema

blp = Blueprint("printers", __name__, url_prefix="/api/v1/printers", description="Printers")
PRINTS_FOR = "prints_for"


def _computers_of(assetid: int) -> list[dict]:
    """PCs linked by ``prints_for`` (printer → computer), whichever end the edge was made from."""
    rows = db.session.execute(
        select(AssetRelationship, Asset)
        .join(Asset, or_(
            (AssetRelationship.source_assetid == assetid) & (Asset.assetid == AssetRelationship.target_assetid),
            (AssetRelationship.target_assetid == assetid) & (Asset.assetid == AssetRelationship.source_assetid),
        ))
        .where(AssetRelationship.kind == PRINTS_FOR)
        .where(or_(AssetRelationship.source_assetid == assetid,
                   AssetRelationship.target_assetid == assetid))
        .order_by(Asset.asset_tag)
    ).all()
    return [{"relationship_id": rel.id, "assetid": a.assetid, "asset_tag": a.asset_tag,
             "name": a.name} for rel, a in rows]


def _validate(data: dict, asset, printer) -> None:
    if data.get("ip_address"):
        data["ip_address"] = str(ipaddress.ip_address(data["ip_address"]))
    if data.get("hostname"):
        data["hostname"] = data["hostname"].lower()


resource = ExtensionResource(
    model=Printer, schema=PrinterSchema, type_name="printer",
    search=(Printer.hostname, Printer.ip_address, Printer.queue_name),
    validate=_validate,
    detail_extra=lambda asset, printer: {"computers": _computers_of(asset.assetid)},
)
resource.register(blp)


@blp.route("/<int:assetid>/computers")
class PrinterComputers(MethodView):
    def get(self, assetid):
        """The PCs that print to this printer."""
        resource.load(assetid)
        items = _computers_of(assetid)
        return responses.listing(items, 1, max(len(items), 1), len(items))

    @require_role("editor")
    @blp.arguments(PrintsForSchema)
    def post(self, body, assetid):
        """Record that a PC prints to this printer (a ``prints_for`` relationship)."""
        printer, _ = resource.load(assetid)
        require_site_access(printer.site_id)
        computer = writes.require_reference(Asset, body["computer_assetid"], "computer_assetid")
        kind = computer.asset_type.name
        if kind != "computer":
            raise ValidationFailed({"computer_assetid": [f"Asset {computer.assetid} is a {kind}, not a computer."]})
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


@blp.route("/<int:assetid>/computers/<int:computer_assetid>")
class PrinterComputer(MethodView):
    @require_role("editor")
    def delete(self, assetid, computer_assetid):
        """The PC no longer prints to this printer (the edge is removed whichever end made it)."""
        printer, _ = resource.load(assetid)
        require_site_access(printer.site_id)
        link = next((c for c in _computers_of(assetid) if c["assetid"] == computer_assetid), None)
        if link is None:
            raise NotFound(f"Computer {computer_assetid} does not print to printer {assetid}.")
        with writes.transaction():
            writes.delete(db.session.get(AssetRelationship, link["relationship_id"]))
        return responses.no_content()
