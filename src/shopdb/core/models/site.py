from __future__ import annotations

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ...extensions import db
from .base import TimestampMixin, VersionedMixin
from .keys import key_column, key_length


class Site(TimestampMixin, VersionedMixin, db.Model):
    """A plant. ``code`` is the short unique handle used in tags and imports."""

    __tablename__ = "sites"
    # ``p1`` and ``P1`` are one plant (docs/adr/0008); ``code`` keeps the spelling people chose.
    __table_args__ = (Index("uq_sites_code_key", "code_key", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True, nullable=False)
    code_key: Mapped[str] = key_column("code", length=key_length(16))
    name: Mapped[str] = mapped_column(String(120), nullable=False, index=True)
    timezone: Mapped[str] = mapped_column(String(64), nullable=False, default="UTC")
