"""The first admin (SPEC §1): password from SHOPDB_ADMIN_PASSWORD, else generated and shown once."""

from __future__ import annotations

import secrets

from flask import current_app
from sqlalchemy import func, select

from ..core.models import User
from ..extensions import db
from .passwords import hash_password


def ensure_admin() -> str | None:
    """Create user ``admin`` when there are no users. Returns the generated password, if any."""
    if db.session.execute(select(func.count()).select_from(User)).scalar_one():
        return None
    configured = current_app.config.get("SHOPDB_ADMIN_PASSWORD")
    password = configured or secrets.token_urlsafe(12)
    db.session.add(User(username="admin", password_hash=hash_password(password), role="admin"))
    db.session.commit()
    return None if configured else password
