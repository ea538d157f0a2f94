"""Every asset as a flat record: core and extension fields, site by code, location by path.

Assets are read in ``assetid`` order by keyset pagination (``assetid > last``), one batch and one
query per extension table at a time, so the cost per batch stays flat at any plant size.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from operator import itemgetter
from typing import Any

from marshmallow import Schema, fields, missing
from sqlalchemy import func, inspect, select

from ....extensions import db
from ...models import Asset, AssetType, Location, Site
from ...schemas import AssetFieldsSchema
from ...schemas.dumping import dump_one, plan_for
from .layout import CORE_COLUMNS, META_COLUMNS, TransferKind, cell_text, kind_of, location_path

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
        for name, label, kind, dumped, site, location in self._dumped():
            code, site_name, timezone = site
            record: dict[str, Any] = {}
            for column in CORE_COLUMNS:
                record[column] = dumped.get(column)
            record.update(asset_type=name, site=code, location=location)
            for column in kind.columns if kind is not None else ():
                record[column] = dumped.get(column)
            record.update(site_name=site_name, site_timezone=timezone, asset_type_label=label)
            for column in META_COLUMNS:
                record[column] = dumped.get(column)
            yield record

    def csv_rows(self, columns: list[str]) -> Iterator[list[str]]:
        """Each asset as CSV cells in ``columns`` order: what ``records()`` gives, each value through
        ``cell_text`` and empty where the record has none, without building the record (export at
        tens of thousands of rows a second): a kind whose fields are plain reads its cells straight
        from the database rows (``_CellPlan``); any other row goes through the kind's dump."""
        index = {column: i for i, column in enumerate(columns)}
        width = len(columns)
        place_columns = ("asset_type", "site", "location", "site_name", "site_timezone", "asset_type_label")
        places = [(index.get(column), column) for column in place_columns]
        plans: dict[str, list[tuple[int | None, str]]] = {}
        for name, label, kind, dumped, site, location in self._dumped(index):
            if type(dumped) is list:  # cells already (a plain kind's row)
                cells = dumped
            else:
                plan = plans.get(name)
                if plan is None:
                    plan = plans[name] = [(index.get(column), column) for column in _read_columns(kind)]
                cells = [""] * width
                for i, column in plan:
                    value = dumped.get(column)
                    if value is not None:
                        if i is None:
                            raise KeyError(column)  # a column the header lacks, as the record loop would say
                        cells[i] = value if type(value) is str else cell_text(value)
            for (i, column), value in zip(places, (name, site[0], location, site[1], site[2], label), strict=True):
                if value is not None:
                    if i is None:
                        raise KeyError(column)
                    cells[i] = value if type(value) is str else cell_text(value)
            yield cells

    def _dumped(self, cells: dict[str, int] | None = None) -> Iterator[tuple[str, str, TransferKind | None, Any,
                                                                            tuple, str | None]]:
        """``(type name, type label, kind, dumped fields, (site code, name, timezone), location path)``
        per asset, in ``assetid`` order. With ``cells`` (CSV column → position), a row of a plain
        kind comes as its list of cells instead of its dumped fields (site and location not filled)."""
        sites = {s.id: (s.code, s.name, s.timezone) for s in db.session.execute(select(Site)).scalars()}
        types = {t.id: (t.name, t.label, t.plugin) for t in db.session.execute(select(AssetType)).scalars()}
        kinds = {type_id: kind_of(name, plugin) for type_id, (name, _label, plugin) in types.items()}
        paths = _location_paths()
        last = 0
        assets = Asset.__table__
        asset_attrs = _attribute_positions(Asset, assets)
        cell_plans: dict[int, _CellPlan | None] = {}
        while True:
            # Plain rows, not ORM objects: nothing here is written, and building objects cost more than
            # the rest of the export.
            stmt = select(assets).where(assets.c.assetid > last).order_by(assets.c.assetid).limit(self.batch)
            if self.type_name:
                stmt = stmt.join(AssetType.__table__).where(AssetType.name == self.type_name)
            rows = db.session.execute(stmt).all()
            if not rows:
                return
            extensions = _extension_rows(rows, kinds)
            for row in rows:
                type_id = row.asset_type_id
                name, label, _plugin = types[type_id]
                kind = kinds[type_id]
                if kind is None:
                    self.core_only[name] += 1
                extension = extensions.get(row.assetid)
                if cells is not None:
                    if type_id not in cell_plans:
                        cell_plans[type_id] = _CellPlan.of(self._dumper(kind), kind, name, cells, asset_attrs)
                    plan = cell_plans[type_id]
                    if plan is not None and (extension is not None or not plan.needs_extension):
                        yield (name, label, kind, plan.cells(row, extension), sites[row.site_id],
                               paths.get(row.location_id))
                        continue
                flat = {attr: row[i] for attr, i in asset_attrs}
                flat["asset_type"] = name
                if extension is not None:
                    flat.update(zip(extension[0], extension[1], strict=True))
                yield name, label, kind, self._dumper(kind).dump(flat), sites[row.site_id], paths.get(row.location_id)
            last = rows[-1].assetid

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
        self.plain_fast: list[tuple[str, Any, bool]] = []
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
        self.plain_fast = [(name, field._serialize, type(field)._serialize is fields.String._serialize)
                           for name, field in self.plain]

    def dump(self, flat: dict[str, Any]) -> dict[str, Any]:
        if self.whole is not None:
            return self.whole.dump(flat)
        dumped = self.rest.dump(flat) if self.rest is not None else {}
        for name, serialize, text in self.plain_fast:
            if name in flat:
                value = flat[name]
                # A plain String field gives a str back as it is (``ensure_text_type``): skip the call.
                dumped[name] = None if value is None else value if text and type(value) is str else \
                    serialize(value, name, flat)
        return dumped


