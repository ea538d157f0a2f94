from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shopdb.extensions import db

PRINTER_TYPES = ("laser", "inkjet", "label", "thermal", "dot_matrix", "plotter", "multifunction")


class Printer(db.Model):
    """Extension of an asset: how to reach and drive a printer.

    ``hostname`` is stored lower-case, so its unique constraint is case-insensitive on every
    dialect (NULLs, printers without a DNS name, may repeat). ``ip_address`` (compressed) is
    unique per site, which the API checks: the site is on ``assets``.
    """

    __tablename__ = "printers"
    __table_args__ = (
        UniqueConstraint("hostname", name="uq_printers_hostname"),
        CheckConstraint(f"printer_type IN {PRINTER_TYPES!r}", name="printer_type"),
    )

    assetid: Mapped[int] = mapped_column(
        ForeignKey("assets.assetid", ondelete="CASCADE"), primary_key=True
    )
    hostname: Mapped[str | None] = mapped_column(String(253))  # indexed by its unique constraint
    ip_address: Mapped[str | None] = mapped_column(String(45), index=True)
    queue_name: Mapped[str | None] = mapped_column(String(120))
    driver: Mapped[str | None] = mapped_column(String(200))
    printer_type: Mapped[str] = mapped_column(String(16), nullable=False, default="laser", index=True)
    color: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    duplex: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
