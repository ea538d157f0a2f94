"""Import: every record through its kind's flat schema and the asset service's rules, in ONE transaction.

Records go in chunks of ``CHUNK``. A chunk of new assets takes the fast path (``batch``): each record
is loaded by its kind's schema and checked by the plugin's rules and the ``asset_validate`` handlers
in Python, the uniqueness checks of the whole run are answered by one query per table and field, and
the clean records are inserted in bulk with their audit entries, search documents and events. A
record the fast path cannot vouch for (a clash, a refusal, a site or location still to be created),
and every chunk that matches stored assets, goes the ordinary way: the same service calls as the
API, each record in its own savepoint, so a refused record is rolled back alone and reported with
the API's message. If the database refuses a bulk insert the checks did not foresee, that run is
rolled back and written record by record the ordinary way. At the end the whole transaction is
committed, or rolled back for ``dry_run`` and for a file with refused records (unless ``skip_bad``).
Records match existing assets by (site code, asset_tag), case-insensitive. docs/adr/0023.

Records are read as they come (``records`` may be a generator over a file): only one chunk is held;
what earlier chunks wrote is remembered on disk (``seen``), their events are spooled (``spool``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from marshmallow import Schema, ValidationError
from sqlalchemy import inspect, select

from ....api.errors import ApiError
from ....extensions import db
from ...models import Asset
from ...models.keys import normal_key
from .. import assets as asset_service
from .. import choices, search_index, writes
from .batch import Batch, NewAsset
from .layout import META_COLUMNS, REFERENCE_COLUMNS, TransferKind, cell_reader, kind_of, place_field
from .loading import quicken
from .places import ImportPermits, Places
from .seen import SeenIndex
from .spool import EventSpool

CHUNK = 1000  # records per chunk; also how often the session's identity map is emptied
# Columns resolved here (site, location, type) or assigned by the database: never given to the schema.
_NOT_SCHEMA_INPUTS = frozenset({"site", "location", "asset_type", *META_COLUMNS})


class RowRefused(Exception):
    """One record cannot be written; the message says why (the caller adds its line)."""


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)  # (where, message), in file order
    places_created: dict[str, int] = field(default_factory=dict)
    written: bool = False

    @property
    def good(self) -> int:
        return self.created + self.updated + self.unchanged


class _Discard(Exception):
    """Leave ``writes.transaction()`` by rolling everything back (dry run, or a refused file)."""


def run_import(records: Iterable[tuple[str, dict[str, Any]]], *, text_cells: bool, dry_run: bool = False,
               skip_bad: bool = False, advance: Callable[[], None] | None = None,
               permits: ImportPermits | None = None) -> ImportReport:
    """Import ``(where, record)`` pairs (``where`` is ``line 12`` or ``index 3``, used in messages).

    ``text_cells``: the values are CSV text (typed here by each field of the schema; an empty cell is
    no value). ``permits``: what the importing user may do (HTTP import; default: everything).
    Returns what happened; ``written`` says whether the transaction was committed.
    """
    report = ImportReport()
    importer = _Importer(text_cells, permits)
    try:
        with writes.transaction(), choices.cached():
            importer.start()
            chunk: list[tuple[str, Any]] = []
            for where, record in records:
                chunk.append((where, record))
                if len(chunk) == CHUNK:
                    importer.apply_chunk(chunk, report, advance)
                    chunk = []
            if chunk:
                importer.apply_chunk(chunk, report, advance)
            report.places_created = dict(importer.places.created)
            if dry_run or (report.errors and not skip_bad):
                raise _Discard
    except _Discard:
        importer.close(deliver=False)
        return report
    except BaseException:
        importer.close(deliver=False)
        raise
    report.written = True
    importer.close(deliver=True)  # committed: the written rows' events reach their subscribers now
    return report


@dataclass
class _Holder:
    where: str
    site_id: int
    type_name: str


class _Importer:
    def __init__(self, text_cells: bool, permits: ImportPermits | None = None):
        self.text_cells = text_cells
        self.permits = permits
        self.places: Places
        # This chunk's tags and plugin values (earlier chunks' are in ``seen``): (site, tag key) → where
        # it appeared first; extension (field, value key) → rows.
        self.tags: dict[tuple[int, str], str] = {}
        self.values: dict[tuple[str, str], list[tuple[str, int, str]]] = {}  # (where, site id, type name)
        self._schemas: dict[tuple[str, bool], Schema] = {}
        self._plans: dict[tuple[str, type, tuple], tuple[list[tuple[str, Any, bool]], list[str]]] = {}

    def schema(self, kind: TransferKind, *, partial: bool = False) -> Schema:
        """One schema instance per kind (building one per row would cost more than the row's write)."""
        key = (kind.type_name, partial)
        if key not in self._schemas:
            self._schemas[key] = quicken(kind.schema(partial=partial))
        return self._schemas[key]

    def start(self) -> None:
        self.places = Places(self.permits)
        self.seen = SeenIndex()
        self.spool = EventSpool()
        self._existing: dict[tuple[int, str | None], Asset] = {}
        self._journal: list[tuple[dict, Any]] = []  # (cache, key) added to tags/values since the mark

    def close(self, *, deliver: bool) -> None:
        if not hasattr(self, "seen"):
            return
        self.seen.close()
        if deliver:
            self.spool.deliver()
        else:
            self.spool.close()

    def apply_chunk(self, chunk: list[tuple[str, Any]], report: ImportReport,
                    advance: Callable[[], None] | None) -> None:
        """New assets by the fast path, a chunk that matches stored assets record by record; then the
        chunk is settled: what it wrote is remembered on disk, its events spooled, the session emptied."""
        self._existing = self._existing_assets(chunk)
        keys = self._tag_keys(chunk)
        matched = keys & set(self._existing)
        if len(matched) * 2 > len(chunk):  # mostly stored assets (a re-import): record by record
            self._apply_in_savepoint(chunk, report)
        else:
            self._apply_new(chunk, report, keys)
        self.seen.add_tags(self.tags.items())
        self.seen.add_values((key, *h) for key, holders in self.values.items()
                             for h in holders)
        self.tags.clear()
        self.values.clear()
        del self._journal[:]  # the chunk is settled: nothing before this point is undone any more
        search_index.refresh_noted()  # the documents of what the ordinary path wrote
        self.spool.take_queued()
        if advance is not None:
            advance()
        db.session.expunge_all()  # all flushed; keeps the identity map small on big files

    # -- the fast path ---------------------------------------------------------------------------------
    def _apply_new(self, chunk: list[tuple[str, Any]], report: ImportReport, keys: set[tuple[int, str]]) -> None:
        """Runs of records the fast path can vouch for are written in bulk; any other record ends the
        run (which is written first, so the file's order holds) and is written the ordinary way."""
        earlier = self.seen.tags_among(keys)
        batch = Batch()
        for index, (where, record) in enumerate(chunk):
            row = self._new_asset(index, where, record, earlier, batch)
            if row is not None and batch.prepare(row):
                batch.tags.add(row.tag_key)
                continue
            self._write_batch(batch, report)
            batch = Batch()
            self._one(where, record, report)
        self._write_batch(batch, report)

    def _tag_keys(self, chunk: list[tuple[str, Any]]) -> set[tuple[int, str]]:
        keys = set()
        for _, record in chunk:
            if isinstance(record, dict):
                site = self.places.sites.get(normal_key([_text(record.get("site"))]) or "")
                tag = _text(record.get("asset_tag"))
                if site is not None and tag:
                    keys.add((site, normal_key([tag])))
        return keys

    def _new_asset(self, index: int, where: str, record: Any, earlier: dict, batch: Batch) -> NewAsset | None:
        """The record as a new asset for the fast path, or None when the ordinary path must take it."""
        if not isinstance(record, dict) or None in record:
            return None
        type_name = _text(record.get("asset_type"))
        if type_name not in self.places.types:
            return None  # no type, or one to create
        kind = kind_of(type_name, self.places.types[type_name])
        if kind is None:
            return None
        try:
            self._refuse_foreign_columns(kind, record)
        except RowRefused:
            return None
        site_id = self.places.sites.get(normal_key([_text(record.get("site"))]) or "")
        tag = _text(record.get("asset_tag"))
        if site_id is None or not tag:
            return None
        key = (site_id, normal_key([tag]))
        if key in self.tags or key in earlier or key in batch.tags or key in self._existing:
            return None
        data = self._inputs(kind, record)
        data["site_id"] = site_id
        if "location" in record:
            path = _text(record.get("location"))
            data["location_id"] = self.places.find_location(site_id, path) if path else None
            if path and data["location_id"] is None:
                return None
        if "asset_type" in kind.inputs:
            data["asset_type"] = kind.type_name
        try:
            loaded = self.schema(kind).load(data)
        except ValidationError:
            return None
        loaded.pop("asset_type", None)
        core, extension, _version = asset_service.split_fields(loaded)
        for name in sorted(kind.state):
            value = record.get(name)
            if value not in (None, ""):
                if not isinstance(value, str):
                    return None
                extension[name] = value
        return NewAsset(index, where, record, kind, core, extension, tag_key=key)

    def _write_batch(self, batch: Batch, report: ImportReport) -> None:
        """The batch's clean rows in bulk (one savepoint), then its clashing ones the ordinary way."""
        if not batch:
            return
        clashing = batch.clashing()
        clean = [row for row in batch.rows if row.index not in clashing]
        try:
            with writes.savepoint():
                batch.write(clean, self.spool)
        except (ApiError, RowRefused):
            # The database refused something the checks did not foresee: every row the ordinary way.
            db.session.expunge_all()
            for row in batch.rows:
                self._one(row.where, row.record, report)
            return
        report.created += len(clean)
        values = self.values
        for row in clean:
            self.tags[row.tag_key] = row.where
            holder = (row.where, row.core["site_id"], row.kind.type_name)
            for name, value in row.ext.items():
                if value and isinstance(value, str) and name != "assetid" and name != "site_id":
                    key = (name, value.casefold())
                    if key in values:
                        values[key].append(holder)
                    else:
                        values[key] = [holder]
        for row in batch.rows:
            if row.index in clashing:
                self._one(row.where, row.record, report)

    def _one(self, where: str, record: Any, report: ImportReport) -> None:
        try:
            outcome = self.apply(where, record)
            setattr(report, outcome, getattr(report, outcome) + 1)
        except RowRefused as exc:
            report.errors.append((where, str(exc)))

    # -- the ordinary path -----------------------------------------------------------------------------
    def _apply_in_savepoint(self, chunk: list[tuple[str, Any]], report: ImportReport) -> None:
        """The chunk in one savepoint; if a record is refused, again record by record (exact messages)."""
        mark, journal_mark = self.places.mark(), len(self._journal)
        try:
            with writes.savepoint():
                outcomes = [self._apply(where, record) if isinstance(record, dict) else _not_an_object()
                            for where, record in chunk]
        except (RowRefused, ValidationError, ApiError):
            self.places.undo(mark)
            self._forget(journal_mark)
            # Objects of the rolled-back rows may linger in the identity map under ids the database
            # hands out again: start the replay from a clean session.
            db.session.expunge_all()
            self._existing = self._existing_assets(chunk)
            for where, record in chunk:
                try:
                    outcome = self.apply(where, record)
                    setattr(report, outcome, getattr(report, outcome) + 1)
                except RowRefused as exc:
                    report.errors.append((where, str(exc)))
        else:
            for outcome in outcomes:
                setattr(report, outcome, getattr(report, outcome) + 1)

    def apply(self, where: str, record: dict[str, Any]) -> str:
        if not isinstance(record, dict):
            raise RowRefused("not an object")
        mark, journal_mark = self.places.mark(), len(self._journal)
        try:
            with writes.savepoint():
                return self._apply(where, record)
        except RowRefused:
            self._undo(mark, journal_mark)
            raise
        except ValidationError as exc:
            self._undo(mark, journal_mark)
            raise RowRefused(_field_messages(exc.messages)) from None
        except ApiError as exc:
            self._undo(mark, journal_mark)
            raise RowRefused(self._explain(exc, record)) from None

    def _undo(self, mark: int, journal_mark: int) -> None:
        self.places.undo(mark)
        self._forget(journal_mark)

    def _forget(self, journal_mark: int) -> None:
        """Drop what refused records added to ``tags`` and ``values`` (their rows were rolled back)."""
        while len(self._journal) > journal_mark:
            cache, key = self._journal.pop()
            if cache is self.tags:
                del self.tags[key]
            else:
                holders = self.values[key]
                holders.pop()
                if not holders:
                    del self.values[key]

    def _existing_assets(self, chunk: list[tuple[str, Any]]) -> dict[tuple[int, str | None], Asset]:
        """The assets the chunk's tags may match, in one query on the (site, tag key) unique index.

        Every known site is asked (sites are resolved per row); a site this import creates later holds
        only this import's rows, which ``tags`` already knows."""
        keys = {normal_key([tag.strip()]) for _, record in chunk if isinstance(record, dict)
                for tag in [record.get("asset_tag")] if isinstance(tag, str) and tag.strip()}
        sites = set(self.places.sites.values())
        if not keys or not sites:
            return {}
        found = db.session.execute(select(Asset).where(
            Asset.site_id.in_(sites), Asset.asset_tag_key.in_(keys))).scalars()
        return {(asset.site_id, asset.asset_tag_key): asset for asset in found}

    # -- one record ----------------------------------------------------------------------------------
    def _apply(self, where: str, record: dict[str, Any]) -> str:
        if None in record:
            raise RowRefused("more values than the header has columns")
        type_name = _text(record.get("asset_type"))
        if not type_name:
            raise RowRefused("asset_type: Missing data for required field.")
        plugin = self.places.asset_type(type_name, record.get("asset_type_label"))
        kind = kind_of(type_name, plugin)
        if kind is None:
            raise RowRefused(f"asset_type: {type_name!r} assets belong to plugin {plugin!r}, which is not enabled")
        self._refuse_foreign_columns(kind, record)
        site_id = self.places.site(record.get("site"), record.get("site_name"), record.get("site_timezone"))
        tag = _text(record.get("asset_tag"))
        existing = None
        if tag:
            key = (site_id, normal_key([tag]))
            first = self.tags.get(key) or self.seen.tags_among([key]).get(key)
            if first is not None:
                raise RowRefused(f"asset_tag {tag!r} appears twice in the file ({first} and {where})")
            self.tags[key] = where
            self._journal.append((self.tags, key))
            existing = self._existing.get(key)
        data = self._inputs(kind, record)
        data["site_id"] = site_id
        if "location" in record:
            path = _text(record.get("location"))
            data["location_id"] = self.places.location(site_id, path) if path else None
        outcome = self._update(kind, existing, data) if existing is not None else self._create(kind, data, record)
        self._remember_values(where, site_id, kind, outcome)
        return outcome[0]

    def _create(self, kind: TransferKind, data: dict[str, Any], record: dict[str, Any]) -> tuple[str, Asset, Any]:
        if "asset_type" in kind.inputs:
            data["asset_type"] = kind.type_name
        loaded = self.schema(kind).load(data)
        loaded.pop("asset_type", None)
        core, extension, _version = asset_service.split_fields(loaded)
        for name in sorted(kind.state):  # the plugin's own state (a stick's custody): restored as it was
            value = record.get(name)
            if value not in (None, ""):
                if not isinstance(value, str):
                    raise RowRefused(f"{name}: Not a valid string.")
                extension[name] = value
        asset, row = asset_service.create_asset(core, type_name=kind.type_name, extension_fields=extension)
        return "created", asset, row

    def _update(self, kind: TransferKind, asset: Asset, data: dict[str, Any]) -> tuple[str, Asset, Any]:
        if asset.asset_type.name != kind.type_name:
            raise RowRefused(f"asset_tag {asset.asset_tag!r} exists at this site as a {asset.asset_type.name}, "
                             f"not a {kind.type_name}")
        loaded = self.schema(kind, partial=True).load(data)
        loaded.pop("asset_type", None)
        loaded.pop("version", None)
        extension = asset_service.load_extension(asset)
        differs = {}
        for name, value in loaded.items():
            holder = asset if name in asset_service.ASSET_FIELDS else extension
            current = getattr(holder, name, None) if holder is not None else None
            if current == value or (self.text_cells and value is None and current == ""):
                continue  # a CSV cannot tell an empty text from no text
            differs[name] = value
        if not differs:
            return "unchanged", asset, extension
        core, ext, _ = asset_service.split_fields(differs)
        changes = asset_service.update_asset(asset, core, extension_fields=ext)
        return ("updated" if changes else "unchanged"), asset, extension

    def _inputs(self, kind: TransferKind, record: dict[str, Any]) -> dict[str, Any]:
        """The record's values for the schema: typed from CSV text, empty cells as no value."""
        data: dict[str, Any] = {}
        for column, read, keep_empty in self._plan(kind, record)[0]:
            value = record[column]
            if read is not None:
                value = read(value if isinstance(value, str) else "")
                if value is None and not keep_empty:
                    continue  # an empty cell of a field with a default: the default (create) or unchanged
            data[column] = value
        return data

    def _refuse_foreign_columns(self, kind: TransferKind, record: dict[str, Any]) -> None:
        """A value in a column this kind does not have is an error (an empty one is the CSV's union)."""
        foreign = [column for column in self._plan(kind, record)[1] if record[column] not in (None, "")]
        if foreign:
            raise RowRefused(f"{', '.join(foreign)}: not a field of {kind.type_name} assets")

    def _plan(self, kind: TransferKind, record: dict[str, Any]) -> tuple[list[tuple[str, Any, bool]], list[str]]:
        """For a kind and the record's columns (a CSV's are the same on every row), worked out once: the
        schema inputs ``(column, how to type its CSV text or None, keep an empty cell)`` and the columns
        the kind does not have (sorted)."""
        key = (kind.type_name, kind.schema, tuple(record))
        plan = self._plans.get(key)
        if plan is None:
            fields = self.schema(kind).fields if self.text_cells else {}
            inputs = []
            for column in record:
                if column in _NOT_SCHEMA_INPUTS or column not in kind.inputs:
                    continue
                schema_field = fields[column] if self.text_cells else None
                keep = schema_field is not None and (schema_field.allow_none or schema_field.required)
                inputs.append((column, cell_reader(schema_field) if schema_field is not None else None, keep))
            ignored = set(META_COLUMNS) | set(REFERENCE_COLUMNS) | kind.shown | kind.state
            foreign = sorted(column for column in record if column not in ignored and not kind.accepts(column))
            plan = (inputs, foreign)
            if len(self._plans) > 256:  # JSON records may bring any set of keys: keep this small
                self._plans.clear()
            self._plans[key] = plan
        return plan

    # -- messages ------------------------------------------------------------------------------------
    def _remember_values(self, where: str, site_id: int, kind: TransferKind, outcome: tuple[str, Asset, Any]) -> None:
        """Extension values as stored (after the plugin's normal forms), to name the earlier line of a duplicate."""
        row = outcome[2]
        if row is None:
            return
        for attr in inspect(row).mapper.column_attrs:
            value = getattr(row, attr.key)
            if attr.key not in ("assetid", "site_id") and isinstance(value, str) and value:
                key = (attr.key, value.casefold())
                self.values.setdefault(key, []).append((where, site_id, kind.type_name))
                self._journal.append((self.values, key))

    def _explain(self, exc: ApiError, record: dict[str, Any]) -> str:
        fields = exc.details.get("fields") if isinstance(exc.details, dict) else None
        if isinstance(exc.details, dict) and "field" in exc.details and "value" in exc.details:
            key = (exc.details["field"], str(exc.details["value"]).casefold())
            holders = [_Holder(*found) for found in [*self.seen.value_holders(*key), *self.values.get(key, [])]]
            type_name = _text(record.get("asset_type"))
            same = [h for h in holders if h.type_name == type_name] or holders
            if same:
                return f"{exc.message.rstrip('.')} ({', '.join(h.where for h in same)} of this file has it)"
            return f"{exc.message.rstrip('.')} (in the database)"
        if fields and exc.code == "validation_error":
            return _field_messages(fields)
        database = exc.details.get("database") if isinstance(exc.details, dict) else None
        return f"{exc.message} ({database})" if database else exc.message


def _not_an_object() -> str:
    raise RowRefused("not an object")


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _field_messages(messages: Any) -> str:
    if isinstance(messages, dict):
        return "; ".join(f"{place_field(str(k))}: {_field_messages(v)}" for k, v in messages.items())
    if isinstance(messages, list | tuple):
        return " ".join(_field_messages(m) for m in messages)
    return str(messages)
