from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Select, func

from shopdb.plugins.toolkit import (
    LIKE_ESCAPE,
    BasePlugin,
    ChoiceSet,
    ensure_asset_type,
    like_pattern,
    search_matches,
)

from . import demo, rules
from .addresses import ip_or_none, mac_or_none
from .api import blp
from .models import PC_TYPE_CHOICES, Computer


class ComputersPlugin(BasePlugin):
    demo_priority = 20  # after equipment (the machines its shop-floor PCs control), before printers

    def get_blueprint(self):
        return blp

    def get_models(self):
        return [Computer]

    def get_event_handlers(self) -> dict[str, Callable[..., Any]]:
        return {"relationship_validate": rules.validate_relationship}

    def get_choice_sets(self) -> list[ChoiceSet]:
        """The open vocabularies of this plugin (an admin extends them; docs/adr/0013)."""
        return [ChoiceSet("pc_type", PC_TYPE_CHOICES, stored_in=[("computers", "pc_type")])]

    def on_install(self) -> None:
        ensure_asset_type("computer", "Computer", plugin=self.name)

    def search_assets(self, q: str) -> Select:
        """PCs by hostname, MAC or IP. A whole MAC/IP in any spelling matches its stored normal form."""
        text = q.strip().lower()
        mac, ip = mac_or_none(q), ip_or_none(q)
        pattern = like_pattern(text)  # '_' and '%' in q match themselves, not any character
        return search_matches(Computer.assetid, {
            "hostname": func.lower(Computer.hostname).like(pattern, escape=LIKE_ESCAPE),
            "mac_address": Computer.mac_address == mac if mac
            else func.lower(Computer.mac_address).like(pattern, escape=LIKE_ESCAPE),
            # Stored compressed, so IPv6 hex is already lower-case like the pattern.
            "primary_ip": Computer.primary_ip == ip if ip else Computer.primary_ip.like(pattern, escape=LIKE_ESCAPE),
        })

    def generate_demo(self, ctx) -> None:
        demo.generate(ctx)
