from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shopdb.plugins.toolkit import (
    BasePlugin,
    ChoiceSet,
    ensure_asset_type,
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


    def generate_demo(self, ctx) -> None:
        demo.generate(ctx)
