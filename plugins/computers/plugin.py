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


    def generate_demo(self, ctx) -> None:
        demo.generate(ctx)
