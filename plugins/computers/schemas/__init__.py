from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import ValidationError, fields, validate

from shopdb.core.schemas import AssetFieldsSchema, Id, StrictSchema, Text

from ..addresses import mac_vendor, normalise_ip, normalise_mac
from ..models import PC_TYPES

HOSTNAME = r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"


class Hostname(Text):
    """A DNS hostname, lower-cased: ``PC-0042`` and ``pc-0042`` are the same machine."""

    def __init__(self, **kwargs: Any):
        super().__init__(253, validate=validate.Regexp(HOSTNAME, error="Not a valid hostname."), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        return result.lower() if isinstance(result, str) else result


class MacAddress(Text):
    """Accepts ``00-1a-2b-3c-4d-5e``, ``001a.2b3c.4d5e``, ``001A2B3C4D5E``; loads ``00:1A:2B:3C:4D:5E``."""

    def __init__(self, **kwargs: Any):
        super().__init__(32, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        try:
            return normalise_mac(result)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


class IpAddress(Text):
    """An IPv4 or IPv6 address, loaded in its compressed form."""

    def __init__(self, **kwargs: Any):
        super().__init__(64, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        try:
            return normalise_ip(result)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


class ControlledMachineSchema(StrictSchema):
    """A machine the PC drives (a ``controls`` edge)."""

    relationship_id = fields.Int()
    assetid = fields.Int()
    asset_tag = fields.Str()
    name = fields.Str()
    status = fields.Str()
    site_id = fields.Int()
    asset_type = fields.Str()


class ComputerSchema(AssetFieldsSchema):
    """A PC: the core asset fields and the computer's own, side by side (flat)."""

    hostname = Hostname(required=True)
    os_name = Text(64, allow_none=True)
    os_version = Text(64, allow_none=True)
    domain = Text(253, allow_none=True)
    mac_address = MacAddress(allow_none=True)
    primary_ip = IpAddress(allow_none=True)
    pc_type = fields.Str(required=True, validate=validate.OneOf(PC_TYPES))
    # Stored as naive UTC like every timestamp in ShopDB; an offset in the input is honoured.
    last_seen_at = fields.NaiveDateTime(timezone=dt.UTC, allow_none=True)
    warranty_end = fields.Date(allow_none=True)
    mac_vendor = fields.Function(lambda obj: mac_vendor(_get(obj, "mac_address")), dump_only=True,
                                 metadata={"type": "string", "nullable": True})
    controls = fields.List(fields.Nested(ControlledMachineSchema), dump_only=True,
                           metadata={"description": "single-object view only"})


def _get(obj: Any, key: str) -> Any:
    return obj.get(key) if isinstance(obj, dict) else getattr(obj, key, None)


class ControlsSchema(StrictSchema):
    """``POST /computers/<assetid>/controls``: the machine this PC drives."""

    equipment_assetid = Id(required=True)
