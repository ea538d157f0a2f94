"""The shape of an exported asset: which columns a kind has, which are read back, and how.

An exported record is the flat object of its kind (core fields and the plugin's extension fields,
as the plugin's API shows them), with the site as its ``code`` and the location as its path of
names; ``docs/IMPORT-EXPORT.md`` lists the columns and what the import does with each.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, fields
from sqlalchemy import inspect

from ...schemas import AssetFieldsSchema, AssetSchema
from .. import asset_kinds

# Core columns, in file order; ``site`` and ``location`` stand for ``site_id`` and ``location_id``.
CORE_COLUMNS = ("asset_type", "asset_tag", "name", "status", "site", "location", "manufacturer", "model",
                "serial_number", "notes")
# Read only when the import has to create the site or asset type named on the row; never change one.
REFERENCE_COLUMNS = ("site_name", "site_timezone", "asset_type_label")
# Written for the reader's sake; the database assigns them, so the import ignores them.
META_COLUMNS = ("assetid", "version", "created_at", "updated_at")
_PLACE_FIELDS = {"site_id": "site", "location_id": "location"}
_CORE_FIELD_NAMES = frozenset(AssetFieldsSchema().fields)
RESERVED = frozenset(CORE_COLUMNS) | frozenset(REFERENCE_COLUMNS) | frozenset(META_COLUMNS)


@dataclass(frozen=True)
class TransferKind:
    """What the export writes and the import reads for one asset type."""

    type_name: str
    schema: type[Schema]
    extension_model: type | None
    inputs: frozenset[str]  # field names the schema loads (``site_id``/``location_id`` included)
    columns: tuple[str, ...]  # the kind's own columns beyond the core ones, in schema order
    shown: frozenset[str]  # dump-only fields the plugin computes (``mac_vendor``): written, ignored
    state: frozenset[str]  # dump-only fields stored on the extension row: restored on create only

    def accepts(self, column: str) -> bool:
        return column in CORE_COLUMNS or column in self.columns


def kind_of(type_name: str, plugin: str | None) -> TransferKind | None:
    """The kind for an asset type: its plugin's (when enabled), the core's generic one, else None."""
    kind = asset_kinds.get(type_name)
    if kind is not None and kind.schema is not None:
        return _describe(type_name, kind.schema, kind.extension_model)
    if plugin is None:
        return _describe(type_name, AssetSchema, None)
    return None  # its plugin is not enabled: neither its fields nor its rules are available


def registered_kinds() -> list[TransferKind]:
    """Every plugin kind the app serves, by type name (for the CSV header)."""
    kinds = asset_kinds.registered()
    return [_describe(name, kinds[name].schema, kinds[name].extension_model)
            for name in sorted(kinds) if kinds[name].schema is not None]


def csv_columns(kinds: list[TransferKind]) -> list[str]:
    """Core columns, then every kind's own columns (a union: empty where a kind lacks one), then the rest."""
    extra: list[str] = []
    for kind in kinds:
        extra.extend(c for c in kind.columns if c not in extra)
    return [*CORE_COLUMNS, *extra, *REFERENCE_COLUMNS, *META_COLUMNS]


_described: dict[tuple[str, type, type | None], TransferKind] = {}


def _describe(type_name: str, schema: type[Schema], extension_model: type | None) -> TransferKind:
    key = (type_name, schema, extension_model)
    if key in _described:
        return _described[key]
    stored = set()
    if extension_model is not None:
        stored = {attr.key for attr in inspect(extension_model).column_attrs}
    declared = schema().fields
    own = [name for name in declared if name not in _CORE_FIELD_NAMES and name != "asset_type"]
    clash = RESERVED.intersection(own)
    if clash:
        raise ValueError(f"asset type {type_name!r}: field(s) {sorted(clash)} clash with export columns")
    inputs = frozenset(name for name, f in declared.items() if not f.dump_only)
    dump_only = {name for name in own if declared[name].dump_only}
    described = TransferKind(
        type_name=type_name, schema=schema, extension_model=extension_model, inputs=inputs,
        columns=tuple(own), shown=frozenset(dump_only - stored), state=frozenset(dump_only & stored),
    )
    _described[key] = described
    return described


# -- locations as paths ------------------------------------------------------------------------------
def location_path(names: list[str]) -> str:
    """``["Hall A", "Cell A1"]`` → ``Hall A/Cell A1``; a ``/`` or ``\\`` inside a name is escaped."""
    return "/".join(n.replace("\\", "\\\\").replace("/", "\\/") for n in names)


def parse_location_path(path: str) -> list[str]:
    """The inverse of ``location_path``; blanks around each name are dropped, as the API drops them."""
    names, current, escaped = [], [], False
    for char in path:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "/":
            names.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    names.append("".join(current).strip())
    return names


# -- CSV cells ---------------------------------------------------------------------------------------
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
TRUE, FALSE = frozenset({"true", "yes", "1"}), frozenset({"false", "no", "0"})


def cell_value(field: fields.Field, text: str) -> Any:
    """A CSV cell as the JSON value the schema expects (``"12"`` → 12 for an integer field...).

    A cell that does not look like its type is passed on as text, so the schema refuses it with
    its usual message. An empty cell is ``None``.
    """
    return cell_reader(field)(text)


def cell_reader(field: fields.Field) -> Callable[[str], Any]:
    """``cell_value`` for one field, its type looked up once (an import reads a field thousands of times)."""
    if isinstance(field, fields.Boolean):
        return _boolean_cell
    if isinstance(field, fields.Integer):
        return _integer_cell
    if isinstance(field, fields.Number):
        return _decimal_cell
    return _text_cell


def _text_cell(text: str) -> Any:
    return None if text == "" else text


def _boolean_cell(text: str) -> Any:
    if text == "":
        return None
    lowered = text.strip().lower()
    return True if lowered in TRUE else False if lowered in FALSE else text


def _integer_cell(text: str) -> Any:
    if text == "":
        return None
    return int(text) if _INTEGER.fullmatch(text.strip()) else text


def _decimal_cell(text: str) -> Any:
    if text == "":
        return None
    return float(text) if _DECIMAL.fullmatch(text.strip()) else text


def cell_text(value: Any) -> str:
    """A dumped value as a CSV cell (``None`` → empty, booleans as ``true``/``false``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def place_field(name: str) -> str:
    return _PLACE_FIELDS.get(name, name)
