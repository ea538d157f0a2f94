"""CSRF for cookie sessions: a per-session token echoed in the ``X-CSRF-Token`` header.

Checked once, before any view, on every unsafe request (POST, PUT, PATCH, DELETE) that a session
cookie authenticates — core, plugin and auth routes alike, so no route can forget it. Bearer-token
clients are not exposed to CSRF (browsers never add the header by themselves). A login without a
session has nothing to protect; a login, or a logout, on top of a live session needs the token.
"""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, g, request, session

from ..api.errors import Forbidden


def csrf_token() -> str:
    if "csrf_token" not in session:
        session["csrf_token"] = secrets.token_urlsafe(32)
    return session["csrf_token"]


def check_csrf() -> None:
    sent = request.headers.get("X-CSRF-Token", "")
    expected = session.get("csrf_token", "")
    # As bytes: compare_digest refuses str with non-ASCII characters (a header may carry any).
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise Forbidden("Missing or wrong CSRF token (send the X-CSRF-Token header).", code="csrf")


UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _check_unsafe_session_request() -> None:
    if request.method in UNSAFE_METHODS and g.get("auth_method") == "session":
        check_csrf()


def init_app(app: Flask) -> None:
    """Register after the hook that loads the user (``shopdb.auth.current.init_app``)."""
    app.before_request(_check_unsafe_session_request)
