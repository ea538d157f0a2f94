"""``/api/v1/docs``: the interactive API docs, served entirely from files the app ships (ADR 0022).

Swagger UI's files come from the pinned ``flask-swagger-ui`` package (its ``dist`` folder is the
upstream ``swagger-ui-dist``), so the page works on a plant network with no way out and without the
Vue UI built. The page is ShopDB's own small template that starts Swagger UI from an external script
(``docs_files/shopdb-docs.js``) instead of flask-smorest's inline one, so its Content-Security-Policy
(``security_headers.DOCS_POLICY``) allows scripts and styles from ``'self'`` only.

A plain Flask blueprint, not a flask-smorest one: the docs page is not an operation of the API it
documents. Both routes are public: they hold no plant data (the OpenAPI document is public too).
"""

from __future__ import annotations

from importlib.metadata import version
from importlib.resources import files
from pathlib import Path

from flask import Blueprint, Flask, abort, render_template, send_from_directory, url_for
from flask.wrappers import Response

from ...auth.access import public

OWN_FILES = Path(__file__).resolve().parent / "docs_files"
SWAGGER_UI_DIST = Path(str(files("flask_swagger_ui") / "dist"))
SWAGGER_UI_VERSION = version("flask-swagger-ui")
# What the page loads; nothing else of either folder is served (flask-swagger-ui's own index and its
# OAuth redirect page carry inline scripts this policy would block anyway).
SWAGGER_UI_FILES = frozenset({"swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png"})
SERVED_OWN_FILES = frozenset({"shopdb-docs.js", "shopdb-docs.css"})


@public
def docs_page() -> str:
    """The Swagger UI page for ``/api/v1/openapi.json``."""
    return render_template("docs.html", title="ShopDB API", spec_url=url_for("api-docs.openapi_json"),
                           static=url_for("docs.docs_file", filename="").rstrip("/"),
                           swagger_ui_version=SWAGGER_UI_VERSION)


@public
def docs_file(filename: str) -> Response:
    """One of the page's files; revalidated by ETag on each load, so an upgrade is seen at once."""
    if filename in SERVED_OWN_FILES:
        return send_from_directory(OWN_FILES, filename, max_age=0)
    if filename in SWAGGER_UI_FILES:
        return send_from_directory(SWAGGER_UI_DIST, filename, max_age=0)
    abort(404)


def init_app(app: Flask) -> None:
    """Serve the page at ``SHOPDB_API_DOCS_PATH`` and its files under ``<that path>/static/``."""
    path = app.config["SHOPDB_API_DOCS_PATH"].rstrip("/")
    bp = Blueprint("docs", __name__, template_folder="docs_files")  # one per app: the path is the app's
    bp.add_url_rule(path, view_func=docs_page, methods=["GET"])
    bp.add_url_rule(f"{path}/static/<path:filename>", view_func=docs_file, methods=["GET"])
    app.register_blueprint(bp)
