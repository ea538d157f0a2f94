"""Asset writes: the asset and its plugin extension row change together, audited and versioned.

Plugins call these with the flat body split by ``split_fields``; events ``asset_created``,
``asset_updated`` and ``asset_deleted`` are delivered after commit (see docs/PLUGIN-HOOKS.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from ... import events
from ...api.errors import Conflict, ValidationFailed
from ...extensions import db
from ..models import Asset, AssetType, Location, Site
from . import asset_kinds, audit, writes

ASSET_FIELDS = frozenset(
    {"asset_tag", "name", "status", "site_id", "location_id", "manufacturer", "model",
     "serial_number", "notes"}
)


def split_fields(data: Mapping[str, Any]) -> tuple[dict, dict, int | None]:
    """Flat body → (asset fields, extension fields, version)."""
    asset_part = {k: v for k, v in data.items() if k in ASSET_FIELDS}
    extension_part = {k: v for k, v in data.items() if k not in ASSET_FIELDS and k != "version"}
    return asset_part, extension_part, data.get("version")


def ensure_asset_type(name: str, label: str, plugin: str | None = None) -> AssetType:
    """Get or create an asset type; plugins call this from ``on_install``."""
    existing = db.session.execute(select(AssetType).where(AssetType.name == name)).scalar_one_or_none()
    if existing is not None:
        return existing
    return writes.create(AssetType, name=name, label=label, plugin=plugin)


def asset_type_by_name(name: str) -> AssetType:
    found = db.session.execute(select(AssetType).where(AssetType.name == name)).scalar_one_or_none()
    if found is None:
        raise ValidationFailed({"asset_type": [f"Unknown asset type {name!r}."]})
    return found


def ensure_unique_in_site(model: type, field: str, value: Any, site_id: int | None,
                          exclude_assetid: int | None = None) -> None:
    """An extension field unique per site (an IP...): the site lives on ``assets``, so the database
    cannot enforce it on the extension table; refuse a duplicate with 409 like ``ensure_unique``."""
    if value is None or site_id is None:
        return
    deferred = writes.deferred_checks()
    if deferred is not None and exclude_assetid is None:  # a new row of a batch (shopdb import)
        deferred.claim(model, field, value, {"site_id": site_id}, False, in_site=True)
        return
    column = getattr(model, field)
    stmt = (select(model.assetid).join(Asset, Asset.assetid == model.assetid)
            .where(column == value, Asset.site_id == site_id))
    if exclude_assetid is not None:
        stmt = stmt.where(model.assetid != exclude_assetid)
    if db.session.execute(stmt.limit(1)).first() is not None:
        raise Conflict(
            f"{field} {value!r} is already in use at this site.",
            {"fields": {field: ["Already in use."]}, "field": field, "value": value},
            code="duplicate",
        )


def _validate_placement(fields: Mapping[str, Any], asset: Asset | None) -> None:
    site_id = fields.get("site_id", asset.site_id if asset else None)
    if "site_id" in fields:
        writes.require_reference(Site, fields["site_id"], "site_id")
    location_id = fields.get("location_id", asset.location_id if asset else None)
    if location_id is not None and ("location_id" in fields or "site_id" in fields):
        location = writes.require_reference(Location, location_id, "location_id")
        if location.site_id != site_id:
            raise ValidationFailed({"location_id": ["The location belongs to another site."]})
    tag = fields.get("asset_tag")
    if tag is not None or "site_id" in fields:
        writes.ensure_unique(
            Asset, "asset_tag", tag if tag is not None else asset.asset_tag,
            scope={"site_id": site_id}, exclude=asset, case_insensitive=True,
        )


def _event_payload(asset: Asset, extension: Any | None) -> dict[str, Any]:
    data = audit.snapshot(asset)
    data["asset_type"] = asset.asset_type.name if asset.asset_type else None
    if extension is not None:
        data.update({k: v for k, v in audit.snapshot(extension).items() if k != "assetid"})
    return data


def _kind_for(type_name: str) -> asset_kinds.AssetKind | None:
    return asset_kinds.get(type_name)


def _run_rules(kind: asset_kinds.AssetKind | None, fields: dict[str, Any], extension_fields: dict[str, Any],
               asset: Asset | None, extension: Any | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The plugin's own rules on the flat fields; they may normalise them. Returns the split again."""
    if kind is None or not kind.rules:
        return fields, extension_fields
    flat = {**fields, **extension_fields}
    for rule in kind.rules:
        rule(flat, asset, extension)
    return ({k: v for k, v in flat.items() if k in ASSET_FIELDS},
            {k: v for k, v in flat.items() if k not in ASSET_FIELDS and k != "version"})


def load_extension(asset: Asset) -> Any | None:
    """The plugin row that extends ``asset`` (None for a core type or a plugin that is not enabled)."""
    kind = _kind_for(asset.asset_type.name)
    if kind is None or kind.extension_model is None:
        return None
    return db.session.get(kind.extension_model, asset.assetid)


