"""What the core may ask about plugins without importing the plugin framework.

``/api/v1/health`` reports each plugin's state and ``/api/v1/search`` asks each enabled plugin for its
matches. The framework's ``PluginManager`` registers itself here as the running app's directory at
start-up; the core sees only this small protocol, so imports keep going downwards (ADR 0001).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from flask import Flask, current_app, has_app_context
from sqlalchemy import CompoundSelect, Select

EXTENSION_KEY = "shopdb.plugin_directory"


class SearchablePlugin(Protocol):
    """The part of a plugin that search uses."""

    name: str

    def search_assets(self, q: str) -> Select | CompoundSelect | None: ...

    def asset_url(self, assetid: int) -> str: ...


class PluginDirectory(Protocol):
    def plugin_names(self) -> list[str]:
        """Every plugin found, enabled or not, sorted by name."""

    def recorded_state(self, name: str) -> str:
        """The state known without asking the database (``enabled``, ``disabled``, ``failed``...)."""

    def status(self, name: str) -> dict[str, Any]:
        """State, version, pending migrations and error of one plugin (reads the database)."""

    def enabled_plugins(self) -> Sequence[SearchablePlugin]:
        """The plugins the running app serves, in start-up order."""


class NoPlugins:
    """The directory of an app built without the plugin framework."""

    def plugin_names(self) -> list[str]:
        return []

    def recorded_state(self, name: str) -> str:
        raise KeyError(name)

    def status(self, name: str) -> dict[str, Any]:
        raise KeyError(name)

    def enabled_plugins(self) -> Sequence[SearchablePlugin]:
        return []


def register(app: Flask, directory: PluginDirectory) -> None:
    app.extensions[EXTENSION_KEY] = directory


def current() -> PluginDirectory:
    """The current app's plugin directory (an empty one outside an app context or without plugins)."""
    if not has_app_context():
        return NoPlugins()
    return current_app.extensions.get(EXTENSION_KEY) or NoPlugins()
