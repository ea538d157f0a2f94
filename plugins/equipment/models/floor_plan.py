"""The floor-plan images of a site, drawn under the machines' markers on the floor map.

A site has at most one plan of its whole floor and at most one per area (a location of the site: a
hall, an area, a cell). ``location_id`` NULL means the whole site; NULLs never collide in a UNIQUE
constraint on any database, so ``area_key`` (the location's id, 0 for the whole site) carries the
rule ``UNIQUE (site_id, area_key)`` instead (the normalised-key idea of docs/adr/0008).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    event,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column

from shopdb.plugins.toolkit import VersionedMixin, db, utcnow

# MariaDB's BLOB holds 64 KB; a scanned hall drawing is megabytes.
IMAGE_TYPE = LargeBinary().with_variant(mysql.LONGBLOB(), "mysql")
CONTENT_TYPES = ("image/png", "image/jpeg")
SITE_WIDE = 0  # the area_key of a site's whole-floor plan (location ids start at 1)


def area_key(location_id: int | None) -> int:
    """The non-null key of the area a plan shows: its location's id, ``SITE_WIDE`` for the whole site."""
    return SITE_WIDE if location_id is None else location_id


def _area_key_default(context) -> int:
    """Core inserts (the demo's bulk insert) get the key from the statement's own ``location_id``."""
    return area_key(context.get_current_parameters().get("location_id"))


class FloorPlan(VersionedMixin, db.Model):
    """One image per site and area, kept in the database so every worker serves it and every backup holds it.

    Markers (``equipment.floor_x``/``floor_y``) stay in the site's floor units, whatever they are
    (metres in the demo), on every plan of the site: a machine has one position on the floor. The image
    covers the floor from (``origin_x``, ``origin_y``) — (0, 0) for a whole-site plan, the hall's corner
    for an area's — over ``floor_width`` × (``floor_width`` × height / width) units, aspect ratio kept,
    so replacing a drawing with one at another resolution leaves every marker where it was, and a hall's
    drawing shows its machines where the site's drawing shows them.
    """

    __tablename__ = "floor_plans"
    __table_args__ = (
        CheckConstraint("width > 0 AND height > 0", name="size"),
        CheckConstraint("floor_width > 0", name="floor_width"),
        CheckConstraint("origin_x >= 0 AND origin_y >= 0", name="origin"),
        # One plan of the whole site (area_key 0) and one per area; it also indexes site_id for its FK.
        UniqueConstraint("site_id", "area_key", name="uq_floor_plans_site_id_area_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # A site's deletion takes its drawings with it.
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), nullable=False)
    # The area (a location of the site) the drawing shows; NULL: the whole site. Deleting the area
    # deletes its drawing (SET NULL would turn it into a second whole-site plan).
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id", ondelete="CASCADE"), index=True)
    # area_key(location_id), filled by the model layer on every write; never an API field.
    area_key: Mapped[int] = mapped_column(Integer, nullable=False, default=_area_key_default)
    content_type: Mapped[str] = mapped_column(String(32), nullable=False)
    # Deferred: the metadata and the list of markers never load megabytes; "secret" keeps the bytes out
    # of the audit log's snapshots (the sha256 beside them says which image it was).
    image: Mapped[bytes] = mapped_column(IMAGE_TYPE, nullable=False, deferred=True, info={"secret": True})
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    width: Mapped[int] = mapped_column(Integer, nullable=False)
    height: Mapped[int] = mapped_column(Integer, nullable=False)
    floor_width: Mapped[float] = mapped_column(Float, nullable=False)
    # Where the image's top-left corner lies on the site's floor (its units): (0, 0) for the whole site.
    origin_x: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    origin_y: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    uploaded_by: Mapped[str | None] = mapped_column(String(64))

    @property
    def floor_height(self) -> float:
        return self.floor_width * self.height / self.width


@event.listens_for(FloorPlan, "before_insert")
@event.listens_for(FloorPlan, "before_update")
def _fill_area_key(_mapper, _connection, plan: FloorPlan) -> None:
    """ORM writes keep ``area_key`` equal to the plan's area, whatever path changed ``location_id``."""
    plan.area_key = area_key(plan.location_id)
