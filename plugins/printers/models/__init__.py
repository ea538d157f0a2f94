from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from shopdb.extensions import db

PRINTER_TYPES = ("laser", "inkjet", "label", "thermal", "dot_matrix", "plotter", "multifunction")


class Printer(db.Model):
    """Extension of an asset: how to reach and drive a printer."""

    __tablename__ = "printers"
    __table_args__ = (CheckConstraint(f"printer_type IN {PRINTER_TYPES!r}", name="printer_type"),)

    assetid: Mapped[int] = mapped_column(
        ForeignKey("assets.assetid", ondelete="CASCADE"), primary_key=True
    )
    hostname: Mapped[str | None] = mapped_column(String(253), index=True)
    ip_address: Mapped[str | None] = mapped_column(String(45), index=True)
    queue_name: Mapped[str | None] = mapped_column(String(120))
    driver: Mapped[str | None] = mapped_column(String(200))
    printer_type: Mapped[str] = mapped_column(String(16), nullable=False, default="laser", index=True)
    color: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    duplex: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
