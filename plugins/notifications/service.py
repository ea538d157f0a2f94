"""Notices as a domain service shared by the API and the event reactions: which are live, and creating one
with its deliveries and event. Whether a notice may be written is decided in ``rules.py``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, and_, or_, select

from shopdb.plugins.toolkit import writes

from .delivery import enqueue_notice
from .models import Notification

CREATED = "notifications.created"
# A notice changed (an edit, or ended by a reaction), was deleted, or a user acknowledged it: live pages
# (the notice banner) refetch what they show; the payload is ``event_payload`` (plus ``user_id`` for an ack).
UPDATED = "notifications.updated"
DELETED = "notifications.deleted"
ACKNOWLEDGED = "notifications.acknowledged"


def is_active(now: dt.datetime):
    """SQL condition: started, and not ended yet (``ends_at`` null means open-ended)."""
    return and_(Notification.starts_at <= now,
                or_(Notification.ends_at.is_(None), Notification.ends_at > now))


def open_for_asset(assetid: int, source: str, now: dt.datetime) -> Select:
    """Notices of ``source`` about an asset that have not ended (whether or not started)."""
    return (select(Notification).where(Notification.assetid == assetid, Notification.source == source)
            .where(or_(Notification.ends_at.is_(None), Notification.ends_at > now)))


def event_payload(notice: Notification) -> dict[str, Any]:
    """What ``notifications.created`` subscribers receive, and what the delivery channels send."""
    return {
        "id": notice.id, "title": notice.title, "message": notice.message, "severity": notice.severity,
        "site_id": notice.site_id, "assetid": notice.assetid, "source": notice.source,
        "starts_at": notice.starts_at.isoformat() if notice.starts_at else None,
        "ends_at": notice.ends_at.isoformat() if notice.ends_at else None,
        "created_by": notice.created_by,
    }


def announce(event: str, notice: Notification, **extra: Any) -> None:
    """Queue ``event`` about ``notice`` for after the commit (call inside ``writes.transaction()``)."""
    writes.emit_after_commit(event, **event_payload(notice), **extra)


def create_notice(**values: Any) -> Notification:
    """Create a notice, its outbox deliveries and ``notifications.created``. Call inside ``writes.transaction()``:
    the deliveries commit or roll back with the notice."""
    notice = writes.create(Notification, **values)
    payload = event_payload(notice)
    enqueue_notice(payload)
    writes.emit_after_commit(CREATED, **payload)
    return notice
