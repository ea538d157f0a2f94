"""Asset schemas. ``AssetFieldsSchema`` is the base of every plugin's flat asset+extension schema."""

from __future__ import annotations

from marshmallow import fields, post_dump, validate
from sqlalchemy import DateTime

from ...api.timestamps import with_offset
from ...extensions import db
from ..models import ASSET_STATUSES
from .common import Id, StrictSchema, Text


class AssetTypeSchema(StrictSchema):
    id = fields.Int(dump_only=True)
    name = Text(64, required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]*$"))
    label = Text(120, required=True)
    plugin = fields.Str(dump_only=True, allow_none=True, metadata={"description": "null for a core type"})


class AssetFieldsSchema(StrictSchema):
    """The core asset fields, as every plugin's flat object carries them (SPEC §5)."""

    assetid = fields.Int(dump_only=True)
    asset_tag = Text(64, required=True)
    name = Text(200, required=True)
    status = fields.Str(load_default="active", validate=validate.OneOf(ASSET_STATUSES))
    site_id = Id(required=True)
    location_id = Id(allow_none=True)
    manufacturer = Text(120, allow_none=True)
    model = Text(120, allow_none=True)
    serial_number = Text(120, allow_none=True)
    notes = Text(10_000, allow_none=True)
    asset_type = fields.Str(dump_only=True)
    version = fields.Int(strict=True, validate=validate.Range(min=1))
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class AssetSchema(AssetFieldsSchema):
    """A generic asset (``/api/v1/assets``): the type is named on create."""

    asset_type = Text(64, required=True)


class RelationshipSchema(StrictSchema):
    id = fields.Int(dump_only=True)
    kind = Text(32, required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]*$"))
    target_assetid = Id(required=True)
    source_assetid = fields.Int(dump_only=True)
    notes = Text(500, allow_none=True)
    direction = fields.Str(dump_only=True, metadata={"enum": ["outgoing", "incoming"]})
    other_assetid = fields.Int(dump_only=True)
    other_asset_tag = fields.Str(dump_only=True)
    other_name = fields.Str(dump_only=True)
    other_asset_type = fields.Str(dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class AuditEntrySchema(StrictSchema):
    id = fields.Int()
    at = fields.DateTime()
    username = fields.Str(allow_none=True)
    action = fields.Str()
    table_name = fields.Str()
    row_id = fields.Str()
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)

    @post_dump
    def _snapshot_timestamps_with_offset(self, data: dict, **_kwargs) -> dict:
        """Snapshots written before timestamps carried their offset hold naive UTC text: add the ``Z``."""
        table = db.metadata.tables.get(data.get("table_name") or "")
        if table is None:
            return data
        stamps = {column.key for column in table.columns if isinstance(column.type, DateTime)}
        for side in ("before", "after"):
            if data.get(side):
                data[side] = {k: with_offset(v) if k in stamps else v for k, v in data[side].items()}
        return data
