from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import ValidationError, fields, validate

from shopdb.plugins.toolkit import Id, StrictSchema, Text

from ..models import SEVERITIES, SOURCE_MANUAL, now_seconds

SOURCE = r"^[a-z][a-z0-9_.-]*$"

# What people read for the notices' own fields (their OpenAPI titles); the core names the shared ones.
TITLES = {
    "title": "Title",
    "message": "Message",
    "severity": "Severity",
    "starts_at": "Starts",
    "ends_at": "Ends",
    "source": "Source",
    "acknowledged": "Acknowledged",
    "notification_id": "Notice",
    "acked_at": "Acknowledged at",
}


class UtcDateTime(fields.NaiveDateTime):
    """ISO 8601; a time with an offset is converted to UTC, one without is taken as UTC.

    Stored to the second (MySQL's DATETIME keeps no fraction by default), between 1970 and 9999.
    """

    def __init__(self, **kwargs: Any):
        super().__init__(timezone=dt.UTC, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dt.datetime:
        result = super()._deserialize(value, attr, data, **kwargs)
        if not 1970 <= result.year <= 9998:  # 9998: one more day must still fit for ends_at
            raise ValidationError("Must be between 1970 and 9998.")
        return result.replace(microsecond=0)


class NotificationSchema(StrictSchema):
    """A notice; ``site_id`` null means every site, ``ends_at`` null means until ended."""

    field_titles = TITLES

    id = fields.Int(dump_only=True)
    title = Text(200, required=True)
    message = Text(5000, allow_none=True)
    severity = fields.Str(load_default="info", validate=validate.OneOf(SEVERITIES))
    site_id = Id(allow_none=True)
    assetid = Id(allow_none=True)
    starts_at = UtcDateTime(load_default=now_seconds)
    ends_at = UtcDateTime(allow_none=True)
    source = Text(32, load_default=SOURCE_MANUAL,
                  metadata={"description": "who raised it: manual, or the plugin that did (e.g. equipment)"},
                  validate=validate.Regexp(SOURCE, error="Lowercase letters, digits and . _ - only, "
                                                         "starting with a letter."))
    created_by = fields.Str(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    version = fields.Int(strict=True, validate=validate.Range(min=1))
    acknowledged = fields.Bool(dump_only=True, metadata={"description": "only for an authenticated caller"})


class NotificationAckRequestSchema(StrictSchema):
    """An acknowledgement carries no data: who and when come from the request."""


class NotificationAckSchema(StrictSchema):
    field_titles = TITLES

    id = fields.Int()
    notification_id = fields.Int()
    user_id = fields.Int()
    username = fields.Str()
    acked_at = fields.DateTime()
