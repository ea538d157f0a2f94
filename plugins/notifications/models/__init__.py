from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shopdb.plugins.toolkit import TimestampMixin, VersionedMixin, by_parent, db, utcnow

SEVERITIES = ("info", "warning", "critical")
SOURCE_MANUAL = "manual"
SOURCE_EQUIPMENT = "equipment"


def now_seconds() -> dt.datetime:
    """Naive UTC now, whole seconds: MySQL's DATETIME rounds fractions, which would move a notice's
    start into the future (invisible for a moment) or its end before its start."""
    return utcnow().replace(microsecond=0)


class Notification(TimestampMixin, VersionedMixin, db.Model):
    """A notice for operators, for one site (``site_id``) or all sites (``site_id`` null).

    Active while ``starts_at <= now < ends_at`` (no ``ends_at``: until someone ends it).
    """

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint(f"severity IN {SEVERITIES!r}", name="severity"),
        # The API demands ends_at > starts_at; equal is allowed here so a notice raised and ended
        # within one second (a machine down for a moment) can still be closed.
        CheckConstraint("ends_at IS NULL OR ends_at >= starts_at", name="ends_after_start"),
        Index("ix_notifications_starts_at_ends_at", "starts_at", "ends_at"),
        Index("ix_notifications_starts_at_id", "starts_at", "id"),  # the list's order, newest first (0002)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    message: Mapped[str | None] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(16), nullable=False, default="info", index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    assetid: Mapped[int | None] = mapped_column(ForeignKey("assets.assetid", ondelete="SET NULL"), index=True)
    starts_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=now_seconds)
    ends_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    source: Mapped[str] = mapped_column(String(32), nullable=False, default=SOURCE_MANUAL, index=True)
    created_by: Mapped[str | None] = mapped_column(String(64))


class NotificationAck(db.Model):
    """A user has seen a notice; at most one per user and notice."""

    __tablename__ = "notification_acks"
    __site_scope__ = by_parent("notification_id", Notification)  # the notice's site
    __table_args__ = (UniqueConstraint("notification_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    acked_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
