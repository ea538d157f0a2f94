from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...extensions import db
from .base import TimestampMixin, utcnow
from .keys import key_column, key_length
from .scope import PLANT_WIDE
from .site import Site

ROLES = ("viewer", "editor", "admin")  # ordered: each role can do what the ones before it can
AUTH_SOURCES = ("local", "ldap")  # where the password is checked: our Argon2 hash, or the directory

user_sites = Table(
    "user_sites",
    db.metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("site_id", Integer, ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True),
)


class User(TimestampMixin, db.Model):
    """A person or service account. No sites listed means every site."""

    __tablename__ = "users"
    __site_scope__ = PLANT_WIDE  # users are managed by admins, not per site
    __table_args__ = (
        CheckConstraint(f"role IN {ROLES!r}", name="role"),
        # ``Anna`` and ``anna`` are one login (docs/adr/0008).
        Index("uq_users_username_key", "username_key", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    username_key: Mapped[str] = key_column("username", length=key_length(64))
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False, default="viewer")
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    auth_source: Mapped[str] = mapped_column(String(16), nullable=False, default="local",
                                             server_default="local")
    # Sessions remember the epoch they began in; raising it (deactivation, a new password) ends them.
    session_epoch: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    sites: Mapped[list[Site]] = relationship(secondary=user_sites, lazy="selectin")

    def has_role(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)

    def can_write_site(self, site_id: int | None) -> bool:
        return not self.sites or site_id is None or any(s.id == site_id for s in self.sites)


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 is stored, the token itself is shown once."""

    __tablename__ = "api_tokens"
    __site_scope__ = PLANT_WIDE

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(120), nullable=False, default="api")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    prefix: Mapped[str] = mapped_column(String(8), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_used_address: Mapped[str | None] = mapped_column(String(45))
    # A read-only token may only read, whatever its user's role (NetBox's ``write_enabled``).
    write_enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True, server_default=true())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship(lazy="joined")
