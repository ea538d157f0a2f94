from __future__ import annotations

from marshmallow import fields

from .common import StrictSchema


class PluginHealthSchema(StrictSchema):
    state = fields.Str()
    version = fields.Str(allow_none=True)
    pending_migrations = fields.Int(allow_none=True)
    error = fields.Str(allow_none=True)
    ui = fields.Str(allow_none=True, metadata={
        "description": "URL of the plugin's own UI module (an ES module the web UI imports), if it ships one",
        "example": "/plugins/pipgizmo/index.js"})


class HealthSchema(StrictSchema):
    status = fields.Str(metadata={"enum": ["ok", "degraded"]})
    version = fields.Str()
    database = fields.Str(metadata={"enum": ["ok", "unreachable"]})
    plugins = fields.Dict(keys=fields.Str(), values=fields.Nested(PluginHealthSchema))
