"""OpenAPI helpers: document the envelopes of SPEC §5 from the resource schemas themselves."""

from __future__ import annotations

import datetime as dt
from functools import cache
from http import HTTPStatus
from typing import Any

from apispec import BasePlugin
from apispec.ext.marshmallow.common import resolve_schema_cls
from flask.json.provider import DefaultJSONProvider
from marshmallow import Schema, fields

from .timestamps import rfc3339


class IsoJSONProvider(DefaultJSONProvider):
    """Dates as ISO 8601 and timestamps as RFC 3339 with their offset (Flask's default is the HTTP date
    format), for every dict a view returns without a schema."""

    @staticmethod
    def default(o: Any) -> Any:
        if isinstance(o, dt.datetime):
            return rfc3339(o)
        if isinstance(o, dt.date):
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
    page = fields.Int(allow_none=True, metadata={
        "title": "Page", "description": "this page's number; null when asked by `after`"})
    per_page = fields.Int(metadata={"title": "Per page"})
    total = fields.Int(metadata={"title": "Total", "description": "rows matching the filters; a lower bound when "
                                 "`total_is_exact` is false (counted up to SHOPDB_COUNT_CAP, ADR 0019)"})
    pages = fields.Int(metadata={"title": "Pages", "description": "pages of `per_page` rows in `total`"})
    total_is_exact = fields.Bool(metadata={"title": "Total is exact",
                                           "description": "false when there are more than `total` rows"})
    next = fields.Str(allow_none=True, metadata={
        "title": "Next page", "description": "cursor of the following page: pass it as `after`; null on the last page"})


class ErrorBodySchema(Schema):
    code = fields.Str(required=True, metadata={"title": "Code",
                                               "description": "stable, machine-readable (e.g. not_found)"})
    message = fields.Str(required=True, metadata={"title": "Message"})
    details = fields.Dict(required=True, metadata={"title": "Details",
                                                   "description": "e.g. fields: {name: [messages]} on 422"})


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)


WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})


class DeclaredErrors(BasePlugin):
    """Declares on every operation the error statuses it can answer, from what its route states.

    Every error leaves through one handler in one format (``errors.py``), so which statuses an
    operation can return follows from a few facts, stated once here instead of on each view:
    any request may carry a bad query, header or token (400, 401), go over a rate limit (429) and
    meet a database that is down (503); a path with ids may name nothing (404); a body may be too
    large or invalid (413, 422); a write refuses a read-only token (403); a view under
    ``require_role`` refuses callers without it (403) and, when it writes, refuses duplicates and
    stale versions (409) and stale ``If-Match`` on an existing object (412).
    """

    def __init__(self, app: Any):
        self.app = app

    def _view(self, rule: Any, method: str) -> Any:
        view = self.app.view_functions.get(rule.endpoint) if rule is not None else None
        view_class = getattr(view, "view_class", None)
        return getattr(view_class, method, None) if view_class is not None else view

    def operation_helper(self, path: str | None = None, operations: dict | None = None, **kwargs: Any) -> None:
        rule = kwargs.get("rule")
        for method, operation in (operations or {}).items():
            if method not in {"get", "head", "post", "put", "patch", "delete"}:
                continue
            view = self._view(rule, method)
            protected = getattr(view, "required_role", None) is not None
            if getattr(view, "public", False):
                operation["security"] = []  # answers without a login (shopdb.auth.access.public)
            else:
                operation.setdefault("security", [{"bearerAuth": []}, {"sessionCookie": []}])
            on_object = bool(rule is not None and rule.arguments)
            codes = {400, 401, 429, 503}
            if on_object:
                codes.add(404)
            if "requestBody" in operation:
                codes |= {413, 422}
            if protected or (method in WRITE_METHODS and not getattr(view, "public", False)):
                codes.add(403)
            if protected and method in WRITE_METHODS:
                codes.add(409)
                if on_object:
                    codes.add(412)
            responses = operation.setdefault("responses", {})
            declared = {str(code) for code in responses}
            for code in sorted(codes):
                if str(code) not in declared:
                    responses[code] = HTTPStatus(code).name  # flask-smorest's error response component


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
        {"data": fields.List(fields.Nested(schema), metadata={"title": "Items"}), "meta": fields.Nested(MetaSchema)},
        name=f"{_name(schema)}List",
    )


LIST_PARAMETERS = [
    {"in": "query", "name": "page", "schema": {"type": "integer", "minimum": 1}},
    {"in": "query", "name": "per_page", "schema": {"type": "integer", "minimum": 1, "maximum": 500}},
    {"in": "query", "name": "after", "schema": {"type": "string"},
     "description": "`meta.next` of the previous page: the rows after it in the same sort, at the cost of "
                    "the first page whatever the depth; not with `page`"},
    {"in": "query", "name": "q", "schema": {"type": "string"}, "description": "search"},
    {"in": "query", "name": "sort", "schema": {"type": "string"},
     "description": "comma-separated fields, '-' prefix for descending"},
]
