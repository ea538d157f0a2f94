from __future__ import annotations

import re

from marshmallow import ValidationError, fields, validate

from shopdb.plugins.toolkit import AssetFieldsSchema, Id, StrictBool, StrictSchema, Text

from ..models import CLOSED_REASONS, CUSTODY_STATES

SHA256 = re.compile(r"^[0-9a-f]{64}$")
MAX_FILES = 500
HEX_ID_ERROR = 'Must be four hex digits, e.g. "0781" or "0x0781".'

# What people read for the sticks' own fields (their OpenAPI titles); the core names the shared ones.
TITLES = {
    "serial": "Stick serial",
    "vendor_id": "Vendor ID",
    "product_id": "Product ID",
    "capacity_mb": "Capacity (MB)",
    "approved": "Approved",
    "custody_state": "Custody",
    "custody_note": "Custody note",
    "vendor_name": "Vendor",
    "product_name": "Product",
    "current_checkout": "Current check-out",
    "sha256": "SHA-256",
    "checked_out_to": "Checked out to",
    "machine_assetid": "Machine",
    "purpose": "Purpose",
    "files": "Program files",
    "device_assetid": "Stick",
    "device_asset_tag": "Stick tag",
    "device_label": "Stick label",
    "machine_asset_tag": "Machine tag",
    "machine_name": "Machine name",
    "out_at": "Checked out",
    "out_by": "Checked out by",
    "in_at": "Checked in",
    "in_by": "Checked in by",
    "closed_reason": "Closed because",
    "return_notes": "Return notes",
    "open": "Open",
}


def _version() -> fields.Int:
    return fields.Int(strict=True, validate=validate.Range(min=1),
                      metadata={"description": "the stick's version you read (optimistic lock)"})


def normalize_hex_id(value: str) -> str:
    """``"0x0781"``, ``"0781"``, ``"0X0781"`` → ``"0781"``; anything but 4 hex digits → ValueError."""
    text = value.strip().lower().removeprefix("0x")
    if not re.fullmatch(r"[0-9a-f]{4}", text):
        raise ValueError(value)
    return text


class HexId(fields.String):
    """A USB vendor/product id: exactly four hex digits, ``0x`` optional, stored lowercase."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return normalize_hex_id(super()._deserialize(value, attr, data, **kwargs))
        except ValueError:
            raise ValidationError(HEX_ID_ERROR) from None


class UsbDeviceSchema(AssetFieldsSchema):
    """A USB stick: the core asset fields and the stick's own, side by side."""

    field_titles = TITLES

    serial = Text(128, allow_none=True)
    vendor_id = HexId(allow_none=True)
    product_id = HexId(allow_none=True)
    capacity_mb = fields.Int(strict=True, allow_none=True, validate=validate.Range(min=0, max=1_000_000_000))
    label = Text(120, allow_none=True)
    approved = StrictBool(load_default=False, metadata={"description": "JSON true/false only"})
    custody_state = fields.Str(dump_only=True, metadata={"enum": list(CUSTODY_STATES)})
    custody_note = fields.Str(dump_only=True, allow_none=True,
                              metadata={"description": "remark of the last lost/found report"})
    vendor_name = fields.Str(dump_only=True, allow_none=True, metadata={"description": "from usb.ids"})
    product_name = fields.Str(dump_only=True, allow_none=True, metadata={"description": "from usb.ids"})
    current_checkout = fields.Nested(lambda: CheckoutSchema(), dump_only=True, allow_none=True,
                                     metadata={"description": "single-object view only; null when in stock"})


class Sha256(fields.String):
    """A SHA-256 digest: 64 hex digits, stored lowercase (so filters match whatever case was sent)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip().lower()
        if not SHA256.fullmatch(text):
            raise ValidationError("Must be a SHA-256: 64 hex digits.")
        return text


class ProgramFileSchema(StrictSchema):
    """A file carried on the stick: its name and SHA-256."""

    field_titles = TITLES

    name = Text(255, required=True, metadata={"title": "File name"})
    sha256 = Sha256(required=True)


class CheckoutRequestSchema(StrictSchema):
    field_titles = TITLES

    checked_out_to = Text(120, required=True, metadata={"description": "the person who takes the stick"})
    machine_assetid = Id(allow_none=True, metadata={"description": "the machine the stick goes to"})
    purpose = Text(500, required=True)
    files = fields.List(fields.Nested(ProgramFileSchema), allow_none=True,
                        validate=validate.Length(max=MAX_FILES))
    notes = Text(10_000, allow_none=True)
    version = _version()


class CustodyNoteSchema(StrictSchema):
    """Body of check-in, lost and found: an optional note (and the version you read)."""

    field_titles = TITLES

    notes = Text(500, allow_none=True)
    version = _version()


class CheckoutSchema(StrictSchema):
    """One custody period, as the API shows it."""

    field_titles = TITLES

    id = fields.Int()
    device_assetid = fields.Int()
    device_asset_tag = fields.Str()
    device_label = fields.Str(allow_none=True)
    checked_out_to = fields.Str()
    machine_assetid = fields.Int(allow_none=True)
    machine_asset_tag = fields.Str(allow_none=True)
    machine_name = fields.Str(allow_none=True)
    purpose = fields.Str()
    files = fields.List(fields.Dict(), allow_none=True)
    notes = fields.Str(allow_none=True)
    out_at = fields.DateTime()
    out_by = fields.Str()
    in_at = fields.DateTime(allow_none=True)
    in_by = fields.Str(allow_none=True)
    closed_reason = fields.Str(allow_none=True, metadata={"enum": list(CLOSED_REASONS)})
    return_notes = fields.Str(allow_none=True)
    open = fields.Bool()
