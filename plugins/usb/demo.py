"""Demo sticks for ``shopdb demo``: most approved, a custody history of programs going to machines."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from sqlalchemy import select

from shopdb.plugins.toolkit import Asset, AssetType, db, utcnow

from .models import UsbCheckout, UsbDevice

STICKS = [  # (vendor id, product id, manufacturer, model) as they appear in usb.ids
    ("0781", "5567", "SanDisk", "Cruzer Blade"),
    ("0951", "1666", "Kingston", "DataTraveler 100 G3"),
    ("058f", "6387", "Alcor Micro", "Flash Drive"),
    ("18a5", "0302", "Verbatim", "Flash Drive"),
]
CAPACITIES_MB = (4096, 8192, 16384, 32768)
PEOPLE = ["Anna Becker", "Jonas Wolf", "Mehmet Yilmaz", "Sofia Rossi", "Lukas Schmid", "Maria Nowak",
          "Tom Fischer", "Elena Petrova", "Paul Wagner", "Lea Hoffmann"]
ATTENDANTS = ["crib.mueller", "crib.schulz", "s.klein"]
PURPOSES = ["Load part program", "Program update after engineering change", "Tool table update",
            "Backup of controller parameters", "Probe cycle update"]
EXTENSIONS = (".nc", ".MPF", ".H", ".EIA")


def _files(ctx) -> list[dict[str, str]]:
    return [{"name": f"O{ctx.rng.randrange(1000, 9999)}{ctx.rng.choice(EXTENSIONS)}",
             "sha256": hashlib.sha256(ctx.rng.randbytes(64)).hexdigest()}
            for _ in range(ctx.rng.randint(1, 3))]


Machine = tuple[int, str, str]  # assetid, asset_tag, name (the check-out snapshot)


def _machines_by_site() -> dict[int, list[Machine]]:
    machines: dict[int, list[Machine]] = {}
    rows = db.session.execute(
        select(Asset.site_id, Asset.assetid, Asset.asset_tag, Asset.name)
        .join(AssetType, AssetType.id == Asset.asset_type_id).where(AssetType.name == "equipment")
        .order_by(Asset.assetid)
    )
    for site_id, *machine in rows:
        machines.setdefault(site_id, []).append(tuple(machine))
    return machines


def _history(ctx, assetid: int, machines: list[Machine], now: dt.datetime, ending: str) -> list[dict[str, Any]]:
    """Closed checkouts back to back, then the ending: ``in_store``, ``checked_out`` or ``lost``."""
    rows = []
    at = now - dt.timedelta(days=ctx.rng.randint(90, 365), minutes=ctx.rng.randrange(1440))
    count = ctx.rng.randint(1, 4) + (ending != "in_store")
    for n in range(count):
        out_at = at
        in_at = out_at + dt.timedelta(hours=ctx.rng.randint(1, 72))
        at = in_at + dt.timedelta(days=ctx.rng.randint(1, 20))
        last = n == count - 1 or at >= now - dt.timedelta(days=5)  # history never reaches the future
        machine_id, machine_tag, machine_name = ctx.rng.choice(machines) if machines else (None, None, None)
        row = {"device_assetid": assetid, "checked_out_to": ctx.rng.choice(PEOPLE), "machine_assetid": machine_id,
               "machine_asset_tag": machine_tag, "machine_name": machine_name,
               "purpose": ctx.rng.choice(PURPOSES), "files": _files(ctx), "notes": None,
               "out_at": out_at, "out_by": ctx.rng.choice(ATTENDANTS), "open_device_assetid": None,
               "in_at": in_at, "in_by": ctx.rng.choice(ATTENDANTS), "closed_reason": "returned",
               "return_notes": None}
        if last and ending == "checked_out":
            row["out_at"] = now - dt.timedelta(hours=ctx.rng.randint(1, 48))
            row.update(in_at=None, in_by=None, closed_reason=None, open_device_assetid=assetid)
        elif last and ending == "lost":
            row.update(closed_reason="lost", return_notes="Not returned after the shift; not found at the machine.")
        rows.append(row)
        if last:
            break
    return rows


def generate(ctx) -> None:
    """About ``share(12)`` sticks per plant, spread over the sites; one of them is lost."""
    now = utcnow()
    machines = _machines_by_site()
    count = ctx.share(12)
    plans = []
    for i in range(count):
        approved = i == 0 or ctx.rng.random() < 0.85
        ending = "in_store"
        if i == 0:
            ending = "lost"
        elif approved and ctx.rng.random() < 0.12:
            ending = "checked_out"
        plans.append((approved, ending))
    rows, extensions = [], []
    for i, (approved, ending) in enumerate(plans):
        site = ctx.sites[i % len(ctx.sites)]
        vendor_id, product_id, maker, model = ctx.rng.choice(STICKS)
        capacity = ctx.rng.choice(CAPACITIES_MB)
        rows.append({"asset_tag": f"USB-{i + 1:05d}", "name": f"{maker} {model} {capacity // 1024} GB",
                     "site_id": site.id, "location_id": ctx.cells[site.id][0].id, "manufacturer": maker,
                     "model": model, "serial_number": f"{ctx.rng.getrandbits(64):016X}",
                     "status": "lost" if ending == "lost" else "active"})
        extensions.append({"serial": rows[-1]["serial_number"], "vendor_id": vendor_id, "product_id": product_id,
                           "capacity_mb": capacity, "label": f"PRG-{site.code}-{i + 1:04d}", "approved": approved,
                           "custody_state": ending,
                           "custody_note": "Reported missing at the weekly crib count." if ending == "lost" else None})
    ids = ctx.insert_assets("usb_device", rows)
    ctx.insert_rows(UsbDevice, ({"assetid": a, **e} for a, e in zip(ids, extensions, strict=True)))
    checkouts = []
    for assetid, row, (approved, ending) in zip(ids, rows, plans, strict=True):
        if approved:
            checkouts += _history(ctx, assetid, machines.get(row["site_id"], []), now, ending)
    ctx.insert_rows(UsbCheckout, checkouts)
