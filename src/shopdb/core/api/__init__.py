"""The core's HTTP API: one blueprint per resource, registered by ``register``."""

from __future__ import annotations

from flask_smorest import Api

from . import asset_types, assets, choices, health, locations, search, sites


def register(api: Api) -> None:
    for module in (health, sites, locations, asset_types, assets, search, choices):
        api.register_blueprint(module.blp)
