"""``/api/v1/printers``: printers as flat asset+extension objects, and the PCs printing to them."""

from __future__ import annotations

import ipaddress

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from shopdb.api import Conflict, NotFound, envelope, list_envelope, responses
from shopdb.auth import require_role, require_site_access
from shopdb.core.models import Asset, AssetRelationship
from shopdb.core.services import writes
from shopdb.extensions import db
from shopdb.plugins.extension_api import ExtensionResource

from ..models import Printer
from ..rules import PRINTS_FOR, check_prints_for, ensure_ip_unique_in_site
from ..schemas import PrinterSchema, PrintingComputerSchema, PrintsForSchema

blp = Blueprint("printers", __name__, url_prefix="/api/v1/printers", description="Printers")


def _computers_of(assetid: int) -> list[dict]:
    """PCs linked by ``prints_for``: always printer → computer, which ``check_prints_for`` ensures."""
    rows = db.session.execute(
        select(AssetRelationship, Asset)
        .join(Asset, Asset.assetid == AssetRelationship.target_assetid)
        .where(AssetRelationship.kind == PRINTS_FOR, AssetRelationship.source_assetid == assetid)
        .order_by(Asset.asset_tag, Asset.assetid)
    ).all()
    return [{"relationship_id": rel.id, "assetid": a.assetid, "asset_tag": a.asset_tag,
             "name": a.name} for rel, a in rows]


def _validate(data: dict, asset: Asset | None, printer: Printer | None) -> None:
    # One stored spelling (compressed IP, lower-case hostname) makes equality mean "the same".
    if data.get("ip_address"):
        data["ip_address"] = str(ipaddress.ip_address(data["ip_address"]))
    if data.get("hostname"):
        data["hostname"] = data["hostname"].lower()
    # The clear 409 before the hostname's unique constraint would refuse it.
    if "hostname" in data:
        writes.ensure_unique(Printer, "hostname", data["hostname"], exclude=printer, case_insensitive=True)
    # Moving a printer to another site must not bring its address into a clash there either.
    if "ip_address" in data or "site_id" in data:
        ensure_ip_unique_in_site(
            data.get("ip_address", printer.ip_address if printer else None),
            data.get("site_id", asset.site_id if asset else None),
            asset.assetid if asset else None,
        )


resource = ExtensionResource(
    model=Printer, schema=PrinterSchema, type_name="printer",
    search=(Printer.hostname, Printer.ip_address, Printer.queue_name),
    validate=_validate,
    detail_extra=lambda asset, printer: {"computers": _computers_of(asset.assetid)},
)
resource.register(blp)


@blp.route("/<int:assetid>/computers")
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


@blp.route("/<int:assetid>/computers/<int:computer_assetid>")
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
