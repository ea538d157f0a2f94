from __future__ import annotations

import ipaddress

from marshmallow import ValidationError, fields, validates

from shopdb.plugins.toolkit import AssetFieldsSchema, ChoiceField, Hostname, Id, StrictBool, StrictSchema, Text

from ..models import PRINTER_TYPES

# What people read for the printers' own fields (their OpenAPI titles); the core names the shared ones.
TITLES = {
    "relationship_id": "Relationship",
    "queue_name": "Print queue",
    "driver": "Driver",
    "printer_type": "Printer type",
    "color": "Colour",
    "duplex": "Duplex",
    "computers": "Computers that print here",
    "computer_assetid": "Computer",
}


class PrintingComputerSchema(StrictSchema):
    """A PC that prints to the printer (a ``prints_for`` edge)."""

    field_titles = TITLES

    relationship_id = fields.Int()
    assetid = fields.Int()
    asset_tag = fields.Str()
    name = fields.Str()


class PrinterSchema(AssetFieldsSchema):
    """A printer: the core asset fields and the printer's own, side by side."""

    field_titles = TITLES

    hostname = Hostname(allow_none=True)
    ip_address = Text(45, allow_none=True)
    queue_name = Text(120, allow_none=True)
    driver = Text(200, allow_none=True)
    printer_type = ChoiceField("printer_type", examples=PRINTER_TYPES, load_default="laser")
    color = StrictBool(load_default=False, metadata={"description": "JSON true/false only"})
    duplex = StrictBool(load_default=False, metadata={"description": "JSON true/false only"})
    computers = fields.List(fields.Nested(PrintingComputerSchema), dump_only=True,
                            metadata={"description": "single-object view only"})

    @validates("ip_address")
    def _valid_ip(self, value, **_):
        if value is None:
            return
        try:
            ipaddress.ip_address(value)
        except ValueError:
            raise ValidationError("Not a valid IPv4 or IPv6 address.") from None


class PrintsForSchema(StrictSchema):
    field_titles = TITLES

    computer_assetid = Id(required=True)
