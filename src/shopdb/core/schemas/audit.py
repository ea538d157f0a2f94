"""The audit log as admins read it (``GET /api/v1/audit``): changes and access events alike."""

from __future__ import annotations

from marshmallow import fields

from .asset import AuditEntrySchema


class AuditRecordSchema(AuditEntrySchema):
    """One audit row: who (``user_id``, ``username``), when (``at``), from where (``address``), what."""

    user_id = fields.Int(allow_none=True)
    assetid = fields.Int(allow_none=True)
    site_id = fields.Int(allow_none=True)
    address = fields.Str(allow_none=True, metadata={"description": "the client's address"})
