"""``/api/v1/usb``: USB sticks as flat asset+extension objects, and their custody chain."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import Select, func

from shopdb.plugins.toolkit import (
    LIST_PARAMETERS,
    Asset,
    BadRequest,
    ExtensionResource,
    ListSpec,
    envelope,
    expected_version,
    list_envelope,
    list_response,
    require_role,
    require_site_access,
    responses,
)

from .. import custody, usbids
from ..custody import Device, Machine
from ..models import UsbCheckout, UsbDevice
from ..rules import validate_usb_device
from ..schemas import (
    SHA256,
    CheckoutRequestSchema,
    CheckoutSchema,
    CustodyNoteSchema,
    UsbDeviceSchema,
    normalize_hex_id,
)

blp = Blueprint("usb", __name__, url_prefix="/api/v1/usb", description="USB sticks and their custody chain")
TRUE, FALSE = {"1", "true", "yes"}, {"0", "false", "no"}


class UsbResource(ExtensionResource):
    """The generic flat resource, plus the vendor/product names read from usb.ids."""

    def to_dict(self, asset: Asset, extension: Any) -> dict[str, Any]:
        data = super().to_dict(asset, extension)
        data.update(usbids.names_for(extension.vendor_id, extension.product_id))
        return data


def _hex_filter(stmt: Select, name: str, column) -> Select:
    values = [v for raw in request.args.getlist(name) for v in raw.split(",") if v.strip()]
    if not values:
        return stmt
    try:
        wanted = [normalize_hex_id(v) for v in values]
    except ValueError:
        raise BadRequest(f"Filter '{name}' expects four hex digits, e.g. 0781.",
                         {"fields": {name: ["Must be four hex digits."]}}) from None
    return stmt.where(column.in_(wanted))


def _device_filter(stmt: Select) -> Select:
    # vendor_id=0x0781 and vendor_id=0781 must find the same sticks: normalise like the schema does.
    stmt = _hex_filter(stmt, "vendor_id", UsbDevice.vendor_id)
    return _hex_filter(stmt, "product_id", UsbDevice.product_id)


def _current_checkout(asset: Asset, device: UsbDevice) -> dict[str, Any]:
    current = custody.open_checkout(asset.assetid)
    return {"current_checkout": custody.checkout_by_id(current.id) if current else None}


resource = UsbResource(
    model=UsbDevice, schema=UsbDeviceSchema, type_name="usb_device",
    search_fields=("serial", "label"), search_exact=("serial",), extra_args={"vendor_id", "product_id"},
    validate=validate_usb_device, list_filter=_device_filter, detail_extra=_current_checkout,
)

# The machine as the API shows it: the live asset, or the check-out snapshot once it was deleted.
MACHINE_TAG = func.coalesce(Machine.asset_tag, UsbCheckout.machine_asset_tag)
MACHINE_NAME = func.coalesce(Machine.name, UsbCheckout.machine_name)
CHECKOUT_SPEC = ListSpec(
    fields={
        "id": UsbCheckout.id, "device_assetid": UsbCheckout.device_assetid,
        "device_asset_tag": Device.asset_tag, "machine_assetid": UsbCheckout.machine_assetid,
        "machine_asset_tag": MACHINE_TAG, "checked_out_to": UsbCheckout.checked_out_to,
        "purpose": UsbCheckout.purpose, "out_at": UsbCheckout.out_at, "out_by": UsbCheckout.out_by,
        "in_at": UsbCheckout.in_at, "in_by": UsbCheckout.in_by, "closed_reason": UsbCheckout.closed_reason,
    },
    search=[UsbCheckout.checked_out_to, UsbCheckout.purpose, Device.asset_tag, MACHINE_TAG, MACHINE_NAME,
            UsbDevice.label],
    default_sort=["-out_at"], tiebreak=[UsbCheckout.id.desc()],
    extra_args={"open", "file_sha256", "file_name"},
)
CHECKOUT_PARAMETERS = [
    *LIST_PARAMETERS,
    {"in": "query", "name": "open", "schema": {"type": "boolean"}, "description": "only open (or closed) ones"},
    {"in": "query", "name": "file_sha256", "schema": {"type": "string"}, "description": "carried this file"},
    {"in": "query", "name": "file_name", "schema": {"type": "string"}, "description": "carried a file so named"},
]


def _checkout_filters(stmt: Select) -> Select:
    raw_open = request.args.get("open")
    if raw_open not in (None, ""):
        if raw_open.lower() not in TRUE | FALSE:
            raise BadRequest("'open' must be true or false.", {"fields": {"open": ["Not a valid boolean."]}})
        stmt = stmt.where(UsbCheckout.in_at.is_(None) if raw_open.lower() in TRUE else UsbCheckout.in_at.isnot(None))
    sha = (request.args.get("file_sha256") or "").strip().lower()
    if sha:
        if not SHA256.fullmatch(sha):
            raise BadRequest("'file_sha256' must be 64 hex digits.", {"fields": {"file_sha256": ["Not a SHA-256."]}})
        stmt = stmt.where(custody.files_containing(sha256=sha))
    name = (request.args.get("file_name") or "").strip()
    if name:
        if len(name) > 255:
            raise BadRequest("'file_name' is limited to 255 characters.")
        stmt = stmt.where(custody.files_containing(name=name))
    return stmt


def _list_checkouts(stmt: Select):
    return list_response(_checkout_filters(stmt), CHECKOUT_SPEC, custody.checkout_to_dict, scalars=False)


class Checkouts(MethodView):
    @blp.doc(parameters=CHECKOUT_PARAMETERS)
    @blp.response(200, list_envelope(CheckoutSchema))
    def get(self):
        """Which stick went where: filter by machine, person, open, file SHA-256 or file name."""
        return _list_checkouts(custody.checkout_query())


def _load_for_write(assetid: int, body: dict[str, Any]):
    asset, device = resource.load(assetid)
    version = expected_version(body, asset)
    require_site_access(asset.site_id)
    return asset, device, version


class Custody(MethodView):
    @blp.doc(parameters=CHECKOUT_PARAMETERS)
    @blp.response(200, list_envelope(CheckoutSchema))
    def get(self, assetid):
        """The stick's custody chain, newest first."""
        resource.load(assetid)
        return _list_checkouts(custody.checkout_query().where(UsbCheckout.device_assetid == assetid))


