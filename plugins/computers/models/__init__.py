from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shopdb.extensions import db

PC_TYPES = ("shopfloor", "cmm", "engineering", "office", "server")


class Computer(db.Model):
    """Extension of an asset: a PC, how it is reached and when it was last seen on the network.

    ``hostname`` is stored lower-case so the unique constraint is case-insensitive on every
    dialect; ``mac_address`` (``00:1A:2B:3C:4D:5E``) and ``primary_ip`` (compressed) are stored
    in one normal form so equality, uniqueness and search work without per-row normalisation.
    ``primary_ip`` is unique per site, which the API checks (the site is on ``assets``).
    """

    __tablename__ = "computers"
    __table_args__ = (
        UniqueConstraint("hostname", name="uq_computers_hostname"),
        # A NIC's address identifies one PC; NULLs (unknown MAC) may repeat on every database.
        UniqueConstraint("mac_address", name="uq_computers_mac_address"),
        CheckConstraint(f"pc_type IN {PC_TYPES!r}", name="pc_type"),
    )

    assetid: Mapped[int] = mapped_column(
        ForeignKey("assets.assetid", ondelete="CASCADE"), primary_key=True
    )
    hostname: Mapped[str] = mapped_column(String(253), nullable=False)
    os_name: Mapped[str | None] = mapped_column(String(64), index=True)
    os_version: Mapped[str | None] = mapped_column(String(64))
    domain: Mapped[str | None] = mapped_column(String(253))
    mac_address: Mapped[str | None] = mapped_column(String(17))  # indexed by its unique constraint
    primary_ip: Mapped[str | None] = mapped_column(String(45), index=True)
    pc_type: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    warranty_end: Mapped[dt.date | None] = mapped_column(Date)
