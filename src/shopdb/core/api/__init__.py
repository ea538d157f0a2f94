"""The core's HTTP API: one blueprint per resource, registered by ``register``; the docs page (``docs``)
is not an operation of the API and is registered by ``docs.init_app``."""

from __future__ import annotations

from flask_smorest import Api

from . import asset_types, assets, audit, choices, health, imports, labels, locations, search, sites


def register(api: Api) -> None:
    for module in (health, sites, locations, asset_types, assets, search, choices, audit, labels, imports):
        api.register_blueprint(module.blp)
