from __future__ import annotations

from shopdb.plugins.toolkit import (
    BasePlugin,
    ChoiceSet,
    ensure_asset_type,
)

from . import demo, demo_plan, rules
from .api import blp
from .models import EQUIPMENT_TYPE_CHOICES, MAINTENANCE_KIND_CHOICES, Equipment, FloorPlan, MaintenanceRecord


class EquipmentPlugin(BasePlugin):
    demo_priority = 10  # first: PCs, printers, USB checkouts and notices refer to machines

    def get_blueprint(self):
        return blp

    def get_models(self):
        return [Equipment, MaintenanceRecord, FloorPlan]

    def get_event_handlers(self):
        return {"asset_validate": rules.refuse_duplicate_on_site_move}

    def get_choice_sets(self) -> list[ChoiceSet]:
        """The open vocabularies of this plugin (an admin extends them; docs/adr/0013)."""
        return [ChoiceSet("equipment_type", EQUIPMENT_TYPE_CHOICES, stored_in=[("equipment", "equipment_type")]),
                ChoiceSet("maintenance_kind", MAINTENANCE_KIND_CHOICES, stored_in=[("maintenance_records", "kind")])]

    def on_install(self) -> None:
        ensure_asset_type("equipment", "Equipment", plugin=self.name)

    def generate_demo(self, ctx) -> None:
        demo.generate(ctx)
        demo_plan.generate(ctx)
