from __future__ import annotations

from marshmallow import fields, validate

from ..models import ROLES
from .common import StrictBool, StrictSchema, Text


class TokenRequestSchema(StrictSchema):
    username = Text(64, required=True)
    password = fields.Str(required=True, load_only=True, validate=validate.Length(max=1024))
    name = Text(120, load_default="api")
    expires_in_days = fields.Int(strict=True, validate=validate.Range(min=1, max=3650), allow_none=True)


class TokenSchema(StrictSchema):
    id = fields.Int()
    token = fields.Str(metadata={"description": "shown once; only its hash is stored"})
    name = fields.Str()
    prefix = fields.Str()
    username = fields.Str()
    role = fields.Str()
    created_at = fields.DateTime()
    expires_at = fields.DateTime(allow_none=True)


class LoginSchema(StrictSchema):
    username = Text(64, required=True)
    password = fields.Str(required=True, load_only=True, validate=validate.Length(max=1024))


class UserSchema(StrictSchema):
    id = fields.Int(dump_only=True)
    username = Text(64, required=True, validate=validate.Regexp(r"^[A-Za-z0-9_.@-]+$"))
    password = fields.Str(
        required=True, load_only=True, validate=validate.Length(min=10, max=1024)
    )
    role = fields.Str(load_default="viewer", validate=validate.OneOf(ROLES))
    site_ids = fields.List(fields.Int(strict=True), load_default=list)
    is_active = StrictBool(load_default=True)
    created_at = fields.DateTime(dump_only=True)


class SessionSchema(StrictSchema):
    """What ``POST /auth/login`` answers: the session's user and the CSRF token its writes send."""

    username = fields.Str()
    role = fields.Str()
    csrf_token = fields.Str()


class MeSchema(StrictSchema):
    id = fields.Int()
    username = fields.Str()
    role = fields.Str()
    site_ids = fields.List(fields.Int(), metadata={"description": "empty: every site"})
    csrf_token = fields.Str(allow_none=True, metadata={"description": "only for a browser session"})
