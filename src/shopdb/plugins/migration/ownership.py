"""Which tables belong to which chain: the explicit registry ``PLUGIN_TABLE_OWNERS`` (ADR 0005)."""

from __future__ import annotations

CORE_OWNER = "core"

# Which tables belong to which plugin. Bundled plugins are listed here, by hand, on purpose: a
# table appears in a chain because this registry says so, never because some module was imported.
# Plugins outside this repository declare theirs in manifest.json ("tables"); the loader adds them
# through register_table_owner() and `plugin check` verifies both against the models.
PLUGIN_TABLE_OWNERS: dict[str, tuple[str, ...]] = {
    "computers": ("computers",),
    "equipment": ("equipment", "maintenance_records", "floor_plans"),
    "network": ("network_devices", "subnets", "ip_addresses", "interfaces"),
    "notifications": ("notifications", "notification_acks"),
    "printers": ("printers",),
    "usb": ("usb_devices", "usb_checkouts"),
}


class TableOwnershipError(Exception):
    pass


def register_table_owner(plugin: str, tables: tuple[str, ...]) -> None:
    """Record the tables a non-bundled plugin declares in its manifest."""
    current = PLUGIN_TABLE_OWNERS.get(plugin)
    if current is not None and set(current) != set(tables):
        raise TableOwnershipError(
            f"plugin {plugin!r}: manifest tables {sorted(tables)} differ from "
            f"PLUGIN_TABLE_OWNERS {sorted(current)}"
        )
    for other, owned in PLUGIN_TABLE_OWNERS.items():
        clash = set(owned) & set(tables)
        if other != plugin and clash:
            raise TableOwnershipError(f"plugin {plugin!r}: tables {sorted(clash)} belong to {other!r}")
    PLUGIN_TABLE_OWNERS[plugin] = tuple(tables)


def owned_tables(owner: str) -> tuple[str, ...]:
    if owner == CORE_OWNER:
        from ...core.models import CORE_TABLES

        return CORE_TABLES
    try:
        return PLUGIN_TABLE_OWNERS[owner]
    except KeyError:
        raise TableOwnershipError(f"plugin {owner!r} has no entry in PLUGIN_TABLE_OWNERS") from None


def version_table(owner: str) -> str:
    """Each chain keeps its own version table: ``alembic_version`` (core), ``alembic_version_<name>``."""
    return "alembic_version" if owner == CORE_OWNER else f"alembic_version_{owner}"
