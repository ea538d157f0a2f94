"""What the manager knows about each plugin, and what ``upgrade_all_plugins`` reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .base import BasePlugin
from .chains import Chain
from .loader import Discovered


@dataclass
class PluginRecord:
    """Everything known about one discovered plugin."""

    name: str
    discovered: Discovered
    plugin: BasePlugin | None = None
    state: str = "available"  # available | enabled | disabled | uninstalled | failed
    error: str | None = None
    registered: bool = False
    requires: tuple[str, ...] = ()
    # Why an enabled, loadable plugin is not served by this process (its chain is at base). It is not
    # failed: `plugin migrate` re-creates its tables and `plugin uninstall` removes it.
    not_served: str | None = None

    @property
    def version(self) -> str | None:
        manifest = self.discovered.manifest
        return manifest.version if manifest else None

    @property
    def usable(self) -> bool:
        return self.plugin is not None and self.error is None

    @property
    def chain(self) -> Chain:
        return Chain(self.name, self.discovered.root / "migrations")


@dataclass
class UpgradeReport:
    statuses: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return any(s["status"] in ("installed", "upgraded", "adopted") for s in self.statuses.values())

    @property
    def failed(self) -> list[str]:
        return [n for n, s in self.statuses.items() if s["status"] == "error"]
