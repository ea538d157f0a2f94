"""``/api/v1/auth``: tokens (create, list, revoke), session login/logout, who am I, my password.

``/api/v1/users`` (admin only) lives in ``users_api``; both blueprints are registered by the factory.
"""

from __future__ import annotations

from flask import g, request, session
from flask_smorest import Blueprint
from sqlalchemy import select

from ..api import envelope, list_envelope, responses
from ..api.errors import Forbidden, NotFound, Unauthorized, ValidationFailed
from ..api.pagination import ListSpec, list_response
from ..core.models import ApiToken, User
from ..core.schemas.auth import (
    LoginSchema,
    MeSchema,
    PasswordChangeSchema,
    SessionSchema,
    SessionStateSchema,
    TokenInfoSchema,
    TokenRequestSchema,
    TokenSchema,
)
from ..core.services import audit
from ..extensions import db
from . import accounts, tokens
from .access import public
from .csrf import csrf_token
from .current import begin_session, current_user, require_role
from .login import authenticate
from .users_api import users_blp

__all__ = ["blp", "users_blp"]

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Tokens and sessions")

TOKEN_LIST = ListSpec(
    fields={"id": ApiToken.id, "name": ApiToken.name, "user_id": ApiToken.user_id, "username": User.username,
            "write_enabled": ApiToken.write_enabled, "created_at": ApiToken.created_at,
            "expires_at": ApiToken.expires_at, "last_used_at": ApiToken.last_used_at,
            "revoked_at": ApiToken.revoked_at},
    search=[ApiToken.name, User.username], default_sort=["-created_at"], tiebreak=[ApiToken.id.desc()],
    extra_args={"all"},
)


def token_dict(row: ApiToken, username: str) -> dict:
    return {
        "id": row.id, "name": row.name, "prefix": row.prefix, "user_id": row.user_id, "username": username,
        "write_enabled": row.write_enabled, "created_at": row.created_at, "expires_at": row.expires_at,
        "last_used_at": row.last_used_at, "last_used_address": row.last_used_address,
        "revoked_at": row.revoked_at,
    }


def _token_owner(body: dict) -> User:
    """Who the new token is for: the one whose password came with it, else the logged-in caller."""
    if "username" in body or "password" in body:
        if not body.get("username") or "password" not in body:
            raise ValidationFailed({"password" if body.get("username") else "username": [
                "Send both username and password, or neither to create a token for yourself."]})
        return authenticate(body["username"], body["password"])
    user = current_user()
    if user is None:
        raise Unauthorized("Send username and password, or log in first.")
    return user  # a session's request carried its CSRF token (checked before every unsafe request)


@blp.route("/tokens", methods=["POST"])
@public
@blp.arguments(TokenRequestSchema)
@blp.response(201, envelope(TokenSchema))
def create_token(body):
    """Create a bearer token, shown once: for the username and password sent, or for the caller.

    A token made by a token ends no later than it and writes only if it may.
    """
    password_given = "password" in body
    user = _token_owner(body)
    parent = None if password_given else g.get("current_token")
    token, row = tokens.issue_token(user, body["name"], body.get("expires_in_days", tokens.DEFAULT),
                                    write_enabled=body["write_enabled"], parent=parent)
    audit.record_access("token_created", "api_tokens", row.id, user_id=user.id, username=user.username,
                        details={"name": row.name, "prefix": row.prefix, "owner": user.username,
                                 "write_enabled": row.write_enabled,
                                 "expires_at": audit.snapshot(row)["expires_at"]})
    db.session.commit()
    return responses.single({**token_dict(row, user.username), "token": token, "role": user.role}, status=201)


