"""The core's HTTP API: one blueprint per resource, registered by ``register``."""

from __future__ import annotations

from flask_smorest import Api

from . import asset_types, assets, audit, choices, health, locations, search, sites


def register(api: Api) -> None:
    for module in (health, sites, locations, asset_types, assets, search, choices, audit):
        api.register_blueprint(module.blp)
