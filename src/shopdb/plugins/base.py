"""``BasePlugin``: what every plugin subclasses. Read docs/PLUGIN-HOOKS.md for the hooks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask
from sqlalchemy import CompoundSelect, Select

from ..core.services import choices
from ..core.services.asset_kinds import AssetKind
from ..core.services.choices import ChoiceSet
from ..core.services.search_index import SearchSource
from .manifest import Manifest


class BasePlugin:
    """A plugin: its manifest, its blueprint, its models and its hooks.

    The loader instantiates it with the manifest read from ``manifest.json`` beside the plugin's
    module. Every hook runs inside an application context; hooks that write use
    ``shopdb.core.services.writes`` like any view.
    """

    def __init__(self, manifest: Manifest, root: Path):
        self._manifest = manifest
        self.root = root

    # -- identity -----------------------------------------------------------------------------
    @property
    def meta(self) -> Manifest:
        return self._manifest

    @property
    def name(self) -> str:
        return self._manifest.name

    @property
    def migrations_dir(self) -> Path:
        return self.root / "migrations"

    # -- what the plugin contributes ------------------------------------------------------------
    def get_blueprint(self) -> Blueprint | None:
        """The plugin's API (a flask-smorest Blueprint under ``/api/v1/<name>``), or None."""
        return None

    def get_models(self) -> list[type]:
        """The SQLAlchemy models whose tables the plugin owns (see PLUGIN_TABLE_OWNERS)."""
        return []

    def get_event_handlers(self) -> dict[str, Callable[..., Any]]:
        """``{event name: handler}`` to subscribe to, e.g. ``{"asset_updated": self.on_change}``."""
        return {}

    def get_asset_kinds(self) -> list[AssetKind]:
        """The asset types this plugin serves, with their extension model, schema and rules.

        The default collects every ``ExtensionResource`` registered on the plugin's blueprint; the
        service layer runs their rules on every write of those types, whatever the path.
        """
        blueprint = self.get_blueprint()
        return [resource.kind(self.name) for resource in getattr(blueprint, "shopdb_resources", [])]

    def get_choice_sets(self) -> list[ChoiceSet]:
        """The open vocabularies this plugin declares (docs/adr/0013), e.g.
        ``[ChoiceSet("pc_type", PC_TYPES, stored_in=[("computers", "pc_type")])]``.

        The framework stores their bundled values itself — at every start-up, after the install's
        migrations and after every upgrade — so a plugin never calls ``choices.register_defaults``.
        """
        return []

    def register_choice_sets(self) -> None:
        """Declare this plugin's choice sets in the app and store missing bundled values (idempotent)."""
        for choice_set in self.get_choice_sets():
            choices.register_defaults(choice_set.name, choice_set.defaults, plugin=self.name,
                                      stored_in=choice_set.stored_in)

    def get_search_sources(self) -> list[SearchSource]:
        """Rows of this plugin's tables whose values belong in the search document of the asset they
        point at, e.g. ``[SearchSource("ip_address", IPAddress, value="address", exact=True)]``.

        An extension's own columns are declared on its ``ExtensionResource`` (``search_fields``,
        ``search_exact``) instead. The service layer refreshes the documents on every write of these
        rows; see docs/adr/0018-one-search-index.md.
        """
        return []

    def search_assets(self, q: str) -> Select | CompoundSelect | None:
        """Deprecated since the search index (docs/adr/0018): no longer called. Declare searchable values
        with ``ExtensionResource(search_fields=...)`` and ``get_search_sources()``; they are found by
        ``/api/v1/search`` and every asset list's ``?q=`` through one index."""
        return None

    def asset_url(self, assetid: int) -> str:
        """Where the API serves this plugin's asset (search results link here)."""
        return f"/api/v1/{self.name}/{assetid}"

    def generate_demo(self, ctx: Any) -> None:
        """Add this plugin's part of the demo plant (``shopdb demo``); see shopdb.cli.demo."""

    # -- lifecycle hooks (docs/PLUGIN-HOOKS.md) -------------------------------------------------
    def init_app(self, app: Flask) -> None:
        """Called at start-up for an enabled plugin, before its blueprint is registered."""

    def on_install(self) -> None:
        """After the plugin's migrations ran for the first time: seed reference rows."""

    def on_uninstall(self) -> None:
        """Before the plugin's tables are dropped (or kept with --keep-data)."""

    def on_enable(self) -> None:
        """After the plugin was enabled."""

    def on_disable(self) -> None:
        """After the plugin was disabled."""

    def on_upgrade(self, from_revision: str | None, to_revision: str | None) -> None:
        """After ``plugin migrate``/``upgrade-all`` applied new revisions."""
