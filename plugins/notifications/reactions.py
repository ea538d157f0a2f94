"""Reactions to other plugins' events. They arrive through the bus only: this plugin never imports
another, so it keeps working (and they keep working) whichever of them is installed."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import or_, select

from shopdb.plugins.toolkit import Asset, current_actor, db, writes

from .models import SOURCE_EQUIPMENT, Notification, now_seconds
from .service import UPDATED, announce, create_notice, open_for_asset

log = logging.getLogger(__name__)
DOWN = "down"


def on_equipment_status_changed(*, assetid: int, site_id: int | None, asset_tag: str, name: str,
                                old_status: str | None, new_status: str, **_: Any) -> None:
    """``down`` raises one critical notice for the machine; any other status ends the open one."""
    now = now_seconds()
    open_notices = db.session.execute(open_for_asset(assetid, SOURCE_EQUIPMENT, now)).scalars().all()
    if new_status == DOWN:
        if open_notices:
            return  # one notice per outage, however often the status is re-sent
        if db.session.execute(select(Asset.assetid).where(Asset.assetid == assetid)).first() is None:
            log.info("equipment %s went down but no longer exists; no notice", assetid)
            return
        was = f" (was {old_status})" if old_status else ""
        with writes.transaction():
            create_notice(
                title=down_title(asset_tag), severity="critical", site_id=site_id, assetid=assetid,
                message=f"{name} ({asset_tag}) reported status down{was} at {now:%Y-%m-%d %H:%M} UTC.",
                starts_at=now, source=SOURCE_EQUIPMENT, created_by=current_actor()[1],
            )
        return
    if not open_notices:
        return
    with writes.transaction():
        for notice in open_notices:
            # Not before its start: ended within the second it was raised is still ended.
            writes.update(notice, {"ends_at": max(now, notice.starts_at)})
            announce(UPDATED, notice)


def down_title(asset_tag: str) -> str:
    return f"{asset_tag} is down"[:200]


def on_asset_deleted(*, assetid: int, site_id: int | None, data: dict[str, Any], **_: Any) -> None:
    """A deleted machine's outage is over: end its open notice instead of leaving a ghost in the feed.

    The database has already set the notice's ``assetid`` to NULL, so it is found by what this
    plugin itself wrote: source ``equipment``, the site, and the "<tag> is down" title.
    """
    tag = (data or {}).get("asset_tag")
    if not tag:
        return
    now = now_seconds()
    orphans = db.session.execute(
        select(Notification).where(Notification.source == SOURCE_EQUIPMENT, Notification.assetid.is_(None),
                                   Notification.site_id == site_id, Notification.title == down_title(tag))
        .where(or_(Notification.ends_at.is_(None), Notification.ends_at > now))
    ).scalars().all()
    if orphans:
        with writes.transaction():
            for notice in orphans:
                writes.update(notice, {"ends_at": max(now, notice.starts_at)})
                announce(UPDATED, notice)
