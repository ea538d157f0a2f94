from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import fields

from shopdb.plugins.toolkit import (
    AssetFieldsSchema,
    ChoiceField,
    Hostname,
    Id,
    IpAddress,
    MacAddress,
    StrictSchema,
    Text,
)

from ..addresses import mac_vendor
from ..models import PC_TYPES

# What people read for the computers' own fields (their OpenAPI titles); the core names the shared ones.
TITLES = {
    "relationship_id": "Relationship",
    "os_name": "Operating system",
    "os_version": "OS version",
    "domain": "Domain",
    "pc_type": "PC type",
    "last_seen_at": "Last seen",
    "warranty_end": "Warranty ends",
    "mac_vendor": "MAC vendor",
    "controls": "Controlled machines",
    "equipment_assetid": "Machine",
}


class ControlledMachineSchema(StrictSchema):
    """A machine the PC drives (a ``controls`` edge)."""

    field_titles = TITLES

    relationship_id = fields.Int()
    assetid = fields.Int()
    asset_tag = fields.Str()
    name = fields.Str()
    status = fields.Str()
    site_id = fields.Int()
    asset_type = fields.Str()


class ComputerSchema(AssetFieldsSchema):
    """A PC: the core asset fields and the computer's own, side by side (flat)."""

    field_titles = TITLES

    hostname = Hostname(required=True)
    os_name = Text(64, allow_none=True)
    os_version = Text(64, allow_none=True)
    domain = Text(253, allow_none=True)
    mac_address = MacAddress(allow_none=True)
    primary_ip = IpAddress(allow_none=True)
    pc_type = ChoiceField("pc_type", examples=PC_TYPES, required=True)
    # Stored as naive UTC like every timestamp in ShopDB; an offset in the input is honoured.
    last_seen_at = fields.NaiveDateTime(timezone=dt.UTC, allow_none=True,
                                        metadata={"description": "when the PC was last seen on the network"})
    warranty_end = fields.Date(allow_none=True)
    mac_vendor = fields.Function(lambda obj: mac_vendor(_get(obj, "mac_address")), dump_only=True,
                                 metadata={"type": "string", "nullable": True,
                                           "description": "the network card's maker, from its MAC address"})
    controls = fields.List(fields.Nested(ControlledMachineSchema), dump_only=True,
                           metadata={"description": "single-object view only"})


def _get(obj: Any, key: str) -> Any:
    return obj.get(key) if isinstance(obj, dict) else getattr(obj, key, None)


class ControlsSchema(StrictSchema):
    """``POST /computers/<assetid>/controls``: the machine this PC drives."""

    field_titles = TITLES

    equipment_assetid = Id(required=True)
