"""Demo data: a few notices per site and for all sites, and critical ones for machines in repair."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from shopdb.plugins.toolkit import Asset, AssetType, db

from .models import SOURCE_EQUIPMENT, SOURCE_MANUAL, Notification, now_seconds

# (for all sites?, severity, title, message)
DEMO_NOTICES = [
    (True, "info", "Fire drill on Thursday at 10:00",
     "Leave by the nearest exit; the assembly point is the north car park."),
    (True, "warning", "ERP downtime Saturday 06:00-12:00",
     "Work orders cannot be booked meanwhile; note them on paper and book them afterwards."),
    (False, "warning", "Compressed air maintenance in Hall B",
     "Pressure may drop below 6 bar between 13:00 and 15:00; pause air-driven fixtures."),
    (False, "info", "New part program release procedure",
     "Programs reach the controls only from an approved USB stick or by DNC; see QA-PR-014."),
    (False, "info", "Coolant concentration check this week",
     "Quality samples every sump; log the Brix reading at the machine."),
]
DEMO_CRITICAL_MAX = 10



def generate(ctx) -> None:
    """A few notices per site and for all sites, and critical ones for machines in repair."""
    now = now_seconds()
    rows = []

    def notice(site_id, severity, title, message, source=SOURCE_MANUAL, assetid=None,
               hours_ago=0, ends_in_hours=None) -> None:
        starts = now - dt.timedelta(hours=hours_ago)
        rows.append({"title": title, "message": message, "severity": severity, "site_id": site_id,
                     "assetid": assetid, "starts_at": starts, "source": source, "created_by": "demo",
                     "ends_at": now + dt.timedelta(hours=ends_in_hours) if ends_in_hours is not None else None,
                     "created_at": starts, "updated_at": starts, "version": 1})

    for all_sites, severity, title, message in DEMO_NOTICES:
        for site in [None] if all_sites else ctx.rng.sample(ctx.sites, min(2, len(ctx.sites))):
            notice(site.id if site else None, severity, title, message,
                   hours_ago=ctx.rng.randint(1, 72), ends_in_hours=ctx.rng.choice([None, 24, 72, 168]))
    for site in ctx.sites:  # history: ended notices, so the admin list is not only the live feed
        notice(site.id, "warning", "Forklift route through Hall A closed",
               "Resurfacing; use the east aisle.", hours_ago=240, ends_in_hours=-200)
    for assetid, site_id, tag, name in _machines_in_repair(ctx):
        notice(site_id, "critical", f"{tag} is down", f"{name} ({tag}) reported status down.",
               source=SOURCE_EQUIPMENT, assetid=assetid, hours_ago=ctx.rng.randint(0, 30))
    ctx.insert_rows(Notification, rows)

def _machines_in_repair(ctx) -> list[tuple[int, int, str, str]]:
    """Machines the demo put in repair (core asset status); a couple of others if none are."""
    base = (select(Asset.assetid, Asset.site_id, Asset.asset_tag, Asset.name)
            .join(AssetType, AssetType.id == Asset.asset_type_id).where(AssetType.name == "equipment")
            .order_by(Asset.assetid))
    rows = db.session.execute(base.where(Asset.status == "in_repair").limit(DEMO_CRITICAL_MAX)).all()
    if not rows and ctx.assets_of_type("equipment"):
        rows = db.session.execute(base.limit(2)).all()
    return [tuple(r) for r in rows]
