"""Sites, locations and asset types an import row names: found, or created when missing.

A fresh database has none of the plant's sites, locations or user-made asset types, so the import
creates them (through ``writes``, audited) the first time a row needs one. Everything created for a
row that is then refused is forgotten with it (``mark``/``undo``), as its savepoint is rolled back.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import select

from ....api.errors import ValidationFailed
from ....extensions import db
from ...models import AssetType, Location, Site
from ...models.keys import normal_key
from ...schemas import AssetTypeSchema, SiteSchema
from ...schemas.location import LocationSchema
from .. import writes
from .layout import parse_location_path


@dataclass(frozen=True)
class ImportPermits:
    """What the importing user may do besides writing assets: the API's rules for an HTTP import.

    The CLI's operator may do everything (the default). Over HTTP, only an admin creates the sites
    and asset types a file names (as ``POST /sites`` and ``POST /asset-types`` need), and a user
    limited to sites imports only rows of those sites; any other row is refused with its line."""

    create_sites: bool = True
    create_asset_types: bool = True
    site_ids: frozenset[int] | None = None  # None: every site


@lru_cache(maxsize=4096)
def _names(path: str) -> tuple[str, ...]:
    """``parse_location_path``, remembered: a plant's rows name the same few hundred places."""
    return tuple(parse_location_path(path))


class Places:
    def __init__(self, permits: ImportPermits | None = None) -> None:
        self.permits = permits or ImportPermits()
        self.sites: dict[str, int] = {}  # code key → id
        self.locations: dict[tuple[int, int | None, str], int] = {}  # (site, parent, name) → id
        self.types: dict[str, str | None] = {}  # name → plugin
        allowed = self.permits.site_ids
        for site in db.session.execute(select(Site)).scalars():
            if allowed is None or site.id in allowed:  # another site's rows are refused in ``site``
                self.sites[normal_key([site.code])] = site.id
        for loc_id, site_id, parent_id, name in db.session.execute(
                select(Location.id, Location.site_id, Location.parent_id, Location.name)):
            self.locations[(site_id, parent_id, name)] = loc_id
        for asset_type in db.session.execute(select(AssetType)).scalars():
            self.types[asset_type.name] = asset_type.plugin
        self._journal: list[tuple[dict, Any]] = []
        self.created = {"site": 0, "location": 0, "asset type": 0}

    # -- undo for a refused row ----------------------------------------------------------------------
    def mark(self) -> int:
        return len(self._journal)

    def undo(self, mark: int) -> None:
        while len(self._journal) > mark:
            cache, key = self._journal.pop()
            del cache[key]
            what = "site" if cache is self.sites else "location" if cache is self.locations else "asset type"
            self.created[what] -= 1

    def _remember(self, cache: dict, key: Any, value: Any, what: str) -> None:
        cache[key] = value
        self._journal.append((cache, key))
        self.created[what] += 1

    # -- lookups ---------------------------------------------------------------------------------------
    def asset_type(self, name: str, label: Any) -> str | None:
        """The plugin of asset type ``name``; a missing type is created as a core type."""
        if name in self.types:
            return self.types[name]
        if not self.permits.create_asset_types:
            raise ValidationFailed({"asset_type": [f"No asset type {name!r}; only an admin may create one."]})
        data = {"name": name, "label": label if isinstance(label, str) and label.strip() else name}
        try:
            loaded = AssetTypeSchema().load(data)
        except ValidationError as exc:
            raise ValidationFailed({"asset_type": exc.messages.get("name", exc.messages.get("label", []))}) from None
        writes.ensure_unique(AssetType, "name", loaded["name"], case_insensitive=True)
        writes.create(AssetType, name=loaded["name"], label=loaded["label"])
        self._remember(self.types, name, None, "asset type")
        return None

    def site(self, code: Any, name: Any, timezone: Any) -> int:
        """The id of site ``code`` (any case); a missing site is created from the row's site columns."""
        if not isinstance(code, str) or not code.strip():
            raise ValidationFailed({"site": ["Missing data for required field."]})
        key = normal_key([code.strip()])
        if key in self.sites:
            return self.sites[key]
        if self.permits.site_ids is not None:
            # Whether the site exists is not told: it is outside what the user may see.
            raise ValidationFailed({"site": [f"You may not import rows of site {code.strip()!r}."]})
        if not self.permits.create_sites:
            raise ValidationFailed({"site": [f"No site {code.strip()!r}; only an admin may create one."]})
        data = {"code": code, "name": name if isinstance(name, str) and name.strip() else code}
        if isinstance(timezone, str) and timezone.strip():
            data["timezone"] = timezone
        try:
            loaded = SiteSchema().load(data)
        except ValidationError as exc:
            raise ValidationFailed({f"site_{k}" if k != "code" else "site": v
                                    for k, v in exc.messages.items()}) from None
        if not SiteSchema.valid_timezone(loaded["timezone"]):
            raise ValidationFailed({"site_timezone": ["Unknown time zone (use an IANA name like Europe/Berlin)."]})
        site = writes.create(Site, code=loaded["code"], name=loaded["name"], timezone=loaded["timezone"])
        self._remember(self.sites, key, site.id, "site")
        return site.id

    def find_location(self, site_id: int, path: str) -> int | None:
        """The id of the location at ``path`` in the site if it exists (nothing is created)."""
        parent_id: int | None = None
        for name in _names(path):
            parent_id = self.locations.get((site_id, parent_id, name))
            if parent_id is None:
                return None
        return parent_id

    def location(self, site_id: int, path: str) -> int:
        """The id of the location at ``path`` (``Hall A/Cell A1``) in the site; missing ones are created."""
        parent_id: int | None = None
        for name in parse_location_path(path):
            found = self.locations.get((site_id, parent_id, name))
            if found is None:
                try:
                    LocationSchema().load({"site_id": site_id, "parent_id": parent_id, "name": name})
                except ValidationError as exc:
                    raise ValidationFailed({"location": [f"{name!r}: {' '.join(map(str, msgs))}"
                                                         for msgs in exc.messages.values()]}) from None
                location = writes.create(Location, site_id=site_id, parent_id=parent_id, name=name)
                found = location.id
                self._remember(self.locations, (site_id, parent_id, name), found, "location")
            parent_id = found
        assert parent_id is not None
        return parent_id
