"""CSRF for cookie sessions: a per-session token echoed in the ``X-CSRF-Token`` header.

Bearer-token clients are not exposed to CSRF (browsers never add the header by themselves).
"""

from __future__ import annotations

import hmac
import secrets

from flask import request, session

from ..api.errors import Forbidden


def csrf_token() -> str:
    if "csrf_token" not in session:
        session["csrf_token"] = secrets.token_urlsafe(32)
    return session["csrf_token"]


def check_csrf() -> None:
    sent = request.headers.get("X-CSRF-Token", "")
    expected = session.get("csrf_token", "")
    if not expected or not hmac.compare_digest(sent, expected):
        raise Forbidden("Missing or wrong CSRF token (send the X-CSRF-Token header).", code="csrf")
