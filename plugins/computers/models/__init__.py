from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, validates

from shopdb.plugins.toolkit import CASE_FOLDED, asset_site_column, asset_site_constraints, db

from ..addresses import mac_or_none

# An open vocabulary (docs/adr/0013): the bundled values; an admin adds more (`shopdb choices add pc_type`).
PC_TYPE_CHOICES = (
    ("shopfloor", "Shop floor"), ("cmm", "CMM"), ("engineering", "Engineering"), ("office", "Office"),
    ("server", "Server"),
)
PC_TYPES = tuple(slug for slug, _label in PC_TYPE_CHOICES)


class Computer(db.Model):
    """Extension of an asset: a PC, how it is reached and when it was last seen on the network.

    ``hostname`` is stored lower-case so the unique constraint is case-insensitive on every
    dialect; ``mac_address`` (``00:1A:2B:3C:4D:5E``) and ``primary_ip`` (compressed) are stored
    in one normal form so equality, uniqueness and search work without per-row normalisation.
    ``primary_ip`` is unique per site: ``site_id`` is the asset's, copied here and kept equal by the
    database (``shopdb.core.models.keys``), so ``UNIQUE (site_id, primary_ip)`` holds on every path.
    The model itself stores the normal forms, so a bulk or import write cannot bypass them.
    """

    __tablename__ = "computers"
    __table_args__ = (
        UniqueConstraint("hostname", name="uq_computers_hostname"),
        # A NIC's address identifies one PC; NULLs (unknown MAC) may repeat on every database.
        UniqueConstraint("mac_address", name="uq_computers_mac_address"),
        UniqueConstraint("site_id", "primary_ip", name="uq_computers_site_id_primary_ip"),
        # One site's PCs in the list's order (0004): hostnames begin with the site, so the hostname index
        # alone walks every other site's PCs first.
        Index("ix_computers_site_id_hostname", "site_id", "hostname"),
        *asset_site_constraints("computers"),
    )

    assetid: Mapped[int] = mapped_column(
        ForeignKey("assets.assetid", ondelete="CASCADE"), primary_key=True
    )
    site_id: Mapped[int] = asset_site_column()
    # Stored lower-case (below): sorted as it is, by its unique index (docs/adr/0026).
    hostname: Mapped[str] = mapped_column(String(253), nullable=False, info={CASE_FOLDED: True})
    os_name: Mapped[str | None] = mapped_column(String(64), index=True)
    os_version: Mapped[str | None] = mapped_column(String(64))
    domain: Mapped[str | None] = mapped_column(String(253))
    mac_address: Mapped[str | None] = mapped_column(String(17), info={CASE_FOLDED: True})  # indexed: unique
    primary_ip: Mapped[str | None] = mapped_column(String(45), index=True)
    pc_type: Mapped[str] = mapped_column(String(64), nullable=False, index=True)  # a slug of the choice set pc_type
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    warranty_end: Mapped[dt.date | None] = mapped_column(Date)

    @validates("hostname")
    def _lower_hostname(self, _key: str, value: str | None) -> str | None:
        return value.lower() if isinstance(value, str) else value

    @validates("mac_address")
    def _normal_mac(self, _key: str, value: str | None) -> str | None:
        # The schema refuses what is not a MAC; here only the spelling is made one.
        return (mac_or_none(value) or value) if isinstance(value, str) else value
