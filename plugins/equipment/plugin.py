from __future__ import annotations

from sqlalchemy import Select, func

from shopdb.plugins.toolkit import (
    LIKE_ESCAPE,
    BasePlugin,
    choices,
    ensure_asset_type,
    like_pattern,
    search_matches,
)

from . import demo, rules
from .api import blp
from .models import EQUIPMENT_TYPE_CHOICES, MAINTENANCE_KIND_CHOICES, Equipment, MaintenanceRecord


class EquipmentPlugin(BasePlugin):
    demo_priority = 10  # first: PCs, printers, USB checkouts and notices refer to machines

    def get_blueprint(self):
        return blp

    def get_models(self):
        return [Equipment, MaintenanceRecord]

    def get_event_handlers(self):
        return {"asset_validate": rules.refuse_duplicate_on_site_move}

    def register_choices(self) -> None:
        """The open vocabularies and their bundled values (idempotent: start-up, install, upgrade)."""
        choices.register_defaults("equipment_type", EQUIPMENT_TYPE_CHOICES, plugin=self.name,
                                  stored_in=[("equipment", "equipment_type")])
        choices.register_defaults("maintenance_kind", MAINTENANCE_KIND_CHOICES, plugin=self.name,
                                  stored_in=[("maintenance_records", "kind")])

    def init_app(self, app) -> None:
        self.register_choices()

    def on_install(self) -> None:
        ensure_asset_type("equipment", "Equipment", plugin=self.name)
        self.register_choices()

    def on_upgrade(self, from_revision, to_revision) -> None:
        self.register_choices()

    def search_assets(self, q: str) -> Select:
        pattern = like_pattern(q)  # '_' and '%' in q match themselves, not any character
        return search_matches(Equipment.assetid, {
            "machine_number": func.lower(Equipment.machine_number).like(pattern, escape=LIKE_ESCAPE),
        })

    def generate_demo(self, ctx) -> None:
        demo.generate(ctx)
