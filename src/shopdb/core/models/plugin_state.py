from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ...extensions import db
from .base import utcnow
from .scope import PLANT_WIDE

PLUGIN_STATES = ("enabled", "disabled", "uninstalled")


class PluginState(db.Model):
    """What the operator decided for a plugin; persisted so every worker and CLI agrees."""

    __tablename__ = "plugin_states"
    __site_scope__ = PLANT_WIDE
    __table_args__ = (CheckConstraint(f"state IN {PLUGIN_STATES!r}", name="state"),)

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), nullable=False)
    version: Mapped[str | None] = mapped_column(String(32))
    installed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime, default=utcnow, onupdate=utcnow, nullable=False
    )
    note: Mapped[str | None] = mapped_column(Text)
