"""What every response carries for the browser's sake: security headers, and the session cookie's flags.

Three Content-Security-Policies, by what the response is:

- the API (``/api/...``, JSON): nothing may load, nothing may frame it;
- the API docs page (``SHOPDB_API_DOCS_PATH``): Swagger UI from the files the app ships, started by an
  external script (docs/adr/0022), so only the app's own scripts, styles and requests, as for the UI;
- the web UI (everything else): only the app's own files (the Vite build has no inline script or
  style, tests/test_ui_browser.py checks the pages report no violation).

A view may set its own policy (the "UI not built" page does); it is then left as it is.
``Strict-Transport-Security`` and the cookie's ``Secure`` flag only when ``SHOPDB_HTTPS`` says the
site is served over HTTPS: sent over plain HTTP they would lock browsers out of it.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from flask.wrappers import Response

API_PREFIX = "/api/"
FRAMING = "frame-ancestors 'none'"
API_POLICY = f"default-src 'none'; {FRAMING}; base-uri 'none'; form-action 'none'"
UI_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    f"connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; {FRAMING}"
)
HSTS = "max-age=31536000"  # a year; subdomains are not ours to decide on a plant's network


# Swagger UI draws its icons as inline SVG and sets styles through the DOM (allowed by 'self' alone);
# no inline script or style, no eval, nothing from another origin (tests/test_api_docs_offline.py).
DOCS_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    f"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; {FRAMING}"
)


def _docs_path(app: Flask) -> str | None:
    path = app.config.get("SHOPDB_API_DOCS_PATH")
    return path.rstrip("/") if path else None


def _policy_for(path: str) -> str:
    app = current_app
    if path.rstrip("/") == _docs_path(app):
        return DOCS_POLICY
    if path.startswith(API_PREFIX) or path == API_PREFIX.rstrip("/"):
        return API_POLICY
    return UI_POLICY


def _add_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", _policy_for(request.path))
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")  # frame-ancestors for browsers that predate it
    headers.setdefault("Referrer-Policy", "same-origin")
    if current_app.config.get("SHOPDB_HTTPS"):
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def init_app(app: Flask) -> None:
    """Session cookies HttpOnly, SameSite=Lax, Secure under HTTPS; the headers on every response."""
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_SECURE"] = bool(app.config.get("SHOPDB_HTTPS"))
    app.after_request(_add_headers)
