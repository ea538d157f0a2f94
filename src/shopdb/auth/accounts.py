"""A user's lifecycle, the same over the API and the CLI: role, sites, active flag, password.

Every change is audited with a named action (``role_changed``, ``sites_changed``, ``deactivated``,
``activated``, ``password_changed``) and never carries a secret. Two guarantees hold whatever the path:
the last active admin can be neither deactivated nor demoted (an admin can always get in), and a user
whose password the directory (LDAP) checks has no local password to set. Callers commit.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, true

from ..api.errors import Conflict, ValidationFailed
from ..core.models import Site, User, utcnow
from ..core.models.keys import normal_key
from ..core.services import audit
from ..extensions import db
from . import tokens
from .current import end_other_sessions
from .passwords import hash_password

MIN_PASSWORD_LENGTH = 10


def find_user(name_or_id: str | int) -> User | None:
    """A user by id or by username (case-insensitive, as logins are)."""
    if isinstance(name_or_id, int) or str(name_or_id).isdigit():
        user = db.session.get(User, int(name_or_id))
        if user is not None or isinstance(name_or_id, int):
            return user
    return db.session.execute(
        select(User).where(User.username_key == normal_key((str(name_or_id),)))
    ).scalar_one_or_none()


def _other_active_admins(user: User) -> int:
    # Locked (MariaDB/PostgreSQL) so two admins demoting each other at once cannot both succeed.
    ids = db.session.execute(
        select(User.id).where(User.role == "admin", User.is_active == true(), User.id != user.id).with_for_update()
    ).scalars().all()
    return len(ids)


def _keep_an_admin(user: User, what: str) -> None:
    if user.role == "admin" and user.is_active and not _other_active_admins(user):
        raise Conflict(f"{user.username!r} is the last active admin and cannot be {what}; "
                       "make another user admin first.", code="last_admin")


def _audit(action: str, user: User, before: dict | None = None, after: dict | None = None) -> None:
    entry = audit.record_access(action, "users", user.id, details=after)
    entry.before = before


def set_role(user: User, role: str) -> bool:
    """Give ``user`` a new role; False when it already had it."""
    if role == user.role:
        return False
    if role != "admin":
        _keep_an_admin(user, "demoted")
    _audit("role_changed", user, {"role": user.role}, {"role": role, "username": user.username})
    user.role = role
    user.updated_at = utcnow()
    return True


def sites_by_id(site_ids: Sequence[int], field: str = "site_ids") -> list[Site]:
    sites = [db.session.get(Site, i) for i in sorted(set(site_ids))]
    if any(s is None for s in sites):
        raise ValidationFailed({field: ["Unknown site id."]})
    return sites  # type: ignore[return-value]


def set_sites(user: User, sites: Sequence[Site]) -> bool:
    """Limit ``user`` to ``sites`` (empty: every site); False when nothing changed."""
    before = sorted(s.id for s in user.sites)
    after = sorted({s.id for s in sites})
    if before == after:
        return False
    _audit("sites_changed", user, {"site_ids": before}, {"site_ids": after, "username": user.username})
    user.sites = list(sites)
    user.updated_at = utcnow()
    return True


def deactivate(user: User) -> int | None:
    """Deactivate ``user``: their sessions end and their tokens are revoked (so re-activating does not
    bring old credentials back). Returns the number of tokens revoked, None when already inactive."""
    if not user.is_active:
        return None
    _keep_an_admin(user, "deactivated")
    revoked = tokens.revoke_all(user)
    _audit("deactivated", user, {"is_active": True},
           {"is_active": False, "username": user.username, "tokens_revoked": revoked})
    user.is_active = False
    end_other_sessions(user)
    user.updated_at = utcnow()
    return revoked


def activate(user: User) -> bool:
    """Let ``user`` log in again (with a new session or token); False when already active."""
    if user.is_active:
        return False
    _audit("activated", user, {"is_active": False}, {"is_active": True, "username": user.username})
    user.is_active = True
    user.updated_at = utcnow()
    return True


def check_new_password(password: str, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed({field: [f"At least {MIN_PASSWORD_LENGTH} characters."]})


def set_password(user: User, password: str, field: str = "password") -> None:
    """Give a local user a new password; their other sessions end, this one (if theirs) stays."""
    if user.auth_source != "local":
        raise Conflict(f"{user.username!r} logs in through the directory ({user.auth_source}); "
                       "their password is changed there, not in ShopDB.", code="directory_user")
    check_new_password(password, field)
    user.password_hash = hash_password(password)
    end_other_sessions(user)
    user.updated_at = utcnow()
    _audit("password_changed", user, None, {"username": user.username})
