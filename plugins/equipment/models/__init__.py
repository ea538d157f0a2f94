from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from shopdb.plugins.toolkit import (
    BigIntPK,
    asset_site_column,
    asset_site_constraints,
    db,
    key_column,
    key_length,
    utcnow,
)

from .floor_plan import CONTENT_TYPES, SITE_WIDE, FloorPlan, area_key  # noqa: F401 - the plugin's models, all from here

# Open vocabularies (docs/adr/0013): the bundled values; an admin adds more (`shopdb choices add`).
EQUIPMENT_TYPE_CHOICES = (
    ("cnc_mill", "CNC mill"), ("cnc_lathe", "CNC lathe"), ("grinder", "Grinder"), ("edm", "EDM"),
    ("press", "Press"), ("robot", "Robot"), ("cmm", "CMM"), ("saw", "Saw"), ("other", "Other"),
)
EQUIPMENT_TYPES = tuple(slug for slug, _label in EQUIPMENT_TYPE_CHOICES)
OPERATIONAL_STATUSES = ("running", "idle", "down", "maintenance")
# Suggested spellings; controller_type stays free text because plants run controls we never heard of.
CONTROLLER_TYPES = ("Fanuc", "Siemens", "Heidenhain", "Okuma", "Mazak", "Haas", "Mitsubishi", "other")
MAINTENANCE_KIND_CHOICES = (
    ("preventive", "Preventive"), ("corrective", "Corrective"), ("breakdown", "Breakdown"),
    ("calibration", "Calibration"), ("inspection", "Inspection"),
)
MAINTENANCE_KINDS = tuple(slug for slug, _label in MAINTENANCE_KIND_CHOICES)
MAX_DOWNTIME_MINUTES = 525_600  # one year: a single record longer than that is a typo


class Equipment(db.Model):
    """Extension of an asset: a machine on the shop floor.

    ``machine_number`` is unique per site, whatever its case: ``site_id`` is the asset's, copied here
    and kept equal by the database, and ``machine_number_key`` is the folded number
    (``shopdb.core.models.keys``), so ``UNIQUE (site_id, machine_number_key)`` holds on every path.
    """

    __tablename__ = "equipment"
    __table_args__ = (
        CheckConstraint(f"operational_status IN {OPERATIONAL_STATUSES!r}", name="operational_status"),
        CheckConstraint("floor_x IS NULL OR floor_x >= 0", name="floor_x"),
        CheckConstraint("floor_y IS NULL OR floor_y >= 0", name="floor_y"),
        UniqueConstraint("site_id", "machine_number_key", name="uq_equipment_site_id_machine_number_key"),
        *asset_site_constraints("equipment"),
    )

    assetid: Mapped[int] = mapped_column(
        ForeignKey("assets.assetid", ondelete="CASCADE"), primary_key=True
    )
    site_id: Mapped[int] = asset_site_column()
    machine_number: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    machine_number_key: Mapped[str] = key_column("machine_number", length=key_length(32))
    # A slug of the choice set equipment_type: open, so no CHECK (docs/adr/0013).
    equipment_type: Mapped[str] = mapped_column(String(64), nullable=False, default="other", index=True)
    controller_type: Mapped[str | None] = mapped_column(String(64), index=True)
    controller_version: Mapped[str | None] = mapped_column(String(64))
    cell: Mapped[str | None] = mapped_column(String(64), index=True)
    floor_x: Mapped[float | None] = mapped_column(Float)
    floor_y: Mapped[float | None] = mapped_column(Float)
    operational_status: Mapped[str] = mapped_column(String(16), nullable=False, default="idle", index=True)


class MaintenanceRecord(db.Model):
    """One maintenance job on a machine and the downtime it cost."""

    __tablename__ = "maintenance_records"
    __table_args__ = (
        CheckConstraint(f"downtime_minutes >= 0 AND downtime_minutes <= {MAX_DOWNTIME_MINUTES}",
                        name="downtime_minutes"),
        # Per-machine history (newest first) and downtime totals over a date range.
        Index("ix_maintenance_records_assetid_performed_on", "assetid", "performed_on"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    assetid: Mapped[int] = mapped_column(ForeignKey("assets.assetid", ondelete="CASCADE"), nullable=False)
    performed_on: Mapped[dt.date] = mapped_column(Date, nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(64), nullable=False)  # a slug of the choice set maintenance_kind
    downtime_minutes: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    notes: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
