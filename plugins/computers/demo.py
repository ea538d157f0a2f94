"""The computers part of ``shopdb demo``: a PC beside most machines, plus CMM, engineering, office PCs and servers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from shopdb.plugins.toolkit import utcnow

from .models import Computer

# (manufacturer, model, OUI of the vendor's network cards as the IEEE registered it)
HARDWARE: dict[str, list[tuple[str, str, str]]] = {
    "shopfloor": [("Siemens", "SIMATIC IPC677E", "00:1B:1B"), ("Siemens", "SIMATIC IPC427E", "00:0E:8C"),
                  ("Beckhoff", "C6030", "00:01:05"), ("Advantech", "UNO-2484G", "74:FE:48"),
                  ("Dell", "OptiPlex 7090 XE", "00:14:22")],
    "cmm": [("HP", "Z2 G9", "3C:D9:2B"), ("Dell", "Precision 3660", "F4:8E:38")],
    "engineering": [("Dell", "Precision 5860", "98:E7:43"), ("HP", "Z4 G5", "00:21:5A")],
    "office": [("Dell", "OptiPlex 7010", "B0:7B:25"), ("HP", "EliteDesk 800 G6", "3C:D9:2B")],
    "server": [("Dell", "PowerEdge R750", "E4:54:E8"), ("HPE", "ProLiant DL380 Gen10", "94:40:C9")],
}
SYSTEMS: dict[str, list[tuple[str, str]]] = {
    "shopfloor": [("Windows 10 IoT Enterprise LTSC", "21H2"), ("Windows 10 IoT Enterprise LTSC", "1809"),
                  ("Windows 7 Embedded", "SP1")],
    "cmm": [("Windows 10 Pro", "22H2"), ("Windows 11 Pro", "23H2")],
    "engineering": [("Windows 11 Enterprise", "23H2"), ("Windows 10 Enterprise", "22H2")],
    "office": [("Windows 11 Enterprise", "23H2"), ("Windows 11 Enterprise", "22H2")],
    "server": [("Windows Server 2022", "21H2"), ("Windows Server 2019", "1809"), ("Ubuntu Server", "22.04 LTS")],
}
CODES = {"shopfloor": "sf", "cmm": "cmm", "engineering": "eng", "office": "ofc", "server": "srv"}
LABELS = {"shopfloor": "shop-floor PC", "cmm": "CMM PC", "engineering": "engineering workstation",
          "office": "office PC", "server": "server"}
# How the PCs that do not sit beside a machine split up (relative weights).
OTHER_MIX = (("cmm", 8), ("engineering", 25), ("office", 60), ("server", 7))


def _ip(index: int) -> str:
    # 10.100.0.0 upwards, skipping .0/.1 and broadcast-looking host parts; unique per index.
    return f"10.{100 + index // 60000 % 100}.{index // 250 % 240}.{index % 250 + 2}"


def _mac(oui: str, index: int) -> str:
    low = (index * 7919 + 1) % 0xFFFFFF  # spread the NIC part; unique per index within one OUI
    return f"{oui}:{low >> 16:02X}:{low >> 8 & 0xFF:02X}:{low & 0xFF:02X}"


def generate(ctx: Any) -> None:
    """Insert the demo PCs in bulk and the ``controls`` edges from shop-floor PCs to their machines."""
    now = utcnow()
    cell_names = {cell.id: cell.name for cells in ctx.cells.values() for cell in cells}
    machines = [m for m in ctx.assets_of_type("equipment") if ctx.rng.random() < 0.7]
    planned: list[tuple[str, int, int | None, int | None]] = [  # (pc_type, site_id, location_id, machine)
        ("shopfloor", site_id, location_id, machine_id) for machine_id, site_id, location_id in machines
    ]
    others = max(ctx.share(30) - len(planned), 2 * len(ctx.sites))
    kinds, weights = zip(*OTHER_MIX, strict=True)
    for i in range(others):
        site = ctx.sites[i % len(ctx.sites)]
        kind = "server" if i < len(ctx.sites) else ctx.rng.choices(kinds, weights)[0]  # one server per site
        cell = ctx.rng.choice(ctx.cells[site.id]) if kind in ("cmm", "engineering") else None
        planned.append((kind, site.id, cell.id if cell else None, None))

    site_codes = {site.id: site.code.lower() for site in ctx.sites}
    counters: dict[str, int] = {}
    rows, extensions, links = [], [], []
    for index, (kind, site_id, location_id, machine_id) in enumerate(planned):
        counters[kind] = counters.get(kind, 0) + 1
        hostname = f"{site_codes[site_id]}-{CODES[kind]}-{counters[kind]:05d}"
        maker, model, oui = ctx.rng.choice(HARDWARE[kind])
        os_name, os_version = ctx.rng.choice(SYSTEMS[kind])
        where = cell_names.get(location_id)
        name = f"{where} {LABELS[kind]}" if where else f"{LABELS[kind].capitalize()} {hostname.upper()}"
        rows.append({"asset_tag": f"PC-{index + 1:06d}", "name": name,
                     "site_id": site_id, "location_id": location_id, "manufacturer": maker, "model": model,
                     "serial_number": f"{maker[:2].upper()}{ctx.rng.randrange(10**8):08d}"})
        # A few PCs were never seen by the inventory scan; the rest within the last 120 days.
        seen = None if ctx.rng.random() < 0.03 else now - dt.timedelta(minutes=ctx.rng.randrange(120 * 24 * 60))
        extensions.append({
            "hostname": hostname, "os_name": os_name, "os_version": os_version,
            "domain": None if kind == "shopfloor" and ctx.rng.random() < 0.4 else "plant.example.com",
            "mac_address": _mac(oui, index), "primary_ip": _ip(index), "pc_type": kind,
            "last_seen_at": seen,
            "warranty_end": now.date() + dt.timedelta(days=ctx.rng.randrange(-730, 1095)),
        })
        if machine_id is not None:
            links.append((index, machine_id))
    ids = ctx.insert_assets("computer", rows)
    ctx.insert_rows(Computer, ({"assetid": a, **e} for a, e in zip(ids, extensions, strict=True)))
    ctx.relate("controls", [(ids[index], machine_id) for index, machine_id in links])
