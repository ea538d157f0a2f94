"""Deny by default (issue 11): every ``/api/`` route needs a logged-in user unless marked public.

One ``before_request`` hook, after the user is loaded, answers 401 to anonymous callers of any API
route not on the public list, so a new core or plugin endpoint cannot be open by accident
(tests/test_access.py walks the URL map). Any active user (viewer and above) may read; writing
needs the role the view asks for (``require_role``) and a token allowed to write.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, g, request

from ..api.errors import Forbidden, Unauthorized
from ..core.services import site_scope
from .current import current_user

API_PREFIX = "/api/"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Endpoints outside our views that answer without a login: flask-smorest's OpenAPI document (it
# describes the API and holds no plant data). The docs page is our own ``@public`` view (ADR 0022).
PUBLIC_ENDPOINTS = frozenset({"api-docs.openapi_json"})


def public(view: Callable) -> Callable:
    """Mark a view (function or MethodView method) as answering without a login.

    Only health, login, token exchange and logout are public; think twice before adding one.
    """
    view.public = True
    return view


def is_public(endpoint: str | None, method: str) -> bool:
    """Whether ``endpoint`` answers ``method`` without a login (unknown endpoints: 404 first)."""
    if endpoint is None or endpoint in PUBLIC_ENDPOINTS:
        return True
    view: Any = current_app.view_functions.get(endpoint)
    if view is None:
        return True
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        handler = getattr(view_class, method.lower(), None)
        if handler is None and method == "HEAD":
            handler = getattr(view_class, "get", None)
        return bool(getattr(handler, "public", False))
    return bool(getattr(view, "public", False))


def _deny_by_default() -> None:
    user = current_user()
    if user is not None:
        site_scope.limit_request_to([site.id for site in user.sites])
    if not request.path.startswith(API_PREFIX) or request.method == "OPTIONS":
        return
    if is_public(request.endpoint, request.method):
        return
    if user is None:
        raise Unauthorized("Log in first: send 'Authorization: Bearer <token>' or use a session.")
    token = g.get("current_token")
    if request.method not in SAFE_METHODS and token is not None and not token.write_enabled:
        raise Forbidden("This token is read-only.", code="read_only_token")


def init_app(app: Flask) -> None:
    """Register after the hook that loads the user (``shopdb.auth.current.init_app``)."""
    app.before_request(_deny_by_default)
