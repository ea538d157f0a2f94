from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

from sqlalchemy import Select, func, or_

from shopdb.plugins.toolkit import (
    LIKE_ESCAPE,
    BasePlugin,
    ChoiceSet,
    ensure_asset_type,
    like_pattern,
    search_matches,
)

from . import demo, rules
from .api import blp
from .models import PRINTER_TYPE_CHOICES, Printer


class PrintersPlugin(BasePlugin):
    demo_priority = 30  # after equipment and computers, whose PCs it prints for

    def get_blueprint(self):
        return blp

    def get_models(self):
        return [Printer]

    def get_event_handlers(self) -> dict[str, Callable[..., Any]]:
        return {"relationship_validate": rules.validate_relationship}

    def get_choice_sets(self) -> list[ChoiceSet]:
        """The open vocabularies of this plugin (an admin extends them; docs/adr/0013)."""
        return [ChoiceSet("printer_type", PRINTER_TYPE_CHOICES, stored_in=[("printers", "printer_type")])]

    def on_install(self) -> None:
        ensure_asset_type("printer", "Printer", plugin=self.name)

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
        demo.generate(ctx)
