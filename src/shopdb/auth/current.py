"""Who is calling: a Bearer token or a logged-in session; and the role checks writes need."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, g, request, session

from ..api.errors import Forbidden, Unauthorized
from ..extensions import db
from . import tokens
from .csrf import check_csrf


def _load_user() -> None:
    g.current_user = None
    g.auth_method = None
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise Unauthorized("Use 'Authorization: Bearer <token>'.")
        user = tokens.user_for_token(value.strip())
        if user is None:
            raise Unauthorized("The token is invalid, expired or revoked.")
        g.current_user, g.auth_method = user, "token"
        return
    user_id = session.get("user_id")
    if user_id is not None:
        from ..core.models import User

        user = db.session.get(User, user_id)
        if user is not None and user.is_active:
            g.current_user, g.auth_method = user, "session"


def current_user():
    return g.get("current_user")


def require_role(role: str) -> Callable:
    """Decorator: the caller must be authenticated (401) and hold ``role`` or higher (403).

    Session-authenticated writes must also carry the CSRF token (``X-CSRF-Token``).
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any):
            user = current_user()
            if user is None:
                raise Unauthorized("Authentication required: send 'Authorization: Bearer <token>'.")
            if g.auth_method == "session":
                check_csrf()
            if not user.has_role(role):
                raise Forbidden(f"This needs the '{role}' role; you are '{user.role}'.")
            return view(*args, **kwargs)

        wrapper.required_role = role  # read by the OpenAPI (DeclaredErrors: 403 and the write statuses)
        return wrapper

    return decorator


def require_site_access(site_id: int | None) -> None:
    """Site-scoped users may only write objects of their sites."""
    user = current_user()
    if user is not None and not user.can_write_site(site_id):
        raise Forbidden(f"You may not change objects of site {site_id}.")


def init_app(app: Flask) -> None:
    app.before_request(_load_user)
