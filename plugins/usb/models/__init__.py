from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from shopdb.plugins.toolkit import BigIntPK, all_of, by_asset, db, key_column, key_length

CUSTODY_STATES = ("in_store", "checked_out", "lost")
CLOSED_REASONS = ("returned", "lost")


class UsbDevice(db.Model):
    """Extension of an asset: a USB stick, whether it may leave the tool crib, and where it is now.

    ``custody_state`` is changed only by the custody endpoints (check-out, check-in, lost, found),
    so that every change of it has a matching row in ``usb_checkouts``.
    """

    __tablename__ = "usb_devices"
    __table_args__ = (
        CheckConstraint(f"custody_state IN {CUSTODY_STATES!r}", name="custody_state"),
        CheckConstraint("capacity_mb IS NULL OR capacity_mb >= 0", name="capacity_mb"),
        UniqueConstraint("serial_key", name="uq_usb_devices_serial_key"),
    )

    assetid: Mapped[int] = mapped_column(
        ForeignKey("assets.assetid", ondelete="CASCADE"), primary_key=True
    )
    # Unique per model of stick, case-insensitive: (vendor_id, product_id, serial) through serial_key
    # (NULL while the serial is unknown, so any number of sticks may lack one). Sticks of different
    # makers may share a serial; see the plugin README.
    serial: Mapped[str | None] = mapped_column(String(128), index=True)
    vendor_id: Mapped[str | None] = mapped_column(String(4), index=True)  # 4 lowercase hex digits
    product_id: Mapped[str | None] = mapped_column(String(4))
    serial_key: Mapped[str | None] = key_column("vendor_id", "product_id", "serial",
                                                length=key_length(4, 4, 128), nullable=True)
    capacity_mb: Mapped[int | None] = mapped_column(Integer)
    label: Mapped[str | None] = mapped_column(String(120), index=True)
    approved: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, index=True)
    custody_state: Mapped[str] = mapped_column(String(16), nullable=False, default="in_store", index=True)
    # The remark of the last lost/found report ("fell behind the DMG in cell A3"); the audit log
    # keeps every earlier one with its author.
    custody_note: Mapped[str | None] = mapped_column(String(500))


class UsbCheckout(db.Model):
    """One custody period of a stick: handed out (``out_*``), then closed (``in_*``).

    ``closed_reason`` says how it ended: ``returned`` (``in_by`` took it back) or ``lost``
    (``in_by`` reported it lost). Open ⇔ ``in_at``, ``in_by`` and ``closed_reason`` are NULL ⇔
    ``open_device_assetid`` holds the device's id. That column is UNIQUE: NULLs never collide on
    SQLite, MariaDB or PostgreSQL, so the database itself refuses a second open checkout.

    The chain is append-only: no endpoint deletes a row, and a stick with any row cannot be deleted
    (retire it instead). The ``device_assetid`` CASCADE is for ``plugin uninstall``, which drops all.
    """

    __tablename__ = "usb_checkouts"
    # The stick's site, and the machine's when there is one (docs/adr/0017).
    __site_scope__ = all_of(by_asset("device_assetid", visible_when_null=False), by_asset("machine_assetid"))
    __table_args__ = (
        CheckConstraint(f"closed_reason IS NULL OR closed_reason IN {CLOSED_REASONS!r}", name="closed_reason"),
        CheckConstraint(
            "(in_at IS NULL AND closed_reason IS NULL AND open_device_assetid = device_assetid)"
            " OR (in_at IS NOT NULL AND closed_reason IS NOT NULL AND open_device_assetid IS NULL)",
            name="open_or_closed",
        ),
        Index("ix_usb_checkouts_device_assetid_out_at", "device_assetid", "out_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    device_assetid: Mapped[int] = mapped_column(
        ForeignKey("assets.assetid", ondelete="CASCADE"), nullable=False
    )
    open_device_assetid: Mapped[int | None] = mapped_column(Integer, unique=True)
    checked_out_to: Mapped[str] = mapped_column(String(120), nullable=False, index=True)
    machine_assetid: Mapped[int | None] = mapped_column(
        ForeignKey("assets.assetid", ondelete="SET NULL"), index=True
    )
    # The machine as it was at check-out: deleting the machine nulls machine_assetid, but the chain
    # must still say which machine the program went to. Sizes follow assets.asset_tag / assets.name.
    machine_asset_tag: Mapped[str | None] = mapped_column(String(64))
    machine_name: Mapped[str | None] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(String(500), nullable=False)
    files: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)  # [{"name", "sha256"}, ...]
    notes: Mapped[str | None] = mapped_column(Text)  # given at check-out
    out_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, index=True)
    out_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    out_by: Mapped[str] = mapped_column(String(64), nullable=False)  # kept: users get renamed/deleted
    in_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    in_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    in_by: Mapped[str | None] = mapped_column(String(64))
    closed_reason: Mapped[str | None] = mapped_column(String(16))
    return_notes: Mapped[str | None] = mapped_column(Text)  # given at check-in or with the lost report

    @property
    def assetid(self) -> int:
        """The device's id, so the audit log files checkout rows under the stick's history."""
        return self.device_assetid
