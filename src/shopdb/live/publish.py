"""Which bus events go live, and what a browser receives for each.

The live package subscribes to the event bus by event *name* (the bus sits below the core and the
plugins), so neither the core nor a plugin imports it, and a plugin that is not installed simply
sends nothing. Handlers run after the writing transaction committed (a refused write publishes
nothing). Payloads are small on purpose — what changed and where; the page refetches the rest
through the API, which applies the caller's site scope and role as for any read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .broker import Broker, LiveEvent

SUBSCRIBER = "shopdb.live"  # the bus's name for this subscriber (its log lines and errors)
CUSTODY_ACTIONS = ("checked_out", "checked_in", "lost", "found")
NOTICE_ACTIONS = ("created", "updated", "deleted", "acknowledged")


def _sites(*site_ids: Any) -> tuple[int, ...] | None:
    """The sites an event belongs to; None when it belongs to none (a notice for every site)."""
    found = tuple(sorted({int(s) for s in site_ids if s is not None}))
    return found or None


def asset_changed(action: str) -> Callable[..., LiveEvent]:
    def build(*, assetid: int, asset_type: str, site_id: int, changes: dict | None = None,
              **_: Any) -> LiveEvent:
        data: dict[str, Any] = {"type": "asset.changed", "action": action, "asset_id": assetid,
                                "site_id": site_id, "asset_type": asset_type}
        previous_site = None
        if changes is not None:
            data["fields"] = sorted(changes)
            if "site_id" in changes:  # moved: the old site's pages must drop it
                previous_site = changes["site_id"][0]
                data["previous_site_id"] = previous_site
        return LiveEvent("asset.changed", data, _sites(site_id, previous_site))

    return build


def machine_status(*, assetid: int, site_id: int, asset_tag: str, name: str, old_status: str | None,
                   new_status: str, **_: Any) -> LiveEvent:
    return LiveEvent("machine.status", {
        "type": "machine.status", "asset_id": assetid, "site_id": site_id, "asset_tag": asset_tag,
        "name": name, "old_status": old_status, "new_status": new_status}, _sites(site_id))


def custody_changed(action: str) -> Callable[..., LiveEvent]:
    def build(*, assetid: int, site_id: int, checkout_id: int | None = None, **_: Any) -> LiveEvent:
        return LiveEvent("custody.changed", {
            "type": "custody.changed", "action": action, "asset_id": assetid, "site_id": site_id,
            "checkout_id": checkout_id}, _sites(site_id))

    return build


def notice_changed(action: str) -> Callable[..., LiveEvent]:
    def build(*, id: int, site_id: int | None, assetid: int | None = None, severity: str | None = None,
              user_id: int | None = None, **_: Any) -> LiveEvent:
        data = {"type": "notice.changed", "action": action, "notice_id": id, "site_id": site_id,
                "asset_id": assetid, "severity": severity}
        # An acknowledgement concerns the user who made it (their other tabs drop the notice) and nobody else.
        audience = user_id if action == "acknowledged" else None
        return LiveEvent("notice.changed", data, _sites(site_id), audience)

    return build


def translations() -> dict[str, Callable[..., LiveEvent]]:
    """Bus event name → the live event it becomes (docs/adr/0021-live-events-over-sse.md)."""
    table: dict[str, Callable[..., LiveEvent]] = {
        "asset_created": asset_changed("created"),
        "asset_updated": asset_changed("updated"),
        "asset_deleted": asset_changed("deleted"),
        "equipment.status_changed": machine_status,
    }
    table.update({f"usb.{action}": custody_changed(action) for action in CUSTODY_ACTIONS})
    table.update({f"notifications.{action}": notice_changed(action) for action in NOTICE_ACTIONS})
    return table


def subscribe_all(bus: Any, broker: Broker) -> None:
    """Forward every event of ``translations()`` from the app's bus to ``broker``."""
    for event, build in translations().items():
        def forward(_build: Callable[..., LiveEvent] = build, **payload: Any) -> None:
            broker.publish([_build(**payload)])

        bus.subscribe(event, forward, SUBSCRIBER)
