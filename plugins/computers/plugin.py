from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, or_, select

from shopdb.api import LIKE_ESCAPE, like_pattern
from shopdb.core.models import Asset
from shopdb.core.services.assets import ensure_asset_type
from shopdb.extensions import db
from shopdb.plugins.base import BasePlugin

from .addresses import ip_or_none, mac_or_none
from .api import blp
from .demo import generate_computers
from .models import Computer
from .rules import CONTROLS, check_controls


class ComputersPlugin(BasePlugin):
    demo_priority = 20  # after equipment (the machines its shop-floor PCs control), before printers

    def get_blueprint(self):
        return blp

    def get_models(self):
        return [Computer]

    def get_event_handlers(self) -> dict[str, Callable[..., Any]]:
        return {"relationship_validate": self.validate_relationship}

    def on_install(self) -> None:
        ensure_asset_type("computer", "Computer", plugin=self.name)

    def validate_relationship(self, kind: str, source: Asset, target: Asset, **_: Any) -> None:
        """The core's relationship endpoint asks first: a ``controls`` edge must be PC → equipment."""
        if kind == CONTROLS:
            check_controls(source, target)

    def search_assets(self, q: str, limit: int) -> list[tuple[int, str]]:
        """PCs by hostname, MAC or IP. A whole MAC/IP in any spelling matches its stored normal form."""
        text = q.strip().lower()
        mac, ip = mac_or_none(q), ip_or_none(q)
        pattern = like_pattern(text)  # '_' and '%' in q match themselves, not any character
        conditions = [func.lower(Computer.hostname).like(pattern, escape=LIKE_ESCAPE)]
        conditions.append(Computer.mac_address == mac if mac
                          else func.lower(Computer.mac_address).like(pattern, escape=LIKE_ESCAPE))
        # Stored compressed, so IPv6 hex is already lower-case like the pattern.
        conditions.append(Computer.primary_ip == ip if ip else Computer.primary_ip.like(pattern, escape=LIKE_ESCAPE))
        rows = db.session.execute(
            select(Computer.assetid, Computer.hostname, Computer.mac_address)
            .where(or_(*conditions)).order_by(Computer.hostname).limit(limit)
        ).all()
        hits = []
        for assetid, hostname, mac_address in rows:
            if text in (hostname or ""):
                field = "hostname"
            elif (mac and mac_address == mac) or (not mac and text in (mac_address or "").lower()):
                field = "mac_address"
            else:
                field = "primary_ip"
            hits.append((assetid, field))
        return hits

    def generate_demo(self, ctx) -> None:
        generate_computers(ctx)
