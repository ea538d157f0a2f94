from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...extensions import db
from .base import TimestampMixin, VersionedMixin

ASSET_STATUSES = ("active", "in_repair", "inactive", "retired", "lost")


class AssetType(TimestampMixin, db.Model):
    """Kind of asset (``computer``, ``equipment``, ...), usually seeded by the owning plugin."""

    __tablename__ = "asset_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    label: Mapped[str] = mapped_column(String(120), nullable=False)
    plugin: Mapped[str | None] = mapped_column(String(64), index=True)


class Asset(TimestampMixin, VersionedMixin, db.Model):
    """Anything the plant tracks. Plugins extend it with a one-to-one table keyed by ``assetid``."""

    __tablename__ = "assets"
    __table_args__ = (
        UniqueConstraint("site_id", "asset_tag"),
        CheckConstraint(f"status IN {ASSET_STATUSES!r}", name="status"),
        Index("ix_assets_site_id_status", "site_id", "status"),
    )

    assetid: Mapped[int] = mapped_column(primary_key=True)
    asset_tag: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    asset_type_id: Mapped[int] = mapped_column(
        ForeignKey("asset_types.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="active", index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="RESTRICT"), nullable=False)
    location_id: Mapped[int | None] = mapped_column(
        ForeignKey("locations.id", ondelete="SET NULL"), index=True
    )
    manufacturer: Mapped[str | None] = mapped_column(String(120), index=True)
    model: Mapped[str | None] = mapped_column(String(120))
    serial_number: Mapped[str | None] = mapped_column(String(120), index=True)
    notes: Mapped[str | None] = mapped_column(Text)

    asset_type: Mapped[AssetType] = relationship(lazy="joined", innerjoin=True)
