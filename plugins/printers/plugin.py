from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

from sqlalchemy import Select, func, or_

from shopdb.api import LIKE_ESCAPE, like_pattern, search_matches
from shopdb.core.models import Asset
from shopdb.core.services.assets import ensure_asset_type
from shopdb.plugins.base import BasePlugin

from .api import blp
from .models import Printer
from .rules import PRINTS_FOR, check_prints_for


class PrintersPlugin(BasePlugin):
    demo_priority = 30  # after equipment and computers, whose PCs it prints for

    def get_blueprint(self):
        return blp

    def get_models(self):
        return [Printer]

    def get_event_handlers(self) -> dict[str, Callable[..., Any]]:
        return {"relationship_validate": self.validate_relationship}

    def on_install(self) -> None:
        ensure_asset_type("printer", "Printer", plugin=self.name)

    def validate_relationship(self, kind: str, source: Asset, target: Asset, **_: Any) -> None:
        """The core's relationship endpoint asks first: a ``prints_for`` edge must be printer → PC."""
        if kind == PRINTS_FOR:
            check_prints_for(source, target)

    def search_assets(self, q: str) -> Select:
        text = q.strip().lower()
        pattern = like_pattern(text)  # '_' and '%' in q match themselves, not any character
        try:  # a whole address in any spelling (2001:DB8:0::1) matches its stored compressed form
            address = str(ipaddress.ip_address(text))
        except ValueError:
            address = None
        # Both columns are stored lower-case (IPv6 compressed), like the pattern.
        ip_matches = Printer.ip_address.like(pattern, escape=LIKE_ESCAPE)
        if address is not None:  # never compare with None: that would be IS NULL
            ip_matches = or_(ip_matches, Printer.ip_address == address)
        return search_matches(Printer.assetid, {
            "hostname": func.lower(Printer.hostname).like(pattern, escape=LIKE_ESCAPE),
            "ip_address": ip_matches,
        })

    def generate_demo(self, ctx) -> None:
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
