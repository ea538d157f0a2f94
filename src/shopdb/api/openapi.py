"""OpenAPI helpers: document the envelopes of SPEC §5 from the resource schemas themselves."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

from apispec.ext.marshmallow.common import resolve_schema_cls
from flask.json.provider import DefaultJSONProvider
from marshmallow import Schema, fields


class IsoJSONProvider(DefaultJSONProvider):
    """Dates as ISO 8601 (Flask's default is the HTTP date format)."""

    @staticmethod
    def default(o: Any) -> Any:
        if isinstance(o, dt.datetime | dt.date):
            return o.isoformat()
        return DefaultJSONProvider.default(o)


def schema_name_resolver(schema: Any) -> str:
    """Name OpenAPI components after the class; a partial (PATCH) schema gets its own name."""
    cls = resolve_schema_cls(schema)
    name = cls.__name__.removesuffix("Schema")
    if getattr(schema, "partial", False):
        name += "Patch"
    return name


class MetaSchema(Schema):
    page = fields.Int()
    per_page = fields.Int()
    total = fields.Int()
    pages = fields.Int()


class ErrorBodySchema(Schema):
    code = fields.Str()
    message = fields.Str()
    details = fields.Dict()


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema)


def _name(schema: type[Schema]) -> str:
    return schema.__name__.removesuffix("Schema")


@cache
def envelope(schema: type[Schema]) -> type[Schema]:
    """``{"data": <schema>}``, named after the schema for the OpenAPI document."""
    return Schema.from_dict({"data": fields.Nested(schema)}, name=f"{_name(schema)}Envelope")


@cache
def list_envelope(schema: type[Schema]) -> type[Schema]:
    """``{"data": [<schema>], "meta": {...}}``."""
    return Schema.from_dict(
        {"data": fields.List(fields.Nested(schema)), "meta": fields.Nested(MetaSchema)},
        name=f"{_name(schema)}List",
    )


LIST_PARAMETERS = [
    {"in": "query", "name": "page", "schema": {"type": "integer", "minimum": 1}},
    {"in": "query", "name": "per_page", "schema": {"type": "integer", "minimum": 1, "maximum": 500}},
    {"in": "query", "name": "q", "schema": {"type": "string"}, "description": "search"},
    {"in": "query", "name": "sort", "schema": {"type": "string"},
     "description": "comma-separated fields, '-' prefix for descending"},
]
