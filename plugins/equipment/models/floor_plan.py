"""The floor-plan image of a site, drawn under the machines' markers on the floor map."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, DateTime, Float, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column

from shopdb.plugins.toolkit import VersionedMixin, db, utcnow

# MariaDB's BLOB holds 64 KB; a scanned hall drawing is megabytes.
IMAGE_TYPE = LargeBinary().with_variant(mysql.LONGBLOB(), "mysql")
CONTENT_TYPES = ("image/png", "image/jpeg")


class FloorPlan(VersionedMixin, db.Model):
    """One image per site, kept in the database so every worker serves it and every backup holds it.

    Markers (``equipment.floor_x``/``floor_y``) stay in the site's floor units, whatever they are
    (metres in the demo). The image covers the floor from (0, 0) to (``floor_width``,
    ``floor_width`` × height / width): its top-left corner is the floor's origin and its aspect ratio
    is kept, so replacing a drawing with one at another resolution leaves every marker where it was.
    """

    __tablename__ = "floor_plans"
    __table_args__ = (
        CheckConstraint("width > 0 AND height > 0", name="size"),
        CheckConstraint("floor_width > 0", name="floor_width"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # One plan per site; a site's deletion takes its drawing with it.
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), nullable=False, unique=True)
    # The hall or area the drawing shows, if it is not the whole site.
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id", ondelete="SET NULL"), index=True)
    content_type: Mapped[str] = mapped_column(String(32), nullable=False)
    # Deferred: the metadata and the list of markers never load megabytes; "secret" keeps the bytes out
    # of the audit log's snapshots (the sha256 beside them says which image it was).
    image: Mapped[bytes] = mapped_column(IMAGE_TYPE, nullable=False, deferred=True, info={"secret": True})
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    width: Mapped[int] = mapped_column(Integer, nullable=False)
    height: Mapped[int] = mapped_column(Integer, nullable=False)
    floor_width: Mapped[float] = mapped_column(Float, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    uploaded_by: Mapped[str | None] = mapped_column(String(64))

    @property
    def floor_height(self) -> float:
        return self.floor_width * self.height / self.width
