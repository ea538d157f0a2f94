"""Bearer tokens: 256 random bits shown once; the database keeps only their SHA-256.

A fast hash is right here (unlike passwords): the token has full entropy, so there is nothing
to brute-force, and every authenticated request must look it up quickly.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select

from ..core.models import ApiToken, User, utcnow
from ..extensions import db

TOKEN_PREFIX = "shdb_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, name: str = "api", expires_in_days: int | None = None) -> tuple[str, ApiToken]:
    """Create a token for ``user``; returns the plain token (never stored) and its row."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id, name=name, token_hash=hash_token(token), prefix=token[5:13],
        expires_at=utcnow() + dt.timedelta(days=expires_in_days) if expires_in_days else None,
    )
    db.session.add(row)
    return token, row


def user_for_token(token: str) -> User | None:
    row = db.session.execute(
        select(ApiToken).where(ApiToken.token_hash == hash_token(token))
    ).scalar_one_or_none()
    if row is None or (row.expires_at and row.expires_at < utcnow()) or not row.user.is_active:
        return None
    return row.user
