from __future__ import annotations

from marshmallow import fields, validate

from ..models import LOCATION_KINDS
from .common import Id, StrictSchema, Text


class LocationSchema(StrictSchema):
    id = fields.Int(dump_only=True)
    site_id = Id(required=True)
    parent_id = Id(allow_none=True, load_default=None)
    name = Text(120, required=True)
    kind = fields.Str(load_default="area", validate=validate.OneOf(LOCATION_KINDS))
    x = fields.Float(allow_none=True, validate=validate.Range(min=-1e6, max=1e6))
    y = fields.Float(allow_none=True, validate=validate.Range(min=-1e6, max=1e6))
    path = fields.Str(dump_only=True)
    version = fields.Int(strict=True, validate=validate.Range(min=1))
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
