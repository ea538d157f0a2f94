"""Every asset as a flat record: core and extension fields, site by code, location by path.

Assets are read in ``assetid`` order by keyset pagination (``assetid > last``), one batch and one
query per extension table at a time, so the cost per batch stays flat at any plant size.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from marshmallow import Schema
from sqlalchemy import func, inspect, select

from ....extensions import db
from ...models import Asset, AssetType, Location, Site
from ...schemas import AssetFieldsSchema
from ..assets import asset_to_dict
from .layout import CORE_COLUMNS, META_COLUMNS, TransferKind, kind_of, location_path

BATCH = 1000


def count_assets(type_name: str | None = None) -> int:
    stmt = select(func.count()).select_from(Asset)
    if type_name:
        stmt = stmt.join(AssetType).where(AssetType.name == type_name)
    return db.session.execute(stmt).scalar_one()


class Exporter:
    """``records()`` yields one dict per asset; ``core_only`` counts assets whose plugin is not enabled
    (their extension fields cannot be read, so only the core fields are written)."""

    def __init__(self, type_name: str | None = None, batch: int = BATCH):
        self.type_name = type_name
        self.batch = batch
        self.core_only: Counter[str] = Counter()
        self._dumpers: dict[str, Schema] = {}

    def records(self) -> Iterator[dict[str, Any]]:
        sites = {s.id: (s.code, s.name, s.timezone) for s in db.session.execute(select(Site)).scalars()}
        types = {t.id: (t.name, t.label, t.plugin) for t in db.session.execute(select(AssetType)).scalars()}
        kinds = {type_id: kind_of(name, plugin) for type_id, (name, _label, plugin) in types.items()}
        paths = _location_paths()
        last = 0
        while True:
            stmt = select(Asset).where(Asset.assetid > last).order_by(Asset.assetid).limit(self.batch)
            if self.type_name:
                stmt = stmt.join(AssetType).where(AssetType.name == self.type_name)
            assets = db.session.execute(stmt).scalars().all()
            if not assets:
                return
            extensions = _extension_rows(assets, kinds)
            for asset in assets:
                name, label, _plugin = types[asset.asset_type_id]
                kind = kinds[asset.asset_type_id]
                if kind is None:
                    self.core_only[name] += 1
                flat = asset_to_dict(asset)
                extension = extensions.get(asset.assetid)
                if extension is not None:
                    flat.update({attr.key: getattr(extension, attr.key)
                                 for attr in inspect(extension).mapper.column_attrs})
                dumped = self._dumper(kind).dump(flat)
                code, site_name, timezone = sites[asset.site_id]
                record: dict[str, Any] = {}
                for column in CORE_COLUMNS:
                    record[column] = dumped.get(column)
                record.update(asset_type=name, site=code, location=paths.get(asset.location_id))
                for column in kind.columns if kind is not None else ():
                    record[column] = dumped.get(column)
                record.update(site_name=site_name, site_timezone=timezone, asset_type_label=label)
                for column in META_COLUMNS:
                    record[column] = dumped.get(column)
                yield record
            last = assets[-1].assetid
            db.session.expunge_all()  # keep memory flat; nothing here is written

    def _dumper(self, kind: TransferKind | None) -> Schema:
        key = kind.type_name if kind is not None else ""
        if key not in self._dumpers:
            self._dumpers[key] = kind.schema() if kind is not None else AssetFieldsSchema()
        return self._dumpers[key]


def _extension_rows(assets: list[Asset], kinds: dict[int, TransferKind | None]) -> dict[int, Any]:
    by_model: dict[type, list[int]] = {}
    for asset in assets:
        kind = kinds.get(asset.asset_type_id)
        if kind is not None and kind.extension_model is not None:
            by_model.setdefault(kind.extension_model, []).append(asset.assetid)
    found: dict[int, Any] = {}
    for model, ids in by_model.items():
        for row in db.session.execute(select(model).where(model.assetid.in_(ids))).scalars():
            found[row.assetid] = row
    return found


def _location_paths() -> dict[int, str]:
    """Every location's path of names from its site's root (``Hall A/Cell A1``)."""
    nodes = {loc_id: (parent_id, name) for loc_id, parent_id, name in
             db.session.execute(select(Location.id, Location.parent_id, Location.name))}
    names: dict[int, list[str]] = {}

    def chain(loc_id: int) -> list[str]:
        if loc_id not in names:
            parent_id, name = nodes[loc_id]
            names[loc_id] = [*(chain(parent_id) if parent_id is not None else []), name]
        return names[loc_id]

    return {loc_id: location_path(chain(loc_id)) for loc_id in nodes}
