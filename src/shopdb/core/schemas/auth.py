"""Requests and answers of ``/api/v1/auth`` and ``/api/v1/users``: no schema ever dumps a secret."""

from __future__ import annotations

from marshmallow import fields, validate

from ..models import ROLES
from ..models.user import AUTH_SOURCES
from .common import StrictBool, StrictSchema, Text

PASSWORD = validate.Length(max=1024)
NEW_PASSWORD = validate.Length(min=10, max=1024)


class TokenRequestSchema(StrictSchema):
    """``username`` + ``password`` log in for the token; without them, a logged-in caller mints one for
    themselves. ``expires_in_days`` omitted: the configured default; ``null``: no expiry (admins only,
    unless the default is 0)."""

    username = Text(64)
    password = fields.Str(load_only=True, validate=PASSWORD)
    name = Text(120, load_default="api")
    expires_in_days = fields.Int(strict=True, validate=validate.Range(min=1, max=3650), allow_none=True)
    write_enabled = StrictBool(load_default=True, metadata={"description": "false: the token may only read"})


class TokenInfoSchema(StrictSchema):
    """A token as listed: everything but the token itself."""

    id = fields.Int()
    name = fields.Str()
    prefix = fields.Str(metadata={"description": "the first characters after 'shdb_', to recognise it"})
    user_id = fields.Int()
    username = fields.Str()
    write_enabled = fields.Bool()
    created_at = fields.DateTime()
    expires_at = fields.DateTime(allow_none=True)
    last_used_at = fields.DateTime(allow_none=True, metadata={"description": "noted at most once a minute"})
    last_used_address = fields.Str(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)


class TokenSchema(TokenInfoSchema):
    """A token just created: the only time the token is shown."""

    token = fields.Str(metadata={"description": "shown once; only its hash is stored"})
    role = fields.Str()


class LoginSchema(StrictSchema):
    username = Text(64, required=True)
    password = fields.Str(required=True, load_only=True, validate=PASSWORD)


class UserSchema(StrictSchema):
    id = fields.Int(dump_only=True)
    username = Text(64, required=True, validate=validate.Regexp(r"^[A-Za-z0-9_.@-]+$"))
    password = fields.Str(required=True, load_only=True, validate=NEW_PASSWORD)
    role = fields.Str(load_default="viewer", validate=validate.OneOf(ROLES))
    site_ids = fields.List(fields.Int(strict=True), load_default=list,
                           metadata={"description": "empty: every site"})
    is_active = StrictBool(load_default=True)
    auth_source = fields.Str(dump_only=True, validate=validate.OneOf(AUTH_SOURCES),
                             metadata={"description": "where the password is checked: local or ldap"})
    last_login_at = fields.DateTime(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class UserUpdateSchema(StrictSchema):
    """What an admin may change about a user; each field is optional."""

    role = fields.Str(validate=validate.OneOf(ROLES))
    site_ids = fields.List(fields.Int(strict=True), metadata={"description": "empty: every site"})
    is_active = StrictBool(metadata={"description": "false ends the user's sessions and revokes their tokens"})
    password = fields.Str(load_only=True, validate=NEW_PASSWORD,
                          metadata={"description": "ends the user's sessions; not for directory (LDAP) users"})


class PasswordChangeSchema(StrictSchema):
    current_password = fields.Str(required=True, load_only=True, validate=PASSWORD)
    new_password = fields.Str(required=True, load_only=True, validate=NEW_PASSWORD)


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


class SessionStateSchema(MeSchema):
    """What ``GET /auth/session`` answers: whether the caller is logged in and, if so, who (as ``/auth/me``)."""

    authenticated = fields.Bool(required=True, metadata={
        "title": "Logged in",
        "description": "false: no session (none, expired or ended) and no token; the other fields are absent"})
