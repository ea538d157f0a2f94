"""Demo data: printers in the cells of every site, each printing for a few PCs of its site."""

from __future__ import annotations

from .models import Printer


def generate(ctx) -> None:
    computers = ctx.assets_of_type("computer")
    models = [("HP", "LaserJet M507", "laser"), ("Zebra", "ZT410", "label"),
              ("Brother", "HL-L6400", "laser"), ("Kyocera", "TASKalfa 3554ci", "multifunction")]
    rows, extensions = [], []
    for i in range(ctx.share(8)):
        site = ctx.sites[i % len(ctx.sites)]
        cell = ctx.rng.choice(ctx.cells[site.id])
        maker, model, kind = ctx.rng.choice(models)
        rows.append({"asset_tag": f"PR-{i + 1:05d}", "name": f"{cell.name} {kind} printer",
                     "site_id": site.id, "location_id": cell.id, "manufacturer": maker,
                     "model": model, "serial_number": f"PRN{ctx.rng.randrange(10**8):08d}"})
        extensions.append({"hostname": f"prn-{site.code.lower()}-{i + 1:05d}",
                           "ip_address": f"10.{40 + i // 60000 % 10}.{i // 250 % 240}.{i % 250 + 2}",
                           "queue_name": f"Q-{i + 1:05d}", "printer_type": kind,
                           "color": kind == "multifunction", "duplex": kind != "label"})
    ids = ctx.insert_assets("printer", rows)
    ctx.insert_rows(Printer, ({"assetid": a, **e} for a, e in zip(ids, extensions, strict=True)))
    same_site = {}
    for assetid, site_id, _ in computers:
        same_site.setdefault(site_id, []).append(assetid)
    pairs = []
    for assetid, row in zip(ids, rows, strict=True):
        pcs = same_site.get(row["site_id"], [])
        pairs += [(assetid, pc) for pc in ctx.rng.sample(pcs, min(3, len(pcs)))]
    ctx.relate("prints_for", pairs)
