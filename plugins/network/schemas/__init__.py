"""Request/response shapes of /api/v1/network. Unknown fields are refused; strings are bounded."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates

from shopdb.plugins.toolkit import HOSTNAME, AssetFieldsSchema, ChoiceField, Id, StrictSchema, Text

from ..addressing import parse_address, parse_network
from ..models import DEVICE_ROLES, IP_STATUSES

PORT_NAME = r"^[A-Za-z0-9][A-Za-z0-9/._:-]*$"
VERSION = {"version": fields.Int(strict=True, validate=validate.Range(min=1))}

# What people read for the network's own fields (their OpenAPI titles); the core names the shared ones.
TITLES = {
    "interface_id": "Interface",
    "port": "Port",
    "vlan": "VLAN",
    "speed_mbps": "Speed (Mbit/s)",
    "connected_assetid": "Connected asset",
    "connected_asset_tag": "Connected asset tag",
    "connected_name": "Connected asset name",
    "role": "Device role",
    "mgmt_ip": "Management IP",
    "firmware": "Firmware",
    "interfaces": "Interfaces",
    "ip_addresses": "IP addresses",
    "cidr": "Subnet",
    "subnet_id": "Subnet",
    "ip_version": "IP version",
    "prefix_length": "Prefix length",
    "size": "Addresses",
    "used": "Used",
    "free": "Free",
    "percent": "Used (%)",
    "device_assetid": "Device",
    "device_asset_tag": "Device tag",
    "device_name": "Device name",
    "device_role": "Device role",
    "ports": "Ports",
}


def _vlan() -> fields.Integer:
    return fields.Int(strict=True, allow_none=True,
                      validate=validate.Range(min=1, max=4094, error="A VLAN id is 1 to 4094."))


def _check_address(value: str | None) -> None:
    if value is None:
        return
    try:
        parse_address(value)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


class DevicePortSchema(StrictSchema):
    """One port of the device and what hangs on it."""

    field_titles = TITLES

    interface_id = fields.Int()
    port = fields.Str()
    vlan = fields.Int(allow_none=True)
    speed_mbps = fields.Int(allow_none=True)
    description = fields.Str(allow_none=True)
    connected_assetid = fields.Int(allow_none=True)
    connected_asset_tag = fields.Str(allow_none=True)
    connected_name = fields.Str(allow_none=True)


class NetworkDeviceSchema(AssetFieldsSchema):
    """A network device: the core asset fields and the device's own, side by side."""

    field_titles = TITLES

    role = ChoiceField("network_role", examples=DEVICE_ROLES, load_default="switch")
    mgmt_ip = Text(45, allow_none=True)
    firmware = Text(120, allow_none=True)
    interfaces = fields.List(fields.Nested(DevicePortSchema), dump_only=True,
                             metadata={"description": "single-object view only"})
    ip_addresses = fields.List(fields.Nested(lambda: IPAddressSchema()), dump_only=True,
                               metadata={"description": "single-object view only"})

    @validates("mgmt_ip")
    def _valid_mgmt_ip(self, value, **_):
        _check_address(value)


class SubnetSchema(StrictSchema):
    field_titles = TITLES

    id = fields.Int(dump_only=True)
    cidr = Text(49, required=True)
    vlan = _vlan()
    name = Text(120, required=True)
    site_id = Id(required=True)
    description = Text(500, allow_none=True)
    ip_version = fields.Int(dump_only=True)
    prefix_length = fields.Int(dump_only=True)
    # Utilisation, filled in by the views (list: one statement for the whole page).
    size = fields.Int(dump_only=True, metadata={"description": "usable host addresses in the subnet"})
    used = fields.Int(dump_only=True, metadata={"description": "addresses recorded in the subnet"})
    free = fields.Int(dump_only=True)
    percent = fields.Float(dump_only=True)
    version = VERSION["version"]
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)

    @validates("cidr")
    def _valid_cidr(self, value, **_):
        try:
            parse_network(value)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


class UtilisationSchema(StrictSchema):
    field_titles = TITLES

    subnet_id = fields.Int()
    cidr = fields.Str()
    size = fields.Int()
    used = fields.Int()
    free = fields.Int()
    percent = fields.Float()


class NextFreeSchema(StrictSchema):
    field_titles = TITLES

    subnet_id = fields.Int()
    cidr = fields.Str()
    address = fields.Str(metadata={"title": "Next free address"})


class IPAddressSchema(StrictSchema):
    field_titles = TITLES

    id = fields.Int(dump_only=True)
    address = Text(45, required=True, metadata={"title": "IP address"})
    subnet_id = Id(required=True)
    assetid = Id(allow_none=True)
    status = fields.Str(load_default="active", validate=validate.OneOf(IP_STATUSES))
    hostname = Text(253, allow_none=True, validate=validate.Regexp(HOSTNAME, error="Not a valid hostname."))
    description = Text(500, allow_none=True)
    site_id = fields.Int(dump_only=True)
    ip_version = fields.Int(dump_only=True)
    cidr = fields.Str(dump_only=True)
    asset_tag = fields.Str(dump_only=True, allow_none=True)
    version = VERSION["version"]
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)

    @validates("address")
    def _valid_address(self, value, **_):
        _check_address(value)


class InterfaceSchema(StrictSchema):
    field_titles = TITLES

    id = fields.Int(dump_only=True)
    device_assetid = Id(required=True)
    name = Text(64, required=True, metadata={"title": "Port"},
                validate=validate.Regexp(PORT_NAME, error="Not a valid port name (e.g. Gi1/0/12)."))
    connected_assetid = Id(allow_none=True)
    description = Text(500, allow_none=True)
    vlan = _vlan()
    speed_mbps = fields.Int(strict=True, allow_none=True, validate=validate.Range(min=1, max=10_000_000))
    device_asset_tag = fields.Str(dump_only=True)
    connected_asset_tag = fields.Str(dump_only=True, allow_none=True)
    version = VERSION["version"]
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class PortSchema(StrictSchema):
    field_titles = TITLES

    interface_id = fields.Int()
    device_assetid = fields.Int()
    device_asset_tag = fields.Str()
    device_name = fields.Str()
    device_role = fields.Str(allow_none=True)
    port = fields.Str()
    vlan = fields.Int(allow_none=True)
    speed_mbps = fields.Int(allow_none=True)
    description = fields.Str(allow_none=True)


class ConnectionsSchema(StrictSchema):
    field_titles = TITLES

    assetid = fields.Int()
    asset_tag = fields.Str()
    name = fields.Str()
    ports = fields.List(fields.Nested(PortSchema))
    ip_addresses = fields.List(fields.Nested(IPAddressSchema))