def _attribute_names(model: type) -> list[tuple[str, str]]:
    """``(attribute, column)`` of every column a mapped class reads (a row is keyed by column)."""
    return [(attr.key, attr.columns[0].key) for attr in inspect(model).column_attrs]


def _read_columns(kind: TransferKind | None) -> list[str]:
    """The record's columns filled from the dump (the type, site and location are filled apart)."""
    return [c for c in (*CORE_COLUMNS, *(kind.columns if kind is not None else ()), *META_COLUMNS)
            if c not in ("asset_type", "site", "location")]


# Field classes whose ``_serialize`` reads the value alone (never the object): safe to call without one.
_VALUE_ONLY_MODULES = ("marshmallow.", "shopdb.core.schemas.")


def _serializes_value_only(field: fields.Field) -> bool:
    """Whether the class that gives ``field`` its ``_serialize`` is one of marshmallow's or the core's."""
    for klass in type(field).__mro__:
        if "_serialize" in vars(klass):
            return klass.__module__.startswith(_VALUE_ONLY_MODULES)
    return False


# How a plain field's value becomes its cell without its ``_serialize``: a str as it is (``String``), an
# int as ``str(int)`` (``Integer``: ``int(value)``, then ``cell_text``); anything else is serialised.
_AS_TEXT, _AS_INT = "text", "int"


def _as_int(field: fields.Field) -> str | None:
    kind = type(field)
    plain = (kind._serialize is fields.Number._serialize and kind._format_num is fields.Number._format_num
             and kind.num_type is int and not field.as_string)
    return _AS_INT if isinstance(field, fields.Integer) and plain else None


def _never_dumped(field: fields.Field, name: str, flat_keys: set[str]) -> bool:
    """Whether ``field`` dumps nothing from an export's flat dict: it reads a value (a list, a nested
    object: never computes one) under a key the flat dict never has, and has no default for it."""
    if not isinstance(field, fields.Nested | fields.Pluck | fields.List | fields.Dict):
        return False
    return field.dump_default is missing and (field.attribute or name) not in flat_keys