class CheckOut(MethodView):
    @require_role("editor")
    @blp.arguments(CheckoutRequestSchema)
    @blp.response(201, envelope(CheckoutSchema))
    def post(self, body, assetid):
        """Hand the stick out; 409 when it is out, lost or not approved (``version``/If-Match honoured)."""
        asset, device, version = _load_for_write(assetid, body)
        checkout = custody.check_out(asset, device, body, version)
        return responses.single(custody.checkout_by_id(checkout.id), 201)


class CheckIn(MethodView):
    @require_role("editor")
    @blp.arguments(CustodyNoteSchema)
    @blp.response(200, envelope(CheckoutSchema))
    def post(self, body, assetid):
        """Take the stick back; closes its open checkout (409 when it is not out)."""
        asset, device, version = _load_for_write(assetid, body)
        checkout = custody.check_in(asset, device, body, version)
        return responses.single(custody.checkout_by_id(checkout.id))


class Lost(MethodView):
    @require_role("editor")
    @blp.arguments(CustodyNoteSchema)
    @blp.response(200, envelope(UsbDeviceSchema))
    def post(self, body, assetid):
        """Report the stick lost: custody and asset status ``lost``; an open checkout closes as lost."""
        asset, device, version = _load_for_write(assetid, body)
        custody.report_lost(asset, device, body, version)
        return responses.single(resource.detail(asset, device), etag_version=asset.version)


class Found(MethodView):
    @require_role("editor")
    @blp.arguments(CustodyNoteSchema)
    @blp.response(200, envelope(UsbDeviceSchema))
    def post(self, body, assetid):
        """A lost stick is back in the store (asset status ``active`` again)."""
        asset, device, version = _load_for_write(assetid, body)
        custody.report_found(asset, device, body, version)
        return responses.single(resource.detail(asset, device), etag_version=asset.version)


def register(blp: Blueprint) -> None:
    """``/checkouts`` first (before ``/<assetid>``), the flat stick routes, then each stick's custody."""
    blp.route("/checkouts")(Checkouts)
    resource.register(blp)
    blp.route("/<int:assetid>/custody")(Custody)
    blp.route("/<int:assetid>/checkout")(CheckOut)
    blp.route("/<int:assetid>/checkin")(CheckIn)
    blp.route("/<int:assetid>/lost")(Lost)
    blp.route("/<int:assetid>/found")(Found)
