"""``plugin uninstall``: a plugin's assets leave through the service layer, like any other delete.

Each asset is deleted with ``delete_asset`` inside ``writes.transaction()``, in batches, so every
deletion is audited and ``asset_deleted`` reaches the other plugins (notifications ends a deleted
machine's "down" notice) — before the plugin's tables are dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import func, select

from .. import events
from ..api.errors import ApiError
from ..core.models import Asset, AssetType
from ..core.services import assets as asset_service
from ..core.services import writes
from ..extensions import db

BATCH = 500
VALIDATION_EVENTS = ("asset_validate", "relationship_validate")
Progress = Callable[[int, int], None]  # (assets deleted so far, total)


class RemovalStopped(Exception):
    """A rule refused one deletion; what was deleted before stays deleted (batches commit)."""

    def __init__(self, asset_tag: str, reason: str, deleted: int, total: int):
        self.asset_tag, self.reason, self.deleted, self.total = asset_tag, reason, deleted, total
        super().__init__(f"deleting asset {asset_tag} was refused: {reason}")


def plugin_assets(name: str):
    return Asset.asset_type_id.in_(select(AssetType.id).where(AssetType.plugin == name))


def count_plugin_assets(name: str) -> int:
    return db.session.execute(select(func.count()).select_from(Asset).where(plugin_assets(name))).scalar_one()


def delete_plugin_assets(name: str, progress: Progress | None = None, batch: int = BATCH) -> int:
    """Delete every asset of plugin ``name`` through the service layer; returns how many."""
    ids = db.session.execute(select(Asset.assetid).where(plugin_assets(name)).order_by(Asset.assetid)).scalars().all()
    total, done = len(ids), 0
    if progress is not None:
        progress(0, total)
    with _own_rules_muted(name):
        for start in range(0, total, batch):
            chunk = ids[start:start + batch]
            current = None
            try:
                with writes.transaction():
                    for current in db.session.execute(select(Asset).where(Asset.assetid.in_(chunk))).scalars():
                        asset_service.delete_asset(current)
            except ApiError as exc:
                raise RemovalStopped(getattr(current, "asset_tag", "?"), exc.message, done, total) from exc
            db.session.expunge_all()  # deleted rows need not stay in the identity map
            done += len(chunk)
            if progress is not None:
                progress(done, total)
    return total


@contextmanager
def _own_rules_muted(name: str) -> Iterator[None]:
    """The uninstalled plugin's own validators do not veto the removal of its own data.

    The operator chose to drop that data (``--yes``); a rule such as usb's "a stick with a custody
    history is retired, not deleted" guards data that goes with the plugin's tables anyway. Other
    plugins' rules and every subscriber of ``asset_deleted`` still run.
    """
    bus = events.bus()
    saved = {event: list(bus.subscriptions.get(event, [])) for event in VALIDATION_EVENTS} if bus else {}
    for event, subscriptions in saved.items():
        bus.subscriptions[event] = [s for s in subscriptions if s.plugin != name]
    try:
        yield
    finally:
        for event, subscriptions in saved.items():
            bus.subscriptions[event] = subscriptions
