from __future__ import annotations

from zoneinfo import available_timezones

from marshmallow import fields, validate

from .common import StrictSchema, Text


class SiteSchema(StrictSchema):
    id = fields.Int(dump_only=True)
    code = Text(16, required=True, validate=validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"))
    name = Text(120, required=True)
    timezone = Text(64, load_default="UTC")
    version = fields.Int(strict=True, validate=validate.Range(min=1))
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)

    @staticmethod
    def valid_timezone(value: str) -> bool:
        return value in available_timezones() or value == "UTC"
