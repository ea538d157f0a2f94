from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, validates

from shopdb.plugins.toolkit import CASE_FOLDED, asset_site_column, asset_site_constraints, db

# An open vocabulary (docs/adr/0013): the bundled values; an admin adds more (`shopdb choices add printer_type`).
PRINTER_TYPE_CHOICES = (
    ("laser", "Laser"), ("inkjet", "Inkjet"), ("label", "Label"), ("thermal", "Thermal"),
    ("dot_matrix", "Dot matrix"), ("plotter", "Plotter"), ("multifunction", "Multifunction"),
)
PRINTER_TYPES = tuple(slug for slug, _label in PRINTER_TYPE_CHOICES)


class Printer(db.Model):
    """Extension of an asset: how to reach and drive a printer.

    ``hostname`` is stored lower-case, so its unique constraint is case-insensitive on every
    dialect (NULLs, printers without a DNS name, may repeat). ``ip_address`` (compressed) is
    unique per site: ``site_id`` is the asset's, copied here and kept equal by the database
    (``shopdb.core.models.keys``), so ``UNIQUE (site_id, ip_address)`` holds on every path.
    """

    __tablename__ = "printers"
    __table_args__ = (
        UniqueConstraint("hostname", name="uq_printers_hostname"),
        UniqueConstraint("site_id", "ip_address", name="uq_printers_site_id_ip_address"),
        *asset_site_constraints("printers"),
    )

    assetid: Mapped[int] = mapped_column(
        ForeignKey("assets.assetid", ondelete="CASCADE"), primary_key=True
    )
    site_id: Mapped[int] = asset_site_column()
    hostname: Mapped[str | None] = mapped_column(String(253), info={CASE_FOLDED: True})  # indexed: unique
    ip_address: Mapped[str | None] = mapped_column(String(45), index=True)
    queue_name: Mapped[str | None] = mapped_column(String(120))
    driver: Mapped[str | None] = mapped_column(String(200))
    # A slug of the choice set printer_type: open, so no CHECK (docs/adr/0013).
    printer_type: Mapped[str] = mapped_column(String(64), nullable=False, default="laser", index=True)
    color: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    duplex: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    @validates("hostname")
    def _lower_hostname(self, _key: str, value: str | None) -> str | None:
        return value.lower() if isinstance(value, str) else value
