from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint
from sqlalchemy import text

from ...api import envelope, responses
from ...auth.access import public
from ...extensions import db
from ...version import __version__
from ..schemas.health import HealthSchema
from ..services import plugin_directory

blp = Blueprint("health", __name__, url_prefix="/api/v1/health", description="Liveness and plugin state")


@blp.route("", methods=["GET"])
@public
@blp.response(200, envelope(HealthSchema))
@blp.alt_response(503, schema=envelope(HealthSchema), description="the database does not answer")
def health():
    """``ok`` when the database answers and no plugin failed; ``degraded`` otherwise."""
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception as exc:  # the health check reports, it never raises
        db.session.rollback()
        current_app.logger.warning("health: database unreachable: %s", exc)
        database = "unreachable"
    directory = plugin_directory.current()
    plugins = {}
    for name in directory.plugin_names():
        info = directory.status(name) if database == "ok" else {"state": directory.recorded_state(name)}
        plugins[name] = {k: info.get(k) for k in ("state", "version", "pending_migrations", "error", "ui")}
    degraded = database != "ok" or any(
        p["state"] == "failed" or (p["state"] == "enabled" and p["pending_migrations"]) for p in plugins.values())
    body = {"status": "degraded" if degraded else "ok", "version": __version__,
            "database": database, "plugins": plugins}
    return responses.single(body, status=503 if database != "ok" else 200)
