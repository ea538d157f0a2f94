from __future__ import annotations

from sqlalchemy import or_, select

from shopdb.api import LIKE_ESCAPE, like_pattern
from shopdb.core.services.assets import ensure_asset_type
from shopdb.extensions import db
from shopdb.plugins.base import BasePlugin

from .addressing import normalise_address
from .api import blp
from .demo import generate_demo
from .models import Interface, IPAddress, NetworkDevice, Subnet


class NetworkPlugin(BasePlugin):
    demo_priority = 50  # after every plugin whose assets it addresses and patches

    def asset_url(self, assetid: int) -> str:
        return f"/api/v1/network/devices/{assetid}"

    def get_blueprint(self):
        return blp

    def get_models(self):
        return [NetworkDevice, Subnet, IPAddress, Interface]

    def on_install(self) -> None:
        ensure_asset_type("network_device", "Network device", plugin=self.name)

    def search_assets(self, q: str, limit: int) -> list[tuple[int, str]]:
        """Assets holding an address (or managed on one) that contains ``q``; a full address matches exactly."""
        text = q.strip().lower()
        pattern = like_pattern(text)
        try:
            exact = normalise_address(text)  # "2001:0DB8::0001" finds 2001:db8::1
        except ValueError:
            exact = None

        def matches(column):
            contains = column.like(pattern, escape=LIKE_ESCAPE)
            return or_(contains, column == exact) if exact else contains

        held = db.session.execute(
            select(IPAddress.assetid).where(IPAddress.assetid.is_not(None), matches(IPAddress.address))
            .order_by(IPAddress.assetid).limit(limit)
        ).scalars().all()
        managed = db.session.execute(
            select(NetworkDevice.assetid).where(matches(NetworkDevice.mgmt_ip))
            .order_by(NetworkDevice.assetid).limit(limit)
        ).scalars().all()
        found = dict.fromkeys([*held, *managed])
        return [(assetid, "ip_address") for assetid in found][:limit]

    def generate_demo(self, ctx) -> None:
        generate_demo(ctx)
