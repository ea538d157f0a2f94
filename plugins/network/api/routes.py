"""``/api/v1/network``: the blueprint, network devices (flat asset+extension) and "where is it plugged in".

Subnets, IP addresses and interfaces add their routes to the same blueprint from their own modules;
``api/__init__.py`` calls each module's ``register(blp)`` in one place.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from shopdb.plugins.toolkit import Asset, ExtensionResource, db, envelope, responses, writes

from ..models import Interface, IPAddress, NetworkDevice, Subnet
from ..rules import DEVICE_TYPE, validate_network_device
from ..schemas import ConnectionsSchema, NetworkDeviceSchema

blp = Blueprint("network", __name__, url_prefix="/api/v1/network",
                description="Network devices, subnets, IP addresses and switch ports")


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
    search_fields=("mgmt_ip", "firmware"), search_exact=("mgmt_ip",),
    validate=validate_network_device,
    detail_extra=lambda asset, device: {"interfaces": ports_of_device(asset.assetid),
                                        "ip_addresses": addresses_of_asset(asset.assetid)},
)
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


def register(blp: Blueprint) -> None:
    """Network devices (flat) and where an asset is plugged in."""
    devices.register(blp)
    blp.route("/assets/<int:assetid>/connections")(AssetConnections)
