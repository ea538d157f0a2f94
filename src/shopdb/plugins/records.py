"""What the manager knows about each plugin, and what ``upgrade_all_plugins`` reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .base import BasePlugin
from .chains import Chain
from .loader import Discovered

# A plugin's own web UI (docs/PLUGIN-HOOKS.md "A plugin's own UI"): an ES module and its files.
UI_FOLDER = "ui"
UI_ENTRY = "index.js"


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

    @property
    def ui_folder(self) -> Path | None:
        """The plugin's own UI bundle (``ui/`` beside its manifest, entry ``index.js``) while it is served."""
        folder = self.discovered.root / UI_FOLDER
        served = self.state == "enabled" and self.registered
        return folder if served and (folder / UI_ENTRY).is_file() else None

    @property
    def ui_entry(self) -> str | None:
        """The URL the web UI imports the plugin's bundle from (``web.plugin_ui`` serves it)."""
        return f"/plugins/{self.name}/{UI_ENTRY}" if self.ui_folder else None


@dataclass
class UpgradeReport:
    statuses: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return any(s["status"] in ("installed", "upgraded", "adopted") for s in self.statuses.values())

    @property
    def failed(self) -> list[str]:
        return [n for n, s in self.statuses.items() if s["status"] == "error"]
