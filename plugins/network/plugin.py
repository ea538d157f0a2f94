from __future__ import annotations

from shopdb.plugins.toolkit import BasePlugin, ChoiceSet, SearchSource, ensure_asset_type

from . import demo
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


    def get_search_sources(self) -> list[SearchSource]:
        """An asset is found by every address it holds; a whole address ranks it first."""
        return [SearchSource("ip_address", IPAddress, value="address", exact=True)]

    def generate_demo(self, ctx) -> None:
        demo.generate(ctx)
