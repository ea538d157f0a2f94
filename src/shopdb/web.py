"""Serve the built web UI (``frontend/dist``, SPEC §6) next to the API.

``/`` and every other non-API GET path answer with ``index.html`` (the Vue router takes it from there);
``/assets/...`` files of the build are served with a one-year immutable cache (their names carry a
content hash). Paths under ``/api`` are never touched, so unknown API paths keep their JSON 404. When the
UI has not been built, ``/`` says so with a small page (status 200) and the API works as before.

The build folder is ``SHOPDB_FRONTEND_DIST`` (app config or environment), else the copy an installed wheel
carries (``shopdb/bundled_ui``, ADR 0014), else the checkout's ``frontend/dist``.

A plugin may ship its own UI bundle in a ``ui/`` folder beside its ``manifest.json`` (docs/PLUGIN-HOOKS.md):
``/plugins/<name>/<file>`` serves it while the plugin is enabled and served by this process.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, send_from_directory
from werkzeug.routing import PathConverter

from .plugins.manager import get_manager

bp = Blueprint("web", __name__)

PACKAGED_DIST = Path(__file__).resolve().parent / "bundled_ui"
CHECKOUT_DIST = Path(__file__).resolve().parents[2] / "frontend" / "dist"
ASSET_MAX_AGE = 365 * 24 * 3600

NOT_BUILT_STYLE = """body{font-family:system-ui,sans-serif;max-width:40rem;margin:10vh auto;padding:0 1rem;
color:#1d2733}
code{background:#eef1f4;padding:.1rem .3rem;border-radius:4px}"""
# The page's one inline style, allowed by its hash (security_headers leaves a view's own policy alone).
NOT_BUILT_POLICY = (
    "default-src 'none'; style-src "
    f"'sha256-{base64.b64encode(hashlib.sha256(NOT_BUILT_STYLE.encode()).digest()).decode()}'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ShopDB</title>
<style>""" + NOT_BUILT_STYLE + """</style></head>
<body><h1>ShopDB</h1>
<p>The web UI is not built. In a checkout, run <code>make run</code> (it builds <code>frontend/dist</code>
with npm), or <code>cd frontend &amp;&amp; npm ci &amp;&amp; npm run build</code>; a wheel carries the UI only
when it was built from a tree with <code>frontend/dist</code> (<code>make dist</code>).</p>
<p>The API works without it: <a href="/api/v1/health">/api/v1/health</a> ·
<a href="/api/v1/docs">API docs</a></p></body></html>
"""


class UiPathConverter(PathConverter):
    """A path that is not the API's (``api`` or ``api/...``), so API 404/405s stay JSON."""

    regex = r"(?!api(?:/|$))[^/].*?"


@bp.record_once
def _register_converter(state) -> None:
    state.app.url_map.converters.setdefault("uipath", UiPathConverter)


def dist_dir() -> Path:
    configured = current_app.config.get("SHOPDB_FRONTEND_DIST") or os.environ.get("SHOPDB_FRONTEND_DIST")
    if configured:
        return Path(configured)
    return PACKAGED_DIST if PACKAGED_DIST.is_dir() else CHECKOUT_DIST


def _index() -> Response:
    dist = dist_dir()
    if not (dist / "index.html").is_file():
        response = Response(NOT_BUILT, status=200, mimetype="text/html")
        response.headers["Content-Security-Policy"] = NOT_BUILT_POLICY
    else:
        response = send_from_directory(dist, "index.html", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/")
def index() -> Response:
    return _index()


@bp.get("/assets/<path:filename>")
def built_asset(filename: str) -> Response:
    """Hashed build output; a miss under ``/assets/`` is an SPA route (``/assets/5``), not a 404."""
    folder = dist_dir() / "assets"
    if (folder / filename).is_file():
        response = send_from_directory(folder, filename, max_age=ASSET_MAX_AGE)
        response.headers["Cache-Control"] = f"public, max-age={ASSET_MAX_AGE}, immutable"
        return response
    if "." in filename.rsplit("/", 1)[-1]:
        abort(404)  # a missing build file (stale index.html) must not answer with HTML
    return _index()


@bp.get("/plugins/<name>/<path:filename>")
def plugin_ui(name: str, filename: str) -> Response:
    """A plugin's own UI bundle (its ``ui/`` folder) while the plugin is enabled and served here."""
    record = get_manager().records.get(name)
    folder = record.ui_folder if record is not None else None
    if folder is None:
        abort(404)
    # Plugin bundles carry no content hash in their names: revalidate on every load (ETag), so an
    # upgraded plugin's UI is picked up without a stale cache.
    response = send_from_directory(folder, filename, max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/<uipath:path>")
def spa(path: str) -> Response:
    """Top-level files of the build (favicon, robots.txt) as they are; anything else is a UI route."""
    dist = dist_dir()
    if "/" not in path and path != "index.html" and (dist / path).is_file():
        return send_from_directory(dist, path, max_age=3600)
    return _index()
