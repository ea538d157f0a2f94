"""Demo data: machines in every cell of every site, and half a year of maintenance history."""

from __future__ import annotations

import datetime as dt

from shopdb.plugins.toolkit import utcnow

from .models import Equipment, MaintenanceRecord

# (manufacturer, model, equipment_type, controller_type, controller_version)
DEMO_MACHINES = [
    ("DMG Mori", "DMU 50", "cnc_mill", "Siemens", "840D sl 4.95"),
    ("Hermle", "C 42 U", "cnc_mill", "Heidenhain", "TNC 640 34059x-10"),
    ("Haas", "VF-2SS", "cnc_mill", "Haas", "NGC 100.21"),
    ("Mazak", "Quick Turn 250MSY", "cnc_lathe", "Mazak", "SmoothG"),
    ("Okuma", "LB3000 EX II", "cnc_lathe", "Okuma", "OSP-P300LA"),
    ("Studer", "S33", "grinder", "Fanuc", "31i-B"),
    ("Mitsubishi", "MV2400R", "edm", "Mitsubishi", "D-CUBES"),
    ("Trumpf", "TruBend 5130", "press", "Siemens", "840D sl 4.8"),
    ("FANUC", "M-20iD/25", "robot", "Fanuc", "R-30iB Plus"),
    ("Zeiss", "Contura G2", "cmm", "other", "Calypso 7.2"),
    ("Kasto", "win A 4.6", "saw", "Siemens", "S7-1500"),
]
DEMO_STATUSES = (("running", 72), ("idle", 14), ("maintenance", 9), ("down", 5))
# kind → (weight, shortest, longest downtime in minutes)
DEMO_KINDS = {"preventive": (40, 30, 240), "inspection": (20, 0, 60), "corrective": (20, 60, 600),
              "calibration": (10, 30, 120), "breakdown": (10, 120, 2880)}
DEMO_NOTES = {
    "preventive": ["Way oil and filters changed", "Spindle warm-up and backlash check", "Coolant tank cleaned"],
    "inspection": ["Safety interlocks checked", "Visual inspection, no findings"],
    "corrective": ["Replaced worn wiper on Y axis", "Tool changer gripper adjusted", "Coolant pump seal replaced"],
    "calibration": ["Ballbar test, compensation updated", "Probe calibrated on ring gauge"],
    "breakdown": ["Spindle drive fault, module replaced", "Hydraulic leak at chuck cylinder",
                  "Axis encoder failure, cable replaced"],
}



def generate(ctx) -> None:
    """Machines in every cell of every site, and half a year of maintenance history."""
    rows, extensions, numbers = [], [], {}
    for i in range(ctx.share(30)):
        site_index = i % len(ctx.sites)
        site = ctx.sites[site_index]
        numbers[site.id] = numbers.get(site.id, 0) + 1
        number = str((site_index + 1) * 1000 + numbers[site.id])  # unique per site: a counter per site
        cell = ctx.rng.choice(ctx.cells[site.id])
        maker, model, kind, controller, version = ctx.rng.choice(DEMO_MACHINES)
        status = ctx.rng.choices([s for s, _ in DEMO_STATUSES], [w for _, w in DEMO_STATUSES])[0]
        rows.append({"asset_tag": f"M-{number}", "name": f"{maker} {model}", "site_id": site.id,
                     "location_id": cell.id, "manufacturer": maker, "model": model,
                     "serial_number": f"{maker[:3].upper()}{ctx.rng.randrange(10**7):07d}",
                     "status": "in_repair" if status == "down" else "active"})
        extensions.append({"machine_number": number, "equipment_type": kind, "controller_type": controller,
                           "controller_version": version, "cell": cell.name,
                           "floor_x": round(max(0.0, (cell.x or 0.0) + ctx.rng.uniform(2.0, 30.0)), 1),
                           "floor_y": round(max(0.0, (cell.y or 0.0) + ctx.rng.uniform(2.0, 35.0)), 1),
                           "operational_status": status})
    ids = ctx.insert_assets("equipment", rows)
    ctx.insert_rows(Equipment, ({"assetid": a, **e} for a, e in zip(ids, extensions, strict=True)))
    ctx.insert_rows(MaintenanceRecord, _demo_history(ctx, ids, extensions))

def _demo_history(ctx, ids: list[int], extensions: list[dict]) -> list[dict]:
    today, now = utcnow().date(), utcnow()
    kinds = list(DEMO_KINDS)
    weights = [DEMO_KINDS[k][0] for k in kinds]
    history = []

    def add(assetid: int, days_ago: int, kind: str) -> None:
        _, shortest, longest = DEMO_KINDS[kind]
        history.append({"assetid": assetid, "performed_on": today - dt.timedelta(days=days_ago), "kind": kind,
                        "downtime_minutes": ctx.rng.randint(shortest, longest),
                        "notes": ctx.rng.choice(DEMO_NOTES[kind]), "created_by": "demo", "created_at": now})

    for assetid, extension in zip(ids, extensions, strict=True):
        for _ in range(ctx.rng.choices(range(7), [10, 20, 25, 20, 12, 8, 5])[0]):
            add(assetid, ctx.rng.randrange(180), ctx.rng.choices(kinds, weights)[0])
        if extension["operational_status"] == "down":
            add(assetid, ctx.rng.randrange(3), "breakdown")  # why it is down right now
    return history
