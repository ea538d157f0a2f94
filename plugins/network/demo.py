"""The network part of ``shopdb demo``: switches, routers, firewalls, subnets, addresses and patching.

Per site: a core switch, a router and a firewall; per building enough 48-port access switches for
its machines, PCs and printers. Subnets: an office LAN, one shopfloor VLAN per building (a /16
and further /16s on the same VLAN once a building outgrows 60,000 hosts), a management LAN and an
IPv6 ULA /64. Every computer, printer and machine gets an address in its subnet and a switch port.
Everything is written with the context's bulk inserts; nothing here queries per row.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import click
from sqlalchemy import select

from shopdb.plugins.toolkit import Location, db, utcnow

from .addressing import IPNetwork, key_of, usable_range
from .models import Interface, IPAddress, NetworkDevice, Subnet

PORTS_PER_SWITCH = 48
HOSTS_PER_SUBNET = 60_000  # a /16 has 65,534; keep room for growth
BIG_PLANT = 10_000  # from this many assets on, every shopfloor VLAN gets a whole /16
ENDPOINT_TYPES = ("equipment", "computer", "printer")
MODELS = {
    "core": ("Cisco", "Catalyst 9500-24Y4C", "IOS-XE 17.9.4a"),
    "access": ("Cisco", "Catalyst 9300-48P", "IOS-XE 17.9.4a"),
    "router": ("Cisco", "ISR 4331", "IOS-XE 17.6.5"),
    "firewall": ("Fortinet", "FortiGate 100F", "FortiOS 7.2.8"),
}
ROLES = {"core": "switch", "access": "switch", "router": "router", "firewall": "firewall"}


@dataclass
class PlannedSubnet:
    site_id: int
    name: str
    vlan: int | None
    network: IPNetwork
    description: str
    holders: list[int] = field(default_factory=list)  # assetids, in address order after the gateway
    dhcp_pool: int = 0


@dataclass
class Device:
    key: str  # "core", "access", "router", "firewall"
    row: dict[str, Any]
    building: int | None = None
    assetid: int | None = None
    ports: list[int] = field(default_factory=list)  # connected assetids, port 1..48


class _Blocks:
    """Hands out 10.N.0.0 blocks; each subnet gets its own /16 so any prefix from /24 to /16 fits."""

    def __init__(self) -> None:
        self.next = 1

    def take(self, hosts: int, whole: bool = False) -> ipaddress.IPv4Network:
        """The smallest /24../16 for ``hosts`` (``whole``: the full /16, as a big plant would plan it)."""
        if self.next > 255:
            raise click.ClickException("network demo: more subnets than 10.0.0.0/8 holds")
        prefix = 16 if whole else next((p for p in range(24, 15, -1) if (1 << (32 - p)) - 2 >= hosts), 16)
        network = ipaddress.IPv4Network((10 << 24 | self.next << 16, prefix))
        self.next += 1
        return network


def _buildings(ctx) -> tuple[dict[int, list[int]], dict[int, int], dict[int, str]]:
    """Buildings per site (ordered), cell id → building id, building id → name."""
    per_site: dict[int, list[int]] = {}
    cell_building: dict[int, int] = {}
    for site in ctx.sites:
        ids: list[int] = []
        for cell in ctx.cells.get(site.id, []):
            cell_building[cell.id] = cell.parent_id if cell.parent_id is not None else cell.id
            if cell_building[cell.id] not in ids:
                ids.append(cell_building[cell.id])
        per_site[site.id] = ids
    every = [b for ids in per_site.values() for b in ids]
    names = dict(db.session.execute(select(Location.id, Location.name).where(Location.id.in_(every))).all()) \
        if every else {}
    return per_site, cell_building, names


def generate(ctx) -> None:
    buildings, cell_building, building_names = _buildings(ctx)
    blocks = _Blocks()
    ula = ipaddress.IPv6Network(((0xFD << 120) | (ctx.rng.getrandbits(40) << 80), 48))
    devices: list[Device] = []
    subnets: list[PlannedSubnet] = []
    vlan_of: dict[int, int | None] = {}  # endpoint assetid → VLAN of its access port
    big_plant = ctx.total_assets >= BIG_PLANT

    endpoints: dict[int, list[tuple[int, str, int | None]]] = defaultdict(list)
    for type_name in ENDPOINT_TYPES:
        for assetid, site_id, location_id in ctx.assets_of_type(type_name):
            endpoints[site_id].append((assetid, type_name, location_id))

    for s, site in enumerate(ctx.sites):
        code = site.code
        site_buildings = buildings.get(site.id) or [None]
        office, floor = [], defaultdict(list)
        for assetid, type_name, location_id in endpoints.get(site.id, []):
            building = cell_building.get(location_id, location_id if location_id in site_buildings else None)
            if type_name == "computer" and (building is None or assetid % 5 == 0):
                office.append(assetid)  # unplaced PCs and every fifth PC sit in the offices
            else:
                floor[building if building is not None else site_buildings[assetid % len(site_buildings)]] \
                    .append(assetid)
        home = site_buildings[0]
        core = Device("core", _asset_row(f"SW-{code}-CORE", "Core switch", site.id, home, "core", ctx), home)
        router = Device("router", _asset_row(f"RT-{code}-01", "Edge router", site.id, home, "router", ctx), home)
        firewall = Device("firewall", _asset_row(f"FW-{code}-01", "Perimeter firewall", site.id, home,
                                                 "firewall", ctx), home)
        site_devices = [core, router, firewall]
        office_vlan = 10
        subnets.append(PlannedSubnet(site.id, f"{code} Office", office_vlan, blocks.take(len(office) * 5 // 4 + 40),
                                     "Office PCs; .dhcp pool at the end", list(office), dhcp_pool=20))
        vlan_of.update(dict.fromkeys(office, office_vlan))
        # Office PCs are patched on the first building's access switches.
        floor_for_ports = defaultdict(list, {b: list(v) for b, v in floor.items()})
        floor_for_ports[home] = office + floor_for_ports[home]
        for b, building in enumerate(site_buildings):
            hall = building_names.get(building, f"Building {b + 1}")
            members = floor.get(building, [])
            vlan = 100 + b
            vlan_of.update(dict.fromkeys(members, vlan))
            for chunk_no, start in enumerate(range(0, max(len(members), 1), HOSTS_PER_SUBNET)):
                chunk = members[start:start + HOSTS_PER_SUBNET]
                suffix = f" ({chunk_no + 1})" if chunk_no else ""
                subnets.append(PlannedSubnet(site.id, f"{code} Shopfloor {hall}{suffix}", vlan,
                                             blocks.take(len(chunk) * 5 // 4 + 10, whole=big_plant),
                                             f"Machines, cell PCs and printers in {hall}", chunk))
            plugged = floor_for_ports.get(building, [])
            letter = chr(65 + b) if b < 26 else str(b + 1)
            for k, start in enumerate(range(0, max(len(plugged), 1), PORTS_PER_SWITCH)):
                switch = Device("access", _asset_row(f"SW-{code}-{letter}{k + 1:02d}", f"{hall} access switch {k + 1}",
                                                     site.id, building, "access", ctx), building)
                switch.ports = plugged[start:start + PORTS_PER_SWITCH]
                site_devices.append(switch)
        devices += site_devices
        mgmt = PlannedSubnet(site.id, f"{code} Management", 900, blocks.take(len(site_devices) + 20),
                             "Switch, router and firewall management", [])
        subnets.append(mgmt)
        site_ula = ipaddress.IPv6Network((int(ula.network_address) | (s + 1) << 64, 64))
        subnets.append(PlannedSubnet(site.id, f"{code} IPv6 ULA", None, site_ula,
                                     "Dual-stack PCs and network devices", []))

    ids = ctx.insert_assets("network_device", [d.row for d in devices])
    for device, assetid in zip(devices, ids, strict=True):
        device.assetid = assetid
    _insert_addressing(ctx, devices, subnets, endpoints)
    _insert_interfaces(ctx, devices, vlan_of)


def _asset_row(tag: str, name: str, site_id: int, location_id: int | None, key: str, ctx) -> dict[str, Any]:
    maker, model, _ = MODELS[key]
    return {"asset_tag": tag, "name": name, "site_id": site_id, "location_id": location_id,
            "manufacturer": maker, "model": model, "serial_number": f"NET{ctx.rng.randrange(10**9):09d}"}


def _insert_addressing(ctx, devices: list[Device], subnets: list[PlannedSubnet],
                       endpoints: dict[int, list[tuple[int, str, int | None]]]) -> None:
    """Subnets, then every address: gateway (router) first, holders in order, a DHCP pool last."""
    now = utcnow()
    by_site: dict[int, list[Device]] = defaultdict(list)
    for device in devices:
        by_site[device.row["site_id"]].append(device)
    pcs = {a for rows in endpoints.values() for a, t, _ in rows if t == "computer"}
    for plan in subnets:
        site_devices = by_site[plan.site_id]
        if plan.name.endswith("Management"):
            plan.holders = [d.assetid for d in site_devices if d.key != "router"]
        elif plan.network.version == 6:
            plan.holders = [d.assetid for d in site_devices if d.key != "router"] + sorted(
                a for a, _, _ in endpoints.get(plan.site_id, []) if a in pcs)
    ctx.insert_rows(Subnet, ({
        "cidr": p.network.compressed, "ip_version": p.network.version, "prefix_length": p.network.prefixlen,
        "start_key": key_of(int(p.network.network_address), p.network.version),
        "end_key": key_of(int(p.network.broadcast_address), p.network.version),
        "vlan": p.vlan, "name": p.name, "site_id": p.site_id, "description": p.description,
        "version": 1, "created_at": now, "updated_at": now} for p in subnets))
    subnet_ids = {(s, c): i for s, c, i in db.session.execute(
        select(Subnet.site_id, Subnet.cidr, Subnet.id)
        .where(Subnet.site_id.in_({p.site_id for p in subnets}))).all()}
    mgmt_ip: dict[int, str] = {}
    rows: list[dict[str, Any]] = []
    for plan in subnets:
        router = next(d.assetid for d in by_site[plan.site_id] if d.key == "router")
        first, _ = usable_range(plan.network)
        make = type(plan.network.network_address)
        holders = [(router, "active"), *((a, "active") for a in plan.holders),
                   *((None, "dhcp") for _ in range(plan.dhcp_pool))]
        for offset, (assetid, status) in enumerate(holders):
            value = first + offset
            address = str(make(value))
            if plan.name.endswith("Management") and assetid is not None:
                mgmt_ip.setdefault(assetid, address)  # the router is managed on its gateway address
            rows.append({"address": address, "ip_version": plan.network.version,
                         "sort_key": key_of(value, plan.network.version),
                         "subnet_id": subnet_ids[(plan.site_id, plan.network.compressed)], "site_id": plan.site_id,
                         "assetid": assetid, "status": status, "hostname": None,
                         "description": "gateway" if offset == 0 else None,
                         "version": 1, "created_at": now, "updated_at": now})
    ctx.insert_rows(IPAddress, rows)
    ctx.insert_rows(NetworkDevice, ({"assetid": d.assetid, "role": ROLES[d.key],
                                     "mgmt_ip": mgmt_ip.get(d.assetid),
                                     "firmware": MODELS[d.key][2]} for d in devices))


def _insert_interfaces(ctx, devices: list[Device], vlan_of: dict[int, int | None]) -> None:
    """Access ports for endpoints, uplinks access → core → router → firewall."""
    now = utcnow()
    rows: list[dict[str, Any]] = []

    def port(device: int, name: str, connected: int | None, vlan: int | None, speed: int, note: str | None) -> None:
        rows.append({"device_assetid": device, "name": name, "connected_assetid": connected, "vlan": vlan,
                     "speed_mbps": speed, "description": note, "version": 1, "created_at": now, "updated_at": now})

    by_site: dict[int, list[Device]] = defaultdict(list)
    for device in devices:
        by_site[device.row["site_id"]].append(device)
    for site_devices in by_site.values():
        core = next(d for d in site_devices if d.key == "core")
        router = next(d for d in site_devices if d.key == "router")
        firewall = next(d for d in site_devices if d.key == "firewall")
        port(core.assetid, "Te1/1/1", router.assetid, None, 10_000, "uplink to router")
        port(router.assetid, "Gi0/0/1", core.assetid, None, 10_000, "LAN: core switch")
        port(router.assetid, "Gi0/0/0", firewall.assetid, None, 1_000, "WAN: firewall")
        port(firewall.assetid, "port1", router.assetid, None, 1_000, "inside: router")
        access = [d for d in site_devices if d.key == "access"]
        for n, switch in enumerate(access):
            # Core downlinks stack 48 per member: Te1/0/1..48, Te2/0/1.. for large plants.
            port(core.assetid, f"Te{n // 48 + 1}/0/{n % 48 + 1}", switch.assetid, None, 10_000, "downlink")
            port(switch.assetid, "Te1/1/1", core.assetid, None, 10_000, "uplink to core")
            for p, connected in enumerate(switch.ports):
                port(switch.assetid, f"Gi1/0/{p + 1}", connected, vlan_of.get(connected), 1_000, None)
    ctx.insert_rows(Interface, rows)
