"""Who is calling: a Bearer token or a logged-in session; and the role checks writes need."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, g, request, session

from ..api.errors import Forbidden, Unauthorized
from ..core.models import User
from ..core.services import audit
from ..extensions import db
from . import tokens

SESSION_USER = "user_id"
SESSION_EPOCH = "session_epoch"


def begin_session(user: User) -> None:
    """Log ``user`` in on this browser session, in the user's current session epoch."""
    session.clear()
    # Permanent: the signed cookie then carries its age and Flask refuses it after
    # PERMANENT_SESSION_LIFETIME (SHOPDB_SESSION_HOURS) without a request: an idle timeout.
    session.permanent = True
    session[SESSION_USER] = user.id
    session[SESSION_EPOCH] = user.session_epoch


def end_other_sessions(user: User) -> None:
    """Raise the user's session epoch: every session begun before ends at its next request.

    The session making the change (if it is this user's) moves to the new epoch and stays logged in.
    """
    user.session_epoch = (user.session_epoch or 1) + 1
    if g.get("auth_method") == "session" and session.get(SESSION_USER) == user.id:
        session[SESSION_EPOCH] = user.session_epoch


def _load_user() -> None:
    """Find the caller: a usable bearer token (401 otherwise), else a session still in its user's epoch.

    Sets ``g.current_user``, ``g.auth_method`` ("token", "session" or None) and ``g.current_token``
    (the ApiToken row, or None). A session of a deactivated user or of an older epoch is cleared.
    """
    g.current_user = None
    g.auth_method = None
    g.current_token = None
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise Unauthorized("Use 'Authorization: Bearer <token>'.")
        row = tokens.token_for(value.strip())
        if row is None:
            raise Unauthorized("The token is invalid, expired or revoked.")
        tokens.note_use(row, audit.client_address())
        g.current_user, g.auth_method, g.current_token = row.user, "token", row
        return
    user_id = session.get(SESSION_USER)
    if user_id is not None:
        user = db.session.get(User, user_id)
        if user is None or not user.is_active or session.get(SESSION_EPOCH) != user.session_epoch:
            session.clear()  # ended by deactivation or a password change: the caller is anonymous now
            return
        g.current_user, g.auth_method = user, "session"


def current_user():
    return g.get("current_user")


def require_role(role: str) -> Callable:
    """Decorator: the caller must be authenticated (401) and hold ``role`` or higher (403).

    (CSRF is checked for every unsafe session request before any view runs: ``shopdb.auth.csrf``.)
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any):
            user = current_user()
            if user is None:
                raise Unauthorized("Authentication required: send 'Authorization: Bearer <token>'.")
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
