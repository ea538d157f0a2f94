"""``/api/v1/network``: the blueprint, network devices (flat asset+extension) and "where is it plugged in".

Subnets, IP addresses and interfaces register their routes on the same blueprint from their own
modules (see ``api/__init__.py``).
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from shopdb.api import Conflict, ValidationFailed, envelope, responses
from shopdb.core.models import Asset
from shopdb.core.services import writes
from shopdb.extensions import db
from shopdb.plugins.extension_api import ExtensionResource

from ..addressing import normalise_address
from ..models import Interface, IPAddress, NetworkDevice, Subnet
from ..schemas import ConnectionsSchema, NetworkDeviceSchema

blp = Blueprint("network", __name__, url_prefix="/api/v1/network",
                description="Network devices, subnets, IP addresses and switch ports")
DEVICE_TYPE = "network_device"


def _validate_device(data: dict[str, Any], asset: Asset | None, device: NetworkDevice | None) -> None:
    """Normalise ``mgmt_ip``; two devices of one site may not share a management address (409)."""
    if data.get("mgmt_ip"):
        try:
            data["mgmt_ip"] = normalise_address(data["mgmt_ip"])
        except ValueError as exc:
            raise ValidationFailed({"mgmt_ip": [str(exc)]}) from None
    mgmt_ip = data.get("mgmt_ip", device.mgmt_ip if device else None)
    site_id = data.get("site_id", asset.site_id if asset else None)
    if not mgmt_ip or ("mgmt_ip" not in data and "site_id" not in data):
        return
    other = db.session.execute(
        select(Asset.asset_tag).join(NetworkDevice, NetworkDevice.assetid == Asset.assetid)
        .where(NetworkDevice.mgmt_ip == mgmt_ip, Asset.site_id == site_id,
               Asset.assetid != (asset.assetid if asset else -1))
        .limit(1)
    ).scalar_one_or_none()
    if other is not None:
        raise Conflict(f"mgmt_ip {mgmt_ip!r} is already used by device {other} in this site.",
                       {"fields": {"mgmt_ip": ["Already in use."]}, "field": "mgmt_ip", "value": mgmt_ip},
                       code="duplicate")


def ports_of_device(assetid: int) -> list[dict[str, Any]]:
    """The device's ports with what hangs on each, in one statement."""
    rows = db.session.execute(
        select(Interface, Asset.asset_tag, Asset.name)
        .outerjoin(Asset, Asset.assetid == Interface.connected_assetid)
        .where(Interface.device_assetid == assetid)
        .order_by(Interface.name, Interface.id)
    ).all()
    return [{"interface_id": i.id, "port": i.name, "vlan": i.vlan, "speed_mbps": i.speed_mbps,
             "description": i.description, "connected_assetid": i.connected_assetid,
             "connected_asset_tag": tag, "connected_name": name} for i, tag, name in rows]


def addresses_of_asset(assetid: int) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(IPAddress, Subnet.cidr).join(Subnet, Subnet.id == IPAddress.subnet_id)
        .where(IPAddress.assetid == assetid)
        .order_by(IPAddress.ip_version, IPAddress.sort_key)
    ).all()
    return [{"id": ip.id, "address": ip.address, "subnet_id": ip.subnet_id, "cidr": cidr,
             "site_id": ip.site_id, "ip_version": ip.ip_version, "status": ip.status,
             "hostname": ip.hostname, "assetid": ip.assetid} for ip, cidr in rows]


devices = ExtensionResource(
    model=NetworkDevice, schema=NetworkDeviceSchema, type_name=DEVICE_TYPE, prefix="/devices",
    search=(NetworkDevice.mgmt_ip, NetworkDevice.firmware),
    validate=_validate_device,
    detail_extra=lambda asset, device: {"interfaces": ports_of_device(asset.assetid),
                                        "ip_addresses": addresses_of_asset(asset.assetid)},
)
devices.register(blp)


@blp.route("/assets/<int:assetid>/connections")
class AssetConnections(MethodView):
    @blp.response(200, envelope(ConnectionsSchema))
    def get(self, assetid):
        """Where an asset is plugged in: the switch ports it hangs on, and its IP addresses."""
        asset = writes.get_or_404(Asset, assetid, "asset")
        device = Asset.__table__.alias("device")
        rows = db.session.execute(
            select(Interface, device.c.asset_tag, device.c.name, NetworkDevice.role)
            .join(device, device.c.assetid == Interface.device_assetid)
            .outerjoin(NetworkDevice, NetworkDevice.assetid == Interface.device_assetid)
            .where(Interface.connected_assetid == assetid)
            .order_by(device.c.asset_tag, Interface.name)
        ).all()
        ports = [{"interface_id": i.id, "device_assetid": i.device_assetid, "device_asset_tag": tag,
                  "device_name": name, "device_role": role, "port": i.name, "vlan": i.vlan,
                  "speed_mbps": i.speed_mbps, "description": i.description}
                 for i, tag, name, role in rows]
        return responses.single({"assetid": asset.assetid, "asset_tag": asset.asset_tag, "name": asset.name,
                                 "ports": ports, "ip_addresses": addresses_of_asset(assetid)})
