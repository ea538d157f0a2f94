from __future__ import annotations

from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, event, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value

from ...api.ordering import CASE_FOLDED
from ...extensions import db
from .base import TimestampMixin, VersionedMixin
from .keys import ASSET_SITE_INFO, key_column, key_length
from .scope import PLANT_WIDE

ASSET_STATUSES = ("active", "in_repair", "inactive", "retired", "lost")


class AssetType(TimestampMixin, db.Model):
    """Kind of asset (``computer``, ``equipment``, ...), usually seeded by the owning plugin."""

    __tablename__ = "asset_types"
    __site_scope__ = PLANT_WIDE

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    label: Mapped[str] = mapped_column(String(120), nullable=False)
    plugin: Mapped[str | None] = mapped_column(String(64), index=True)


# The lists' indexes (docs/adr/0019): each ends in the primary key, the lists' tiebreak, so the database
# reads a page — by cursor at any depth — as one index range scan with LIMIT and no sort. Text sorts by
# its case-folded key (docs/adr/0026), so the indexes hold the keys: the default sort (asset_tag) alone,
# and behind the filters a plant uses most: site (and the site-limited users' scope), site and status,
# status, type (every plugin's list) and location. Sorting by name is the other common order. Rarer
# orders (serial, manufacturer, dates) sort their filtered rows instead.
LIST_INDEXES = (
    Index("ix_assets_asset_tag_key_assetid", "asset_tag_key", "assetid"),
    Index("ix_assets_name_key_assetid", "name_key", "assetid"),
    Index("ix_assets_site_id_asset_tag_key_assetid", "site_id", "asset_tag_key", "assetid"),
    Index("ix_assets_site_id_status_asset_tag_key_assetid", "site_id", "status", "asset_tag_key", "assetid"),
    Index("ix_assets_status_asset_tag_key_assetid", "status", "asset_tag_key", "assetid"),
    Index("ix_assets_asset_type_id_asset_tag_key_assetid", "asset_type_id", "asset_tag_key", "assetid"),
    Index("ix_assets_location_id_asset_tag_key_assetid", "location_id", "asset_tag_key", "assetid"),
)


class Asset(TimestampMixin, VersionedMixin, db.Model):
    """Anything the plant tracks. Plugins extend it with a one-to-one table keyed by ``assetid``."""

    __tablename__ = "assets"
    __table_args__ = (
        UniqueConstraint("site_id", "asset_tag"),  # exact spelling; kept, SQLite cannot drop it in place
        # The rule itself: one tag per site whatever its case (docs/adr/0008).
        Index("uq_assets_site_id_asset_tag_key", "site_id", "asset_tag_key", unique=True),
        # The target of the extension tables' (assetid, site_id) foreign keys.
        Index("uq_assets_assetid_site_id", "assetid", "site_id", unique=True),
        CheckConstraint(f"status IN {ASSET_STATUSES!r}", name="status"),
        *LIST_INDEXES,
    )

    assetid: Mapped[int] = mapped_column(primary_key=True)
    asset_tag: Mapped[str] = mapped_column(String(64), nullable=False)
    asset_tag_key: Mapped[str] = key_column("asset_tag", length=key_length(64))
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    name_key: Mapped[str] = key_column("name", length=key_length(200))  # sorts by name whatever the case
    asset_type_id: Mapped[int] = mapped_column(ForeignKey("asset_types.id", ondelete="RESTRICT"), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="active", info={CASE_FOLDED: True})
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="RESTRICT"), nullable=False)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id", ondelete="SET NULL"))
    manufacturer: Mapped[str | None] = mapped_column(String(120), index=True)
    model: Mapped[str | None] = mapped_column(String(120))
    serial_number: Mapped[str | None] = mapped_column(String(120), index=True)
    notes: Mapped[str | None] = mapped_column(Text)

    # Loaded with the asset by a join; a list that joins asset_types itself (to filter or sort by type)
    # says ``contains_eager(Asset.asset_type)`` so the table is joined once (ADR 0019).
    asset_type: Mapped[AssetType] = relationship(lazy="joined", innerjoin=True)


@event.listens_for(Asset, "after_update")
def _extension_rows_follow_the_site(_mapper, _connection, asset: Asset) -> None:
    """The database moved the extension row's ``site_id`` with the asset (ON UPDATE CASCADE); say so to
    the extension object already in the session, so it does not show the old site until reloaded."""
    if not inspect(asset).attrs.site_id.history.has_changes():
        return
    session = inspect(asset).session
    if session is None:
        return
    for mapper in db.Model.registry.mappers:
        copies = [c.key for c in mapper.columns if c.info.get(ASSET_SITE_INFO)]
        if not copies:
            continue
        extension: Any = session.identity_map.get(mapper.identity_key_from_primary_key((asset.assetid,)))
        if extension is not None:
            for key in copies:
                set_committed_value(extension, key, asset.site_id)
