"""ShopDB users for the plant's directory: made on a directory user's first login, their role and sites
refreshed from the directory's groups on every login after (docs/adr/0016-directory-login.md).
"""

from __future__ import annotations

import logging
import secrets

from sqlalchemy import select

from ..api.errors import Conflict
from ..core.models import Site, User
from ..core.models.keys import normal_key
from ..core.services import writes
from ..extensions import db
from . import directory

log = logging.getLogger(__name__)


def unusable_password_hash() -> str:
    """Not an Argon2 hash, so no password ever verifies against it: the directory holds the password."""
    return "!directory-" + secrets.token_hex(16)


def user_by_name(username: str) -> User | None:
    """The account of this login name, whatever its case (``Anna`` and ``anna`` are one login, ADR 0008)."""
    key = normal_key([username])
    return db.session.execute(select(User).where(User.username_key == key)).scalar_one_or_none()


def login_with_directory(settings: directory.DirectorySettings, username: str, password: str,
                         user: User | None) -> User | None:
    """The ShopDB user of a directory account whose password the directory accepts, else ``None``.

    ``user`` is the existing directory-sourced user of that name, if any; it is created otherwise.
    A deactivated user is returned untouched (the caller refuses it). Changes are flushed, not committed.
    Raises ``directory.DirectoryUnavailable`` (503) when the directory cannot be asked.
    """
    account = directory.check_password(settings, username, password)
    if account is None:
        return None
    access = directory.access_for(settings, account)
    if access is None:
        log.info("directory user %r is in no group mapped to a role (or to a site); refused", account.username)
        return None
    if user is not None and not user.is_active:
        return user
    sites = _sites_of(access)
    if sites is None:
        return None
    if user is None:
        user = _create(account, access.role, sites)
    changes = {"role": access.role}
    if {s.id for s in user.sites} != {s.id for s in sites}:
        changes["sites"] = sites
    writes.update(user, changes)
    return user


def _sites_of(access: directory.Access) -> list[Site] | None:
    """The mapped sites that exist; ``[]`` is every site. ``None`` when sites are mapped but none exists:
    an empty list would grant every site, the opposite of what the mapping meant."""
    if access.site_codes is None:
        return []
    keys = {normal_key([code]) for code in access.site_codes}
    sites = sorted(db.session.execute(select(Site).where(Site.code_key.in_(keys))).scalars(), key=lambda s: s.id)
    missing = keys - {s.code_key for s in sites}
    if missing:
        log.warning("SHOPDB_LDAP_SITE_GROUPS names site codes ShopDB does not have: %s", ", ".join(sorted(missing)))
    return sites or None


def _create(account: directory.DirectoryAccount, role: str, sites: list[Site]) -> User:
    """A new directory-sourced user; if a simultaneous first login made it first, that one."""
    try:
        with writes.savepoint():
            user = writes.create(User, username=account.username, password_hash=unusable_password_hash(),
                                 role=role, auth_source="ldap")
            user.sites = sites
            db.session.flush()
        return user
    except Conflict:
        existing = user_by_name(account.username)
        if existing is None or existing.auth_source != "ldap":
            raise
        return existing
