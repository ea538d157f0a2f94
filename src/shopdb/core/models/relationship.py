from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ...extensions import db
from .base import utcnow
from .scope import all_of, by_asset


class AssetRelationship(db.Model):
    """A typed, directed edge: ``source`` *kind* ``target`` (a PC ``controls`` a machine)."""

    __tablename__ = "asset_relationships"
    # Both ends: an edge must not reveal an asset of a site the user cannot see.
    __site_scope__ = all_of(by_asset("source_assetid", visible_when_null=False),
                            by_asset("target_assetid", visible_when_null=False))
    __table_args__ = (
        UniqueConstraint("kind", "source_assetid", "target_assetid"),
        CheckConstraint("source_assetid <> target_assetid", name="not_self"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    source_assetid: Mapped[int] = mapped_column(
        ForeignKey("assets.assetid", ondelete="CASCADE"), nullable=False, index=True
    )
    target_assetid: Mapped[int] = mapped_column(
        ForeignKey("assets.assetid", ondelete="CASCADE"), nullable=False, index=True
    )
    notes: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
