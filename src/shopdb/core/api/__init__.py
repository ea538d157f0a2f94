"""The core's HTTP API: one blueprint per resource, registered by ``register``."""

from __future__ import annotations

from flask_smorest import Api

from . import asset_types, assets, health, locations, search, sites


def register(api: Api) -> None:
    for module in (health, sites, locations, asset_types, assets, search):
        api.register_blueprint(module.blp)
