"""``/api/v1/auth`` (tokens, session login) and ``/api/v1/users`` (admin only)."""

from __future__ import annotations

from flask import request, session
from flask_smorest import Blueprint
from sqlalchemy import select

from ..api import envelope, list_envelope, responses
from ..api.errors import Unauthorized, ValidationFailed
from ..api.pagination import ListSpec, list_response
from ..core.models import Site, User, utcnow
from ..core.schemas.auth import (
    LoginSchema,
    MeSchema,
    SessionSchema,
    TokenRequestSchema,
    TokenSchema,
    UserSchema,
)
from ..core.services import writes
from ..extensions import db
from . import throttle
from .csrf import csrf_token
from .current import current_user, require_role
from .passwords import hash_password, verify_password
from .tokens import issue_token

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Tokens and sessions")
users_blp = Blueprint("users", __name__, url_prefix="/api/v1/users", description="User admin")


def _authenticate(username: str, password: str) -> User:
    key = f"{username.lower()}|{request.remote_addr}"
    throttle.check(key)
    user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if not verify_password(user.password_hash if user else None, password) or not user.is_active:
        throttle.failed(key)
        raise Unauthorized("Wrong username or password.")
    throttle.reset(key)
    user.last_login_at = utcnow()
    return user


@blp.route("/tokens", methods=["POST"])
@blp.arguments(TokenRequestSchema)
@blp.response(201, envelope(TokenSchema))
def create_token(body):
    """Exchange a username and password for a bearer token (shown once)."""
    user = _authenticate(body["username"], body["password"])
    token, row = issue_token(user, body["name"], body.get("expires_in_days"))
    db.session.commit()
    return responses.single({
        "id": row.id, "token": token, "name": row.name, "prefix": row.prefix,
        "username": user.username, "role": user.role,
        "created_at": row.created_at, "expires_at": row.expires_at,
    }, status=201)


@blp.route("/login", methods=["POST"])
@blp.arguments(LoginSchema)
@blp.response(200, envelope(SessionSchema))
def login(body):
    """Start a browser session; writes must then send the returned CSRF token as X-CSRF-Token."""
    user = _authenticate(body["username"], body["password"])
    db.session.commit()
    session.clear()
    session["user_id"] = user.id
    return responses.single({"username": user.username, "role": user.role, "csrf_token": csrf_token()})


@blp.route("/logout", methods=["POST"])
@blp.response(204)
def logout():
    session.clear()
    return responses.no_content()


@blp.route("/me", methods=["GET"])
@blp.response(200, envelope(MeSchema))
def me():
    user = current_user()
    if user is None:
        raise Unauthorized("Not logged in.")
    return responses.single({
        "id": user.id, "username": user.username, "role": user.role,
        "site_ids": [s.id for s in user.sites],
        "csrf_token": csrf_token() if "user_id" in session else None,
    })


def _user_dict(user: User) -> dict:
    return {
        "id": user.id, "username": user.username, "role": user.role, "is_active": user.is_active,
        "site_ids": [s.id for s in user.sites], "created_at": user.created_at,
    }


@users_blp.route("", methods=["GET"])
@require_role("admin")
@users_blp.response(200, list_envelope(UserSchema))
def list_users():
    spec = ListSpec(
        fields={"username": User.username, "role": User.role, "is_active": User.is_active},
        search=[User.username], default_sort=["username"], tiebreak=[User.id],
    )
    return list_response(select(User), spec, _user_dict)


@users_blp.route("", methods=["POST"])
@require_role("admin")
@users_blp.arguments(UserSchema)
@users_blp.response(201, envelope(UserSchema))
def create_user(body):
    """Create a user with a role and, optionally, the sites they may change."""
    site_ids = sorted(set(body.pop("site_ids")))
    sites = [db.session.get(Site, i) for i in site_ids]
    if any(s is None for s in sites):
        raise ValidationFailed({"site_ids": ["Unknown site id."]})
    with writes.transaction():
        writes.ensure_unique(User, "username", body["username"], case_insensitive=True)
        user = writes.create(
            User, username=body["username"], password_hash=hash_password(body["password"]),
            role=body["role"], is_active=body["is_active"],
        )
        user.sites = sites
    return responses.single(_user_dict(user), status=201)
