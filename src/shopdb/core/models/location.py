from __future__ import annotations

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ...extensions import db
from .base import TimestampMixin, VersionedMixin

LOCATION_KINDS = ("building", "area", "cell", "room", "other")


class Location(TimestampMixin, VersionedMixin, db.Model):
    """A node of a site's location tree: building → area → cell, with optional floor-plan x/y."""

    __tablename__ = "locations"
    __table_args__ = (
        UniqueConstraint("site_id", "parent_id", "name"),
        CheckConstraint(f"kind IN {LOCATION_KINDS!r}", name="kind"),
        Index("ix_locations_site_id_parent_id", "site_id", "parent_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="RESTRICT"), nullable=False)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("locations.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False, default="area")
    x: Mapped[float | None] = mapped_column(Float)
    y: Mapped[float | None] = mapped_column(Float)