def create_asset(
    fields: Mapping[str, Any], /, *, type_name: str, extension_fields: Mapping[str, Any] | None = None,
) -> tuple[Asset, Any | None]:
    """Create an asset (and its plugin's extension row). Call inside ``writes.transaction()``.

    The plugin that serves ``type_name`` must be enabled: its rules run here, whoever calls.
    """
    asset_type = asset_type_by_name(type_name)
    kind = _kind_for(type_name)
    if asset_type.plugin and kind is None:
        raise ValidationFailed({"asset_type": [
            f"{type_name!r} assets belong to plugin {asset_type.plugin!r}, which is not enabled."]})
    fields, ext = _run_rules(kind, dict(fields), dict(extension_fields or {}), None, None)
    if ext and (kind is None or kind.extension_model is None):
        raise ValidationFailed({name: ["Unknown field."] for name in ext})
    _validate_placement(fields, None)
    events.check("asset_validate", action="create", asset=None, asset_type=type_name, fields=dict(fields),
                extension_fields=dict(ext))
    asset = writes.create(Asset, asset_type_id=asset_type.id, **fields)
    extension = None
    if kind is not None and kind.extension_model is not None:
        extension = writes.create(kind.extension_model, assetid=asset.assetid, **ext)
    writes.emit_after_commit("asset_created", assetid=asset.assetid, asset_type=type_name,
                             site_id=asset.site_id, data=_event_payload(asset, extension))
    return asset, extension


def update_asset(
    asset: Asset, fields: Mapping[str, Any], /, *, extension_fields: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
) -> dict[str, tuple[Any, Any]]:
    """Update either part, whoever calls (a plugin endpoint, ``/api/v1/assets``, import...).

    The plugin's rules see every change, a move to another site included. The asset's ``version``
    goes up once per effective change.
    """
    writes.check_version(asset, expected_version)
    kind = _kind_for(asset.asset_type.name)
    extension = load_extension(asset)
    fields, ext = _run_rules(kind, dict(fields), dict(extension_fields or {}), asset, extension)
    if ext and extension is None:
        raise ValidationFailed({name: ["Unknown field."] for name in ext})
    _validate_placement(fields, asset)
    events.check("asset_validate", action="update", asset=asset, asset_type=asset.asset_type.name,
                fields=dict(fields), extension_fields=dict(ext))
    before = _event_payload(asset, extension)
    changes = _write_asset_and_extension(asset, fields, extension, ext)
    if changes:
        writes.emit_after_commit(
            "asset_updated", assetid=asset.assetid, asset_type=asset.asset_type.name,
            site_id=asset.site_id, changes={k: [v[0], v[1]] for k, v in changes.items()},
            before=before, after=_event_payload(asset, extension),
        )
    return changes


def _write_asset_and_extension(asset: Asset, fields: dict, extension: Any | None, ext: dict) -> dict:
    """The asset, then its extension row. A move drags the extension row to the new site in the same
    statement (ON UPDATE CASCADE, ADR 0008), *before* the new extension values are written: moving a
    PC together with a new IP, its old IP taken there, would clash on the way. The rules already
    checked the final state, so such a clash is retried in the other order, extension first."""
    def write(extension_first: bool) -> dict:
        extension_changes = writes.update(extension, ext) if extension_first and extension is not None else {}
        changes = writes.update(asset, fields)
        if extension is not None and ext and not extension_first:
            extension_changes = writes.update(extension, ext)
        if extension_changes and not changes:
            writes.touch(asset)  # the object as a whole changed: bump its version
        return {**changes, **extension_changes}

    moving = extension is not None and ext and fields.get("site_id", asset.site_id) != asset.site_id
    if not moving:
        return write(extension_first=False)
    try:
        with db.session.begin_nested():
            return write(extension_first=False)
    except (IntegrityError, OperationalError):
        return write(extension_first=True)


def delete_asset(asset: Asset, /, *, expected_version: int | None = None) -> None:
    """Delete the asset and its extension row; ``asset_deleted`` carries what it was."""
    writes.check_version(asset, expected_version)
    events.check("asset_validate", action="delete", asset=asset, asset_type=asset.asset_type.name,
                fields={}, extension_fields={})
    extension = load_extension(asset)
    payload = _event_payload(asset, extension)
    if extension is not None:
        writes.delete(extension)
    writes.delete(asset)
    writes.emit_after_commit("asset_deleted", assetid=payload["assetid"],
                             asset_type=payload["asset_type"], site_id=payload["site_id"],
                             data=payload)


def asset_to_dict(asset: Asset) -> dict[str, Any]:
    """The core asset fields of SPEC §5, ready to merge with an extension's fields."""
    return {
        "assetid": asset.assetid,
        "asset_tag": asset.asset_tag,
        "name": asset.name,
        "asset_type": asset.asset_type.name,
        "status": asset.status,
        "site_id": asset.site_id,
        "location_id": asset.location_id,
        "manufacturer": asset.manufacturer,
        "model": asset.model,
        "serial_number": asset.serial_number,
        "notes": asset.notes,
        "version": asset.version,
        "created_at": asset.created_at,
        "updated_at": asset.updated_at,
    }
