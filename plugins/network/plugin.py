from __future__ import annotations

from sqlalchemy import CompoundSelect, and_, or_, union_all

from shopdb.plugins.toolkit import LIKE_ESCAPE, BasePlugin, ChoiceSet, ensure_asset_type, like_pattern, search_matches

from . import demo
from .addressing import normalise_address
from .api import blp
from .models import DEVICE_ROLE_CHOICES, Interface, IPAddress, NetworkDevice, Subnet


class NetworkPlugin(BasePlugin):
    demo_priority = 50  # after every plugin whose assets it addresses and patches

    def asset_url(self, assetid: int) -> str:
        return f"/api/v1/network/devices/{assetid}"

    def get_blueprint(self):
        return blp

    def get_models(self):
        return [NetworkDevice, Subnet, IPAddress, Interface]

    def get_choice_sets(self) -> list[ChoiceSet]:
        """The open vocabularies of this plugin (an admin extends them; docs/adr/0013)."""
        return [ChoiceSet("network_role", DEVICE_ROLE_CHOICES, stored_in=[("network_devices", "role")])]

    def on_install(self) -> None:
        ensure_asset_type("network_device", "Network device", plugin=self.name)

    def search_assets(self, q: str) -> CompoundSelect:
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

        held = search_matches(IPAddress.assetid, {"ip_address": and_(IPAddress.assetid.is_not(None),
                                                                     matches(IPAddress.address))})
        managed = search_matches(NetworkDevice.assetid, {"ip_address": matches(NetworkDevice.mgmt_ip)})
        return union_all(held, managed)

    def generate_demo(self, ctx) -> None:
        demo.generate(ctx)
