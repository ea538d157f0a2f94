"""Notification rules shared by the API, the event reactions and the demo."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, and_, or_, select

from shopdb.api import Forbidden, ValidationFailed
from shopdb.auth import current_user, require_site_access
from shopdb.core.models import Asset, Site
from shopdb.core.services import writes

from .delivery import enqueue_notice
from .models import Notification

CREATED = "notifications.created"


def is_active(now: dt.datetime):
    """SQL condition: started, and not ended yet (``ends_at`` null means open-ended)."""
    return and_(Notification.starts_at <= now,
                or_(Notification.ends_at.is_(None), Notification.ends_at > now))


def open_for_asset(assetid: int, source: str, now: dt.datetime) -> Select:
    """Notices of ``source`` about an asset that have not ended (whether or not started)."""
    return (select(Notification).where(Notification.assetid == assetid, Notification.source == source)
            .where(or_(Notification.ends_at.is_(None), Notification.ends_at > now)))


def check_site_scope(site_id: int | None) -> None:
    """Users limited to some sites may post for those sites only, never for all sites at once."""
    user = current_user()
    if user is not None and user.sites and site_id is None:
        raise Forbidden("You are limited to some sites; a notice for all sites needs an unrestricted user.")
    require_site_access(site_id)


def check_notice(values: dict[str, Any], changed: set[str]) -> None:
    """Refuse what the schema cannot see alone: references, asset/site agreement, the time window.

    ``values`` is the notice as it would be after the write; ``changed`` names the fields the body set.
    May fill ``values["site_id"]`` from the asset when the body left it out.
    """
    errors: dict[str, list[str]] = {}
    if values.get("site_id") is not None and "site_id" in changed:
        writes.require_reference(Site, values["site_id"], "site_id")
    if values.get("assetid") is not None and changed & {"assetid", "site_id"}:
        asset = writes.require_reference(Asset, values["assetid"], "assetid")
        if "site_id" not in changed and "assetid" in changed and values.get("site_id") is None:
            values["site_id"] = asset.site_id  # a notice about a machine belongs to the machine's site
        elif values.get("site_id") != asset.site_id:
            errors["site_id"] = [f"Asset {asset.assetid} is at site {asset.site_id}; "
                                 "a notice about an asset belongs to its site."]
    if changed & {"starts_at", "ends_at"} and values.get("ends_at") is not None \
            and values["ends_at"] <= values["starts_at"]:
        errors["ends_at"] = ["Must be after starts_at."]
    if errors:
        raise ValidationFailed(errors)


def event_payload(notice: Notification) -> dict[str, Any]:
    """What ``notifications.created`` subscribers receive, and what the delivery channels send."""
    return {
        "id": notice.id, "title": notice.title, "message": notice.message, "severity": notice.severity,
        "site_id": notice.site_id, "assetid": notice.assetid, "source": notice.source,
        "starts_at": notice.starts_at.isoformat() if notice.starts_at else None,
        "ends_at": notice.ends_at.isoformat() if notice.ends_at else None,
        "created_by": notice.created_by,
    }


def create_notice(**values: Any) -> Notification:
    """Create a notice, its outbox deliveries and ``notifications.created``. Call inside ``writes.transaction()``:
    the deliveries commit or roll back with the notice."""
    notice = writes.create(Notification, **values)
    payload = event_payload(notice)
    enqueue_notice(payload)
    writes.emit_after_commit(CREATED, **payload)
    return notice