class _CellPlan:
    """A plain kind's CSV cells read straight from its asset and extension rows: the same value each
    plain field's ``_serialize`` gives in the dump, through ``cell_text``, without the flat dict."""

    def __init__(self, width: int, reads: list[tuple[int, bool, int, Any, bool]], needs_extension: bool,
                 rest: Schema | None, computed: list[tuple[int, str]], type_name: str,
                 asset_attrs: list[tuple[str, int]]):
        self.width = width
        self.reads = reads  # (cell, from the extension row?, position in that row, serialize, shortcut)
        self.needs_extension = needs_extension
        self.rest = rest  # the computed fields' schema: dumped from the flat dict, as before
        self.rest_steps = plan_for(rest) if rest is not None else None
        self.computed = computed  # (cell, field name) of the computed fields the record shows
        self.type_name = type_name
        self.asset_attrs = asset_attrs
        self.last: list[tuple[Any, str] | None] = [None] * len(reads)

    @classmethod
    def of(cls, dumper: _Dumper, kind: TransferKind | None, type_name: str, cells: dict[str, int],
           asset_attrs: list[tuple[str, int]]) -> _CellPlan | None:
        """The plan, or None when the kind needs its dump (hooks, computed fields, a field of its own)."""
        if dumper.whole is not None:
            return None
        in_asset = dict(asset_attrs)
        in_extension: dict[str, int] = {}
        if kind is not None and kind.extension_model is not None:
            in_extension = {attr: i for i, (attr, _) in enumerate(_attribute_names(kind.extension_model))}
        wanted = set(_read_columns(kind))
        reads = []
        for (name, serialize, text), (_, field) in zip(dumper.plain_fast, dumper.plain, strict=True):
            if not _serializes_value_only(field):
                return None
            if name not in wanted:
                continue  # dumped but not a column of the record (site_id, location_id...)
            if name in cells:
                cell = cells[name]
            else:
                return None  # a column the header lacks: the record loop says which
            if name in in_extension:  # the extension's value wins, as in the flat dict
                reads.append((cell, True, in_extension[name], serialize, _AS_TEXT if text else _as_int(field)))
            elif name in in_asset:
                reads.append((cell, False, in_asset[name], serialize, _AS_TEXT if text else _as_int(field)))
            elif name == "asset_type":
                return None
        computed = []
        flat_keys = {*in_asset, *in_extension, "asset_type"}
        for name, field in dumper.rest.fields.items() if dumper.rest is not None else ():
            if name in wanted:
                if name not in cells:
                    return None
                if _never_dumped(field, name, flat_keys):
                    continue  # its cell stays empty, as the dump leaves it
                computed.append((cells[name], name))
        # Only the computed fields a cell shows are dumped: a PC's detail-only ``controls`` cost as
        # much per row as the rest of it.
        rest = type(dumper.rest)(only=[name for _, name in computed]) if computed else None
        return cls(len(cells), reads, bool(in_extension), rest, computed, type_name, asset_attrs)

    def cells(self, row: Any, extension: tuple[tuple[str, ...], tuple] | None) -> list[str]:
        out = [""] * self.width
        values = extension[1] if extension is not None else ()
        last = self.last
        for j, (cell, from_extension, i, serialize, text) in enumerate(self.reads):
            value = values[i] if from_extension else row[i]
            if value is not None:
                if text is _AS_TEXT and type(value) is str:
                    out[cell] = value
                elif text is _AS_INT and type(value) is int:
                    out[cell] = str(value)
                elif type(value) is dt.datetime and value.tzinfo is None:
                    # Timestamps repeat from row to row (rows written together): the text of the last one.
                    if last[j] is None or last[j][0] != value:
                        dumped = serialize(value, None, None)
                        last[j] = (value, "" if dumped is None else dumped if type(dumped) is str
                                   else cell_text(dumped))
                    out[cell] = last[j][1]
                else:
                    dumped = serialize(value, None, None)
                    if dumped is not None:
                        out[cell] = dumped if type(dumped) is str else cell_text(dumped)
        if self.rest is not None:
            flat = {attr: row[i] for attr, i in self.asset_attrs}
            flat["asset_type"] = self.type_name
            if extension is not None:
                flat.update(zip(extension[0], extension[1], strict=True))
            # The schema's dump plan (no dump hooks here: ``_Dumper`` dumps such a schema whole) without
            # ``Schema.dump``'s own steps, which cost more than a computed field or two.
            dumped = dump_one(self.rest_steps, flat) if self.rest_steps is not None else self.rest.dump(flat)
            for cell, name in self.computed:
                value = dumped.get(name)
                if value is not None:
                    out[cell] = value if type(value) is str else cell_text(value)
        return out


def _attribute_positions(model: type, table: Any) -> list[tuple[str, int]]:
    """``(attribute, position in a row of select(table))`` of every column a mapped class reads."""
    keys = list(table.c.keys())
    return [(attr, keys.index(column)) for attr, column in _attribute_names(model)]


def _extension_rows(rows: list[Any], kinds: dict[int, TransferKind | None]) -> dict[int, tuple[tuple[str, ...], tuple]]:
    """Each asset's extension row as ``(attribute names, values)``, one query per extension table."""
    by_model: dict[type, list[int]] = {}
    for row in rows:
        kind = kinds.get(row.asset_type_id)
        if kind is not None and kind.extension_model is not None:
            by_model.setdefault(kind.extension_model, []).append(row.assetid)
    found: dict[int, tuple[tuple[str, ...], tuple]] = {}
    for model, ids in by_model.items():
        table = inspect(model).local_table
        names = _attribute_positions(model, table)
        attrs = tuple(attr for attr, _ in names)
        positions = [i for _, i in names]
        # itemgetter of one position gives the value, not a 1-tuple
        values = itemgetter(*positions) if len(positions) > 1 else lambda row, i=positions[0]: (row[i],)
        key = list(table.c.keys()).index("assetid")
        # The batch's assets are a range of assetids read in order: the extension rows are that range of
        # the extension's primary key (one range scan; a thousand bound ids cost more than the rows).
        wanted = set(ids)
        stmt = select(table).where(table.c.assetid.between(ids[0], ids[-1]))
        for extension in db.session.execute(stmt).all():
            if extension[key] in wanted:
                found[extension[key]] = (attrs, values(extension))
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