@blp.route("/tokens", methods=["GET"])
@require_role("viewer")
@blp.response(200, list_envelope(TokenInfoSchema))
def list_tokens():
    """Your tokens; an admin sees another user's with ``user_id``/``username`` and everyone's with ``all=true``."""
    user = current_user()
    stmt = select(ApiToken, User.username).join(User, ApiToken.user_id == User.id)
    wants_others = request.args.get("all", "").lower() in {"1", "true", "yes"} or any(
        request.args.get(f) not in (None, "", str(user.id) if f == "user_id" else user.username)
        for f in ("user_id", "username"))
    if wants_others and not user.has_role("admin"):
        raise Forbidden("Only an admin may list other users' tokens.")
    if not wants_others:
        stmt = stmt.where(ApiToken.user_id == user.id)
    return list_response(stmt, TOKEN_LIST, lambda r: token_dict(r[0], r[1]), scalars=False)


@blp.route("/tokens/<int:token_id>", methods=["DELETE"])
@require_role("viewer")
@blp.response(204)
def revoke_token(token_id):
    """Revoke a token (your own; an admin any): refused from the next request on."""
    user = current_user()
    row = db.session.get(ApiToken, token_id)
    if row is None or (row.user_id != user.id and not user.has_role("admin")):
        raise NotFound(f"No token with id {token_id}.")  # others' tokens are not even confirmed to exist
    if tokens.revoke(row):
        audit.record_access("token_revoked", "api_tokens", row.id,
                            details={"name": row.name, "prefix": row.prefix, "owner": row.user.username})
        db.session.commit()
    return responses.no_content()


@blp.route("/login", methods=["POST"])
@public
@blp.arguments(LoginSchema)
@blp.response(200, envelope(SessionSchema))
def login(body):
    """Start a browser session; writes must then send the returned CSRF token as X-CSRF-Token."""
    user = authenticate(body["username"], body["password"])
    db.session.commit()
    begin_session(user)
    return responses.single({"username": user.username, "role": user.role, "csrf_token": csrf_token()})


@blp.route("/logout", methods=["POST"])
@public
@blp.response(204)
def logout():
    """End this browser session (a bearer token is ended by revoking it)."""
    user = current_user()
    if user is not None and g.auth_method == "session":
        audit.record_access("logout", "users", user.id)
        db.session.commit()
    session.clear()
    return responses.no_content()


def _me(user: User) -> dict:
    return {
        "id": user.id, "username": user.username, "role": user.role,
        "site_ids": [s.id for s in user.sites],
        "csrf_token": csrf_token() if g.auth_method == "session" else None,
    }


@blp.route("/me", methods=["GET"])
@blp.response(200, envelope(MeSchema))
def me():
    """Who the caller is (401 without a login, like every protected resource)."""
    user = current_user()
    if user is None:
        raise Unauthorized("Not logged in.")
    return responses.single(_me(user))


@blp.route("/session", methods=["GET"])
@public
@blp.response(200, envelope(SessionStateSchema))
def session_state():
    """Whether this browser is logged in, and as whom: the web UI's first question, answered without a 401.

    A browser logs every 4xx in its console, so asking ``/auth/me`` with a session that expired or was
    ended elsewhere (logout, password change, deactivation) would log an error on the login page. This
    answers ``{"authenticated": false}`` instead and reveals nothing the caller's own cookie does not carry;
    every protected resource still answers 401, and a bad bearer token is still a 401 here.
    """
    user = current_user()
    if user is None:
        return responses.single({"authenticated": False})
    return responses.single({"authenticated": True, **_me(user)})


@blp.route("/password", methods=["POST"])
@require_role("viewer")
@blp.arguments(PasswordChangeSchema)
@blp.response(204)
def change_password(body):
    """Change your own password with the current one: your other sessions end, this one stays.

    Your tokens stay valid (list and revoke them under ``/auth/tokens``).
    """
    user = current_user()
    if user.auth_source != "local":
        accounts.set_password(user, body["new_password"], "new_password")  # refuses with the reason
    # The current password is checked like a login: throttled, failures audited.
    try:
        checked = authenticate(user.username, body["current_password"])
    except Unauthorized:
        checked = None
    if checked is None or checked.id != user.id:
        raise ValidationFailed({"current_password": ["Wrong password."]})
    if body["new_password"] == body["current_password"]:
        raise ValidationFailed({"new_password": ["Choose a password different from the current one."]})
    accounts.set_password(user, body["new_password"], "new_password")
    db.session.commit()
    return responses.no_content()
