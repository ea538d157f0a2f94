"""Checking a username and password: the one path every login (session or token) takes.

Local accounts are checked against their Argon2 hash, always, so an admin gets in while the plant's
directory is down; with ``SHOPDB_LDAP_URL`` set, a name with no local account (or a directory-sourced
one) is checked against the directory (docs/adr/0016-directory-login.md).
"""

from __future__ import annotations

from flask import current_app

from ..api.errors import Unauthorized
from ..core.models import User, utcnow
from ..core.services import audit
from ..extensions import db
from . import directory, throttle
from .passwords import verify_password
from .provisioning import login_with_directory, user_by_name


def authenticate(username: str, password: str) -> User:
    """The active user whose password this is, else 401 (the same answer for every reason)."""
    throttle.refuse_if_locked(username)  # spares the hash (or the directory) once the limit is reached
    user = user_by_name(username)
    if current_app.config.get("SHOPDB_LDAP_URL") and (user is None or user.auth_source == "ldap"):
        user = login_with_directory(_directory_settings(), username, password, user)
    elif not verify_password(user.password_hash if user else None, password):
        user = None
    if user is None or not user.is_active:
        _audit_failure(username, user)
        throttle.record_failure(username)  # 429 instead when the limit was already used up
        raise Unauthorized("Wrong username or password.")
    throttle.refuse_if_locked(username)  # failures sent alongside may have used up the limit meanwhile
    user.last_login_at = utcnow()
    audit.record_access("login", "users", user.id, user_id=user.id, username=user.username)
    return user


def _audit_failure(username: str, user: User | None) -> None:
    """Audit a failed login with the username tried (never the password), committed now: the 401 that
    follows rolls the request's session back."""
    audit.record_access("login_failed", "users", user.id if user else "-",
                        user_id=user.id if user else None, username=username)
    db.session.commit()


def _directory_settings() -> directory.DirectorySettings:
    """The configured directory; settings it cannot use answer 503 (the log says why), local logins go on."""
    try:
        settings = directory.DirectorySettings.from_config(current_app.config)
    except directory.DirectoryMisconfigured as error:
        current_app.logger.error("directory login is misconfigured: %s", error)
        raise directory.DirectoryUnavailable("Directory login is misconfigured; the server log says why. "
                                             "Local accounts can still log in.") from None
    assert settings is not None  # SHOPDB_LDAP_URL is set
    return settings
