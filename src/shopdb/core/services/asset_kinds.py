"""Which asset types a running app knows how to write, and the rules each type's plugin adds.

A plugin's flat resource (``ExtensionResource``) describes an asset *kind*: the asset type's name,
the extension model keyed by ``assetid``, the flat schema that loads a body (API, CSV row, JSON
record) and the plugin's rules. The plugin framework registers the kinds of every enabled plugin
here when the app starts; ``shopdb.core.services.assets`` looks them up on every write, so a
plugin's rules hold whatever the path: its own endpoints, ``/api/v1/assets``, import, uninstall.

The registry lives in ``app.extensions`` (each app has its own), never in a module global.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app, has_app_context

EXTENSION_KEY = "shopdb.asset_kinds"

# A rule sees the flat fields being written (core and extension side by side; it may normalise them
# in place), the asset (None on create) and its extension row (None on create). It refuses by raising
# one of the framework's errors (``ValidationFailed``, ``Conflict``...).
Rule = Callable[[dict[str, Any], Any, Any], None]


@dataclass(frozen=True)
class AssetKind:
    type_name: str
    extension_model: type | None = None
    schema: type | None = None  # marshmallow schema of the flat object (core + extension fields)
    rules: tuple[Rule, ...] = field(default_factory=tuple)
    plugin: str | None = None
    # Extension columns that go into the asset's search document, and those of them an exact hit ranks
    # first on (hostname, IP, MAC); see ``shopdb.core.services.search_index``.
    search_fields: tuple[str, ...] = ()
    search_exact: tuple[str, ...] = ()

    def extension_fields(self) -> tuple[str, ...]:
        """The extension model's column names (``assetid`` and the site copy excluded)."""
        if self.extension_model is None:
            return ()
        from sqlalchemy import inspect

        from ..models.keys import is_derived  # normalised keys and the site copy (ADR 0008)

        return tuple(attr.key for attr in inspect(self.extension_model).column_attrs
                     if attr.key not in ("assetid", "site_id") and not is_derived(attr))


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = {}


def register(app: Flask, kind: AssetKind) -> None:
    """Make ``kind`` known to ``app`` (the plugin manager calls this for every enabled plugin)."""
    kinds: dict[str, AssetKind] = app.extensions.setdefault(EXTENSION_KEY, {})
    existing = kinds.get(kind.type_name)
    if existing is not None and existing is not kind:
        raise ValueError(f"asset type {kind.type_name!r} is already served by plugin {existing.plugin!r}")
    kinds[kind.type_name] = kind


def registered() -> Mapping[str, AssetKind]:
    """Every kind the current app serves, by asset type name (empty outside an app context)."""
    if not has_app_context():
        return {}
    return current_app.extensions.get(EXTENSION_KEY, {})


def get(type_name: str) -> AssetKind | None:
    return registered().get(type_name)
