"""Bearer tokens: 256 random bits shown once; the database keeps only their SHA-256.

A fast hash is right here (unlike passwords): the token has full entropy, so there is nothing
to brute-force, and every authenticated request must look it up quickly.

Lifetime rules (docs/SECURITY.md, "Users, tokens and audit"): a token expires after
``SHOPDB_TOKEN_DEFAULT_DAYS`` days unless the request asks for fewer; only an admin may ask for
more or for none (``null``: a service account's token), and a default of 0 means "never" for all.
A token minted by another token never outlives it and never writes when its parent cannot.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask import current_app, request
from sqlalchemy import or_, select, update
from sqlalchemy.orm import joinedload

from ..api.errors import Forbidden, ValidationFailed
from ..core.models import ApiToken, User, utcnow
from ..extensions import READ_ONLY_METHODS, db

TOKEN_PREFIX = "shdb_"
DEFAULT = object()  # "the request did not say": the configured default lifetime applies
MAX_DAYS = 3650
# Reads must not write on every request (SQLite serialises writes): last use is noted once a minute.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def default_days() -> int:
    return int(current_app.config.get("SHOPDB_TOKEN_DEFAULT_DAYS", 90))


def lifetime_days(user: User, requested: int | None | object = DEFAULT) -> int | None:
    """The days a new token of ``user`` lives (None: no expiry), or 422 when the rules refuse the request."""
    default = default_days()
    if requested is DEFAULT:
        return default or None
    if default and not user.has_role("admin") and (requested is None or requested > default):
        raise ValidationFailed({"expires_in_days": [
            f"At most {default} days (the configured default); only an admin may ask for more or for none."]})
    return requested  # type: ignore[return-value]


def issue_token(user: User, name: str = "api", expires_in_days: int | None | object = DEFAULT, *,
                write_enabled: bool = True, parent: ApiToken | None = None) -> tuple[str, ApiToken]:
    """Create a token for ``user``; returns the plain token (never stored) and its row.

    ``expires_in_days`` is checked against the lifetime rules (see the module's docstring); with a
    ``parent`` token the new one ends when the parent does and writes only if the parent may.
    """
    days = lifetime_days(user, expires_in_days)
    expires_at = utcnow() + dt.timedelta(days=days) if days else None
    if parent is not None:
        if not parent.write_enabled and write_enabled:
            raise Forbidden("A read-only token can only create read-only tokens.", code="read_only_token")
        if parent.expires_at is not None and (expires_at is None or expires_at > parent.expires_at):
            expires_at = parent.expires_at
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id, name=name, token_hash=hash_token(token), prefix=token[5:13],
        expires_at=expires_at, write_enabled=write_enabled,
    )
    db.session.add(row)
    db.session.flush()
    return token, row


def is_usable(row: ApiToken) -> bool:
    """Not revoked, not expired, and its user still active."""
    if row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= utcnow()):
        return False
    return row.user.is_active


def token_for(token: str) -> ApiToken | None:
    """The usable token row behind a presented bearer token, else None."""
    # One statement for the token, its user and the user's sites: every authenticated request pays it.
    row = db.session.execute(
        select(ApiToken).where(ApiToken.token_hash == hash_token(token))
        .options(joinedload(ApiToken.user).joinedload(User.sites))
    ).unique().scalar_one_or_none()
    return row if row is not None and is_usable(row) else None


def user_for_token(token: str) -> User | None:
    row = token_for(token)
    return row.user if row is not None else None


def note_use(row: ApiToken, address: str | None) -> None:
    """Record when and from where the token was last used, at most once a minute per token.

    One conditional UPDATE: of two workers noting the same minute, only the first writes.
    """
    now = utcnow()
    if row.last_used_at is not None and now - row.last_used_at < LAST_USED_RESOLUTION:
        return
    stamp = (
        update(ApiToken)
        .where(ApiToken.id == row.id)
        .where(or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now - LAST_USED_RESOLUTION))
        .values(last_used_at=now, last_used_address=address)
        .execution_options(synchronize_session=False)
    )
    if request.method in READ_ONLY_METHODS:
        # A read never commits its session; a connection of its own records the use (committing the
        # session instead would expire the user just loaded).
        with db.engine.begin() as connection:
            connection.execute(stamp)
    else:
        # A write holds the write lock (SQLite, ADR 0007): stamp inside it, committed with the change.
        db.session.execute(stamp)


def revoke(row: ApiToken) -> bool:
    """Mark ``row`` revoked (refused from the next request on). False when it already was."""
    if row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    return True


def revoke_all(user: User) -> int:
    """Revoke every live token of ``user``; returns how many."""
    rows = db.session.execute(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ).scalars().all()
    return sum(revoke(row) for row in rows)
