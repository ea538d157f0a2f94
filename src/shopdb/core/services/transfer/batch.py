"""The fast path of the import: a run of new assets checked in Python and written in bulk.

For each record the importer would *create*, ``prepare`` does what ``asset_service.create_asset``
does before its INSERTs — the kind's schema, the plugin's rules, the ``asset_validate`` handlers —
with the uniqueness checks deferred (``writes.deferred_uniqueness``): they are answered for the whole
run by one query per table and field. ``write`` then inserts the clean records with one statement
per table page (assets, extension rows, audit entries), writes their search documents set-based and
queues their ``asset_created`` events. A record the fast path cannot vouch for (a clash, a refusal,
a site or location still to be created...) is left to the importer's ordinary per-record path,
which writes it or refuses it with the message the API would give (docs/adr/0023).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from .... import events
from ....extensions import db
from ...models import Asset, AssetType
from ...models.keys import normal_key
from .. import asset_kinds, search_index, writes
from ..assets import ASSET_FIELDS
from .layout import TransferKind

CREATED = "asset_created"


@dataclass
class NewAsset:
    """A record ready to be inserted: ``core`` (asset columns) and ``ext`` (its extension row)."""

    index: int
    where: str
    record: dict[str, Any]
    kind: TransferKind
    core: dict[str, Any]
    ext: dict[str, Any]
    tag_key: tuple[int, str | None] | None = None  # (site id, tag key) the importer checked


class Batch:
    """One run of new assets: ``prepare`` each, then ``clashing()`` and ``write`` the clean ones."""

    def __init__(self) -> None:
        self.rows: list[NewAsset] = []
        self.checks = writes.DeferredUniqueness()
        self.tags: set[tuple[int, str]] = set()
        self._kinds: dict[str, asset_kinds.AssetKind | None] = {}

    def kind(self, type_name: str) -> asset_kinds.AssetKind | None:
        """``asset_kinds.get``, looked up once per type and run."""
        if type_name not in self._kinds:
            self._kinds[type_name] = asset_kinds.get(type_name)
        return self._kinds[type_name]

    def __len__(self) -> int:
        return len(self.rows)

    def prepare(self, row: NewAsset) -> bool:
        """The rules of ``create_asset`` on ``row`` (uniqueness deferred); False if any refuses it."""
        kind = self.kind(row.kind.type_name)
        self.checks.row = row.index
        fields, ext = row.core, row.ext
        try:
            with writes.deferred_uniqueness(self.checks):
                if kind is not None and kind.rules:
                    flat = {**fields, **ext}
                    for rule in kind.rules:
                        rule(flat, None, None)
                    fields = {k: v for k, v in flat.items() if k in ASSET_FIELDS}
                    ext = {k: v for k, v in flat.items() if k not in ASSET_FIELDS and k != "version"}
                if ext and (kind is None or kind.extension_model is None):
                    return False
                if fields.get("site_id") != row.core.get("site_id") or \
                        fields.get("location_id") != row.core.get("location_id"):
                    return False  # a rule moved it: let the ordinary path check the new place
                # The tag's uniqueness (the (site, tag key) constraint) was checked by the importer on the
                # key the record came with: stored assets (one indexed query per chunk), this file's
                # earlier rows and this run's. A claim here would cost a scan of every asset's
                # lower(asset_tag) per run, a quadratic import. A rule that changed the tag sends the
                # row the ordinary way, where create_asset checks the new one.
                if row.tag_key is None or (fields["site_id"], normal_key([fields.get("asset_tag")])) != row.tag_key:
                    return False
                events.check("asset_validate", action="create", asset=None, asset_type=row.kind.type_name,
                             fields=dict(fields), extension_fields=dict(ext))
        except Exception:  # noqa: BLE001 - whatever refuses it, the ordinary path says it exactly
            return False
        row.core, row.ext = fields, ext
        self.rows.append(row)
        return True

    def clashing(self) -> set[int]:
        """Indexes of the prepared rows whose uniqueness claims are taken (stored or earlier in the run)."""
        return self.checks.clashing_rows() if self.rows else set()

    def write(self, rows: list[NewAsset], spool: Any) -> list[int]:
        """Insert ``rows`` (clean, in file order) with their audit entries, documents and events."""
        if not rows:
            return []
        type_ids = dict(db.session.execute(select(AssetType.name, AssetType.id)).all())
        assets = [{**row.core, "asset_type_id": type_ids[row.kind.type_name]} for row in rows]
        audited: list[dict[str, Any]] = []
        ids = writes.create_many(Asset, assets, new_ids=True, snapshots=audited)
        site_of = {asset["assetid"]: asset["site_id"] for asset in assets}
        by_model: dict[type, list[dict[str, Any]]] = {}
        extensions: list[dict[str, Any] | None] = []
        for row, asset in zip(rows, assets, strict=True):
            kind = self.kind(row.kind.type_name)
            if kind is None or kind.extension_model is None:
                extensions.append(None)
                continue
            extension = {**row.ext, "assetid": asset["assetid"]}
            by_model.setdefault(kind.extension_model, []).append(extension)
            extensions.append(extension)
        extension_audited: dict[int, dict[str, Any]] = {}  # assetid → its extension row's audited snapshot
        for model, extension_rows in by_model.items():
            snapshots: list[dict[str, Any]] = []
            writes.create_many(model, extension_rows, site_of=site_of, snapshots=snapshots)
            extension_audited.update(zip((r["assetid"] for r in extension_rows), snapshots, strict=True))
        search_index.rebuild(ids)
        if events.bus() is not None and events.bus().subscriptions.get(CREATED):
            # The event's data is the audited snapshots (asset and extension), copied: what the audit says.
            for row, asset, snapshot, extension in zip(rows, assets, audited, extensions, strict=True):
                data = dict(snapshot)
                data["asset_type"] = row.kind.type_name
                if extension is not None:
                    data.update({k: v for k, v in extension_audited[asset["assetid"]].items() if k != "assetid"})
                spool.add(CREATED, {"assetid": asset["assetid"], "asset_type": row.kind.type_name,
                                    "site_id": asset["site_id"], "data": data})
        return ids
