"""What every response carries for the browser's sake: security headers, and the session cookie's flags.

Three Content-Security-Policies, by what the response is:

- the API (``/api/...``, JSON): nothing may load, nothing may frame it;
- the API docs page (flask-smorest's Swagger UI): it loads its script and styles from
  ``OPENAPI_SWAGGER_UI_URL`` (a CDN today) and starts itself with an inline script, so that origin and
  inline code are allowed there, and only there, until the docs are served offline;
- the web UI (everything else): only the app's own files (the Vite build has no inline script or
  style, tests/test_ui_browser.py checks the pages report no violation).

A view may set its own policy (the "UI not built" page does); it is then left as it is.
``Strict-Transport-Security`` and the cookie's ``Secure`` flag only when ``SHOPDB_HTTPS`` says the
site is served over HTTPS: sent over plain HTTP they would lock browsers out of it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

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


def docs_policy(swagger_ui_url: str) -> str:
    """The docs page's policy: the Swagger UI files' origin and its inline start-up script."""
    parts = urlsplit(swagger_ui_url or "")
    origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
    sources = " ".join(s for s in ("'self'", origin, "'unsafe-inline'") if s)
    return (f"default-src 'self'; script-src {sources}; style-src {sources}; img-src 'self' data:; "
            f"connect-src 'self'; object-src 'none'; base-uri 'self'; {FRAMING}")


def _docs_path(app: Flask) -> str | None:
    ui_path = app.config.get("OPENAPI_SWAGGER_UI_PATH")
    if not ui_path:
        return None
    return "/" + "/".join(p.strip("/") for p in (app.config.get("OPENAPI_URL_PREFIX", ""), ui_path) if p.strip("/"))


def _policy_for(path: str) -> str:
    app = current_app
    if path.rstrip("/") == _docs_path(app):
        return docs_policy(app.config.get("OPENAPI_SWAGGER_UI_URL", ""))
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
