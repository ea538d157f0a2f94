"""Every asset as a flat record: core and extension fields, site by code, location by path.

Assets are read in ``assetid`` order by keyset pagination (``assetid > last``), one batch and one
query per extension table at a time, so the cost per batch stays flat at any plant size.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from marshmallow import Schema, fields, missing
from sqlalchemy import func, inspect, select

from ....extensions import db
from ...models import Asset, AssetType, Location, Site
from ...schemas import AssetFieldsSchema
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
        self._dumpers: dict[str, _Dumper] = {}

    def records(self) -> Iterator[dict[str, Any]]:
        sites = {s.id: (s.code, s.name, s.timezone) for s in db.session.execute(select(Site)).scalars()}
        types = {t.id: (t.name, t.label, t.plugin) for t in db.session.execute(select(AssetType)).scalars()}
        kinds = {type_id: kind_of(name, plugin) for type_id, (name, _label, plugin) in types.items()}
        paths = _location_paths()
        last = 0
        assets = Asset.__table__
        asset_attrs = _attribute_names(Asset)
        while True:
            # Plain rows, not ORM objects: nothing here is written, and building objects cost more than
            # the rest of the export.
            stmt = select(assets).where(assets.c.assetid > last).order_by(assets.c.assetid).limit(self.batch)
            if self.type_name:
                stmt = stmt.join(AssetType.__table__).where(AssetType.name == self.type_name)
            rows = db.session.execute(stmt).mappings().all()
            if not rows:
                return
            extensions = _extension_rows(rows, kinds)
            for row in rows:
                name, label, _plugin = types[row["asset_type_id"]]
                kind = kinds[row["asset_type_id"]]
                if kind is None:
                    self.core_only[name] += 1
                flat = {attr: row[column] for attr, column in asset_attrs}
                flat["asset_type"] = name
                extension = extensions.get(row["assetid"])
                if extension is not None:
                    flat.update(extension)
                dumped = self._dumper(kind).dump(flat)
                code, site_name, timezone = sites[row["site_id"]]
                record: dict[str, Any] = {}
                for column in CORE_COLUMNS:
                    record[column] = dumped.get(column)
                record.update(asset_type=name, site=code, location=paths.get(row["location_id"]))
                for column in kind.columns if kind is not None else ():
                    record[column] = dumped.get(column)
                record.update(site_name=site_name, site_timezone=timezone, asset_type_label=label)
                for column in META_COLUMNS:
                    record[column] = dumped.get(column)
                yield record
            last = rows[-1]["assetid"]

    def _dumper(self, kind: TransferKind | None) -> _Dumper:
        key = kind.type_name if kind is not None else ""
        if key not in self._dumpers:
            self._dumpers[key] = _Dumper(kind.schema if kind is not None else AssetFieldsSchema)
        return self._dumpers[key]


class _Dumper:
    """The kind's schema dump, fast: a plain field (a string, number, date... read from the flat dict
    under its own name) is serialised by its own ``_serialize``, as ``dump`` would do after looking it
    up through several layers; only the computed fields (methods, nested...) go through ``dump``.
    A schema with dump hooks is dumped whole, as before."""

    _COMPUTED = (fields.Method, fields.Function, fields.Nested, fields.Pluck, fields.List, fields.Dict)

    def __init__(self, schema_class: type[Schema]):
        schema = schema_class()
        self.whole: Schema | None = None
        self.plain: list[tuple[str, fields.Field]] = []
        self.rest: Schema | None = None
        if any("dump" in str(hook) for hook in schema._hooks):
            self.whole = schema
            return
        computed = []
        for name, field in schema.fields.items():
            if field.load_only:
                continue
            if (isinstance(field, self._COMPUTED) or field.attribute is not None or field.data_key is not None
                    or field.dump_default is not missing):
                computed.append(name)
            else:
                self.plain.append((name, field))
        if computed:
            self.rest = schema_class(only=computed)

    def dump(self, flat: dict[str, Any]) -> dict[str, Any]:
        if self.whole is not None:
            return self.whole.dump(flat)
        dumped = self.rest.dump(flat) if self.rest is not None else {}
        for name, field in self.plain:
            if name in flat:
                value = flat[name]
                dumped[name] = None if value is None else field._serialize(value, name, flat)
        return dumped


def _attribute_names(model: type) -> list[tuple[str, str]]:
    """``(attribute, column)`` of every column a mapped class reads (a row is keyed by column)."""
    return [(attr.key, attr.columns[0].key) for attr in inspect(model).column_attrs]


def _extension_rows(rows: list[Any], kinds: dict[int, TransferKind | None]) -> dict[int, dict[str, Any]]:
    """Each asset's extension row as ``{attribute: value}``, one query per extension table."""
    by_model: dict[type, list[int]] = {}
    for row in rows:
        kind = kinds.get(row["asset_type_id"])
        if kind is not None and kind.extension_model is not None:
            by_model.setdefault(kind.extension_model, []).append(row["assetid"])
    found: dict[int, dict[str, Any]] = {}
    for model, ids in by_model.items():
        table = inspect(model).local_table
        names = _attribute_names(model)
        for extension in db.session.execute(select(table).where(table.c.assetid.in_(ids))).mappings():
            found[extension["assetid"]] = {attr: extension[column] for attr, column in names}
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
