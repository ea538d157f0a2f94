"""ShopDB: the system of record for a plant's shop floor.

``create_app()`` is the only place the application is assembled.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from apispec.ext.marshmallow import MarshmallowPlugin
from dotenv import load_dotenv
from flask import Flask

from .api.openapi import DeclaredErrors, IsoJSONProvider, schema_name_resolver
from .version import __version__

__all__ = ["__version__", "create_app"]


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: config from the environment (SPEC §1), then ``test_config`` on top."""
    load_dotenv(os.environ.get("SHOPDB_ENV_FILE", ".env"), override=False)
    app = Flask(__name__, instance_path=os.environ.get("SHOPDB_INSTANCE_PATH") or None,
                instance_relative_config=True)
    from . import config

    app.config.update(config.STATIC_CONFIG)
    app.config.update(config.from_environment(app.instance_path))
    if test_config:
        app.config.update(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    logging.basicConfig(level=os.environ.get("SHOPDB_LOG_LEVEL", "WARNING"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app.json = IsoJSONProvider(app)

    from . import (
        core,  # noqa: F401 - registers the core tables in db.metadata
        events,
        live,
        security_headers,
    )
    from .api.errors import register_error_handlers
    from .api.smorest import Api
    from .auth import access, csrf, rate_limits
    from .auth import api as auth_api
    from .auth import current as auth_current
    from .core import api as core_api
    from .core.api import docs as api_docs
    from .core.services import asset_kinds, search_index, site_scope
    from .extensions import db
    from .plugins.manager import PluginManager

    db.init_app(app)
    api = Api(app, spec_kwargs={"marshmallow_plugin": MarshmallowPlugin(schema_name_resolver),
                                "extra_plugins": [DeclaredErrors(app)]})
    app.extensions["shopdb.api"] = api
    register_error_handlers(app)
    auth_current.init_app(app)
    rate_limits.init_app(app)  # ProxyFix; limits per user (loaded above), before deny by default counts anonymous calls
    access.init_app(app)  # after the user is loaded: deny by default
    csrf.init_app(app)  # every unsafe session request, core or plugin alike
    security_headers.init_app(app)
    site_scope.init_app(app)
    events.init_app(app)
    live.init_app(app)  # after the bus: forwards its events to the open streams (ADR 0021)
    asset_kinds.init_app(app)
    search_index.init_app(app)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    api.spec.components.security_scheme(
        "sessionCookie", {"type": "apiKey", "in": "cookie", "name": app.config.get("SESSION_COOKIE_NAME", "session")})
    core_api.register(api)
    api_docs.init_app(app)  # the interactive docs, from files the app ships (ADR 0022)
    api.register_blueprint(auth_api.blp)
    api.register_blueprint(auth_api.users_blp)
    PluginManager(app)

    from .cli import register_commands
    from .web import bp as web_bp

    app.register_blueprint(web_bp)  # the Vue UI (frontend/dist) at /, after every /api route
    register_commands(app)
    return app
