"""The network plugin's rules, each in one place; its endpoints call them, the service layer runs the
device rule on every write of a network device (``validate_network_device``, the ``validate``
callback of the devices resource), whichever path it takes.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select

from shopdb.plugins.toolkit import Asset, Conflict, Site, ValidationFailed, db, writes

from .addressing import (
    IPNetwork,
    address_key,
    key_of,
    normalise_address,
    parse_address,
    parse_network,
    reserved_reason,
    usable_range,
)
from .models import Interface, IPAddress, NetworkDevice, Subnet

DEVICE_TYPE = "network_device"


# -- network devices ------------------------------------------------------------------------------
def validate_network_device(data: dict[str, Any], asset: Asset | None, device: NetworkDevice | None) -> None:
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
        # the device's own copy of the site (held equal to the asset's, ADR 0008): with mgmt_ip it is the
        # unique index uq_network_devices_site_id_mgmt_ip; Asset.site_id made SQLite walk the site's assets
        .where(NetworkDevice.mgmt_ip == mgmt_ip, NetworkDevice.site_id == site_id,
               NetworkDevice.assetid != (asset.assetid if asset else -1))
        .limit(1)
    ).scalar_one_or_none()
    if other is not None:
        raise Conflict(f"mgmt_ip {mgmt_ip!r} is already used by device {other} in this site.",
                       {"fields": {"mgmt_ip": ["Already in use."]}, "field": "mgmt_ip", "value": mgmt_ip},
                       code="duplicate")


# -- switch ports ---------------------------------------------------------------------------------
def require_network_device(assetid: int) -> Asset:
    """The port's device must be an existing network_device asset (422 otherwise)."""
    device = writes.require_reference(Asset, assetid, "device_assetid")
    if device.asset_type.name != DEVICE_TYPE:
        raise ValidationFailed({"device_assetid": [
            f"Asset {device.asset_tag} is a {device.asset_type.name}, not a network device."]})
    return device


def check_connected(values: dict[str, Any], device_assetid: int) -> None:
    """What hangs on a port exists and is not the port's own device (422 otherwise)."""
    connected = values.get("connected_assetid")
    if connected is None:
        return
    writes.require_reference(Asset, connected, "connected_assetid")
    if connected == device_assetid:
        raise ValidationFailed({"connected_assetid": ["A port cannot be connected to its own device."]})


def ensure_unique_port(device_assetid: int, name: str, exclude: Interface | None = None) -> None:
    # Case-insensitive: "gi1/0/1" and "Gi1/0/1" are the same port to anyone reading a switch config.
    writes.ensure_unique(Interface, "name", name, scope={"device_assetid": device_assetid},
                         exclude=exclude, case_insensitive=True)


# -- IP addresses ---------------------------------------------------------------------------------
def address_placement(address: str, subnet: Subnet) -> dict[str, Any]:
    """Normalise ``address`` and check it is an assignable host of ``subnet`` (422 otherwise)."""
    try:
        parsed = parse_address(address)
    except ValueError as exc:
        raise ValidationFailed({"address": [str(exc)]}) from None
    network = parse_network(subnet.cidr)
    problem = None
    if parsed.version != network.version:
        problem = f"{parsed} is an IPv{parsed.version} address; subnet {network} is IPv{network.version}."
    elif parsed not in network:
        problem = f"{parsed} is not inside {network}."
    elif reason := reserved_reason(network, parsed):
        problem = f"{parsed} {reason} of {network}."
    if problem:
        raise ValidationFailed({"address": [problem]}, message=problem)
    return {"address": str(parsed), "ip_version": parsed.version, "sort_key": address_key(parsed),
            "subnet_id": subnet.id, "site_id": subnet.site_id}


def ensure_address_unique_in_site(values: dict[str, Any], exclude: IPAddress | None = None) -> None:
    """One address once per site (409); other sites may reuse it."""
    writes.ensure_unique(IPAddress, "address", values["address"], scope={"site_id": values["site_id"]},
                         exclude=exclude)


# -- subnets --------------------------------------------------------------------------------------
def subnet_values(cidr: str) -> tuple[IPNetwork, dict[str, Any]]:
    """The normal form of ``cidr`` and the columns derived from it (422 when it is no network)."""
    try:
        network = parse_network(cidr)
    except ValueError as exc:
        raise ValidationFailed({"cidr": [str(exc)]}) from None
    values = {"cidr": network.compressed, "ip_version": network.version, "prefix_length": network.prefixlen,
              "start_key": key_of(int(network.network_address), network.version),
              "end_key": key_of(int(network.broadcast_address), network.version)}
    return network, values


def refuse_overlap(site_id: int, values: dict[str, Any], exclude: Subnet | None = None) -> None:
    """Two subnets of one site may not share an address; other sites may reuse the same range.

    No constraint expresses overlap portably (docs/adr/0008), so writers of one site's subnets queue:
    the site's row is locked until the transaction ends (PostgreSQL ``FOR NO KEY UPDATE``, which
    leaves other inserts referencing the site alone; MariaDB ``FOR UPDATE``; SQLite's write lock is
    already exclusive), and a second writer checks only after the first one committed.
    """
    db.session.execute(select(Site.id).where(Site.id == site_id).with_for_update(key_share=True))
    stmt = (select(Subnet).where(Subnet.site_id == site_id, Subnet.ip_version == values["ip_version"],
                                 Subnet.start_key <= values["end_key"], Subnet.end_key >= values["start_key"])
            .order_by(Subnet.start_key).limit(1))
    if exclude is not None:
        stmt = stmt.where(Subnet.id != exclude.id)
    other = db.session.execute(stmt).scalar_one_or_none()
    if other is not None:
        raise Conflict(
            f"{values['cidr']} overlaps subnet {other.cidr} ({other.name}, id {other.id}) in this site.",
            {"fields": {"cidr": [f"Overlaps {other.cidr}."]},
             "overlaps": {"id": other.id, "cidr": other.cidr, "name": other.name}},
            code="overlap",
        )


def refuse_leaving_addresses(subnet: Subnet, network: IPNetwork, used: int) -> None:
    """Resizing must keep every recorded address assignable inside the new range."""
    if not used:
        return
    first, last = usable_range(network)
    outside = db.session.execute(
        select(func.count(IPAddress.id)).where(IPAddress.subnet_id == subnet.id).where(or_(
            IPAddress.ip_version != network.version,
            IPAddress.sort_key < key_of(first, network.version),
            IPAddress.sort_key > key_of(last, network.version),
        ))
    ).scalar_one()
    if outside:
        raise Conflict(f"{outside} IP addresses of subnet {subnet.cidr} would not be inside {network.compressed}.",
                       {"fields": {"cidr": [f"{outside} addresses would fall outside."]}, "outside": outside})
