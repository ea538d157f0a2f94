"""``/api/v1/users`` (admin only): create, list, read and change users — role, sites, active, password.

The rules (last admin, directory users, sessions ended) are in ``accounts``, shared with ``shopdb user``.
"""

from __future__ import annotations

from flask_smorest import Blueprint
from sqlalchemy import select

from ..api import envelope, list_envelope, responses
from ..api.pagination import ListSpec, list_response
from ..core.models import User
from ..core.schemas.auth import UserSchema, UserUpdateSchema
from ..core.services import writes
from . import accounts
from .current import require_role
from .passwords import hash_password

users_blp = Blueprint("users", __name__, url_prefix="/api/v1/users", description="User admin")

USER_LIST = ListSpec(
    fields={"id": User.id, "username": User.username, "role": User.role, "is_active": User.is_active,
            "auth_source": User.auth_source, "last_login_at": User.last_login_at},
    search=[User.username], default_sort=["username"], tiebreak=[User.id],
)


def user_dict(user: User) -> dict:
    return {
        "id": user.id, "username": user.username, "role": user.role, "is_active": user.is_active,
        "site_ids": sorted(s.id for s in user.sites), "auth_source": user.auth_source,
        "last_login_at": user.last_login_at, "created_at": user.created_at, "updated_at": user.updated_at,
    }


@users_blp.route("", methods=["GET"])
@require_role("admin")
@users_blp.response(200, list_envelope(UserSchema))
def list_users():
    return list_response(select(User), USER_LIST, user_dict)


@users_blp.route("", methods=["POST"])
@require_role("admin")
@users_blp.arguments(UserSchema)
@users_blp.response(201, envelope(UserSchema))
def create_user(body):
    """Create a user with a role and, optionally, the sites they are limited to."""
    sites = accounts.sites_by_id(body.pop("site_ids"))
    with writes.transaction():
        writes.ensure_unique(User, "username", body["username"], case_insensitive=True)
        user = writes.create(
            User, username=body["username"], password_hash=hash_password(body["password"]),
            role=body["role"], is_active=body["is_active"],
        )
        accounts.set_sites(user, sites)
    return responses.single(user_dict(user), status=201)


@users_blp.route("/<int:user_id>", methods=["GET"])
@require_role("admin")
@users_blp.response(200, envelope(UserSchema))
def get_user(user_id):
    return responses.single(user_dict(writes.get_or_404(User, user_id, "user")))


@users_blp.route("/<int:user_id>", methods=["PATCH"])
@require_role("admin")
@users_blp.arguments(UserUpdateSchema)
@users_blp.response(200, envelope(UserSchema))
def update_user(body, user_id):
    """Change a user's role, sites, active flag or password; each change is audited.

    Deactivating ends the user's sessions and revokes their tokens; a new password ends their
    sessions. The last active admin cannot be deactivated or demoted (409); a directory (LDAP) user
    has no local password (409).
    """
    user = writes.get_or_404(User, user_id, "user")
    sites = accounts.sites_by_id(body["site_ids"]) if "site_ids" in body else None
    with writes.transaction():  # all of the request's changes, or none
        if "role" in body:
            accounts.set_role(user, body["role"])
        if sites is not None:
            accounts.set_sites(user, sites)
        if body.get("is_active") is False:
            accounts.deactivate(user)
        elif body.get("is_active") is True:
            accounts.activate(user)
        if "password" in body:
            accounts.set_password(user, body["password"])
    return responses.single(user_dict(user))
