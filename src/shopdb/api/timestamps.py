"""Timestamps on the wire: RFC 3339 with an offset, always.

The database keeps naive UTC (MySQL's DATETIME has no zone), but a time without an offset means
"local time somewhere" to a client, and sister plants sit in other zones. Every timestamp the API
emits — marshmallow fields (``StrictSchema``), plain dicts (the JSON provider), audit snapshots —
goes through ``rfc3339``, so each one ends in ``Z`` (UTC) or its own offset.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

# ``2026-11-30T01:38:54`` or ``...54.663092``, with no offset: what ``isoformat()`` of naive UTC wrote.
_NAIVE_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?$")


def rfc3339(value: dt.datetime) -> str:
    """``2026-11-30T01:38:54.663092Z`` for naive UTC; an aware time keeps its own offset."""
    if value.tzinfo is None:
        return value.isoformat() + "Z"
    if value.utcoffset() == dt.timedelta(0):
        return value.replace(tzinfo=None).isoformat() + "Z"
    return value.isoformat()


def with_offset(value: Any) -> Any:
    """A stored ISO text of naive UTC (old audit snapshots) as RFC 3339; anything else unchanged."""
    if isinstance(value, dt.datetime):
        return rfc3339(value)
    if isinstance(value, str) and _NAIVE_ISO.match(value):
        return value + "Z"
    return value
