"""Base schema conventions: unknown fields are refused, strings are trimmed and bounded, timestamps carry
their offset."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import ClassVar

from marshmallow import RAISE, Schema, fields, post_load, validate

from ...api.errors import MAX_INT
from ...api.timestamps import rfc3339
from .dumping import dump_one, plan_for
from .titles import FIELD_TITLES


def _timestamp_text(value: dt.datetime) -> str:
    if not isinstance(value, dt.datetime):
        # Text here means a dict was dumped twice: views hand raw values to their response schema.
        raise TypeError(f"A DateTime field dumps a datetime, got {value!r} (docs/adr/0011).")
    return rfc3339(value)


# How a DateTime field writes "iso": RFC 3339 with the offset (naive values are UTC), not naive ISO.
_RFC3339_FORMATS = {**fields.DateTime.SERIALIZATION_FUNCS, "iso": _timestamp_text, "iso8601": _timestamp_text}


def _titles_of(schema_cls: type) -> Mapping[str, str]:
    """The ``field_titles`` of the class and its bases merged, the nearest class winning."""
    merged = vars(schema_cls).get("_merged_field_titles")
    if merged is None:
        merged = {}
        for klass in reversed(schema_cls.__mro__):
            merged.update(vars(klass).get("field_titles", {}))
        # Kept on the class itself (not a global cache), so it goes when a reloaded plugin's class goes.
        schema_cls._merged_field_titles = merged  # type: ignore[attr-defined]
    return merged


class StrictSchema(Schema):
    """Base of every request and response schema, the core's and the plugins'."""

    #: The OpenAPI ``title`` (the label the web UI shows) of each field, by attribute name, added to those
    #: of the base classes. Here the core's words (``titles.py``); a plugin's schemas add theirs. A field's
    #: own ``metadata={"title": ...}`` wins over both.
    field_titles: ClassVar[Mapping[str, str]] = FIELD_TITLES

    class Meta:
        unknown = RAISE
        ordered = True

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        title = field_obj.metadata.get("title") or _titles_of(type(self)).get(field_name)
        if title:
            # A new dict: the metadata may be shared with the class's declared field.
            field_obj.metadata = {**field_obj.metadata, "title": title}
        # Every timestamp field (DateTime, NaiveDateTime, AwareDateTime, a plugin's own subclass) emits
        # its offset: the OpenAPI says ``date-time`` (RFC 3339), and stored values are naive UTC.
        if isinstance(field_obj, fields.DateTime):
            field_obj.SERIALIZATION_FUNCS = _RFC3339_FORMATS

    def _serialize(self, obj, *, many: bool = False):
        """marshmallow's ``_serialize`` by a dump plan made once per schema instance (``dumping.py``)."""
        steps = self.__dict__.get("_dump_steps", False)
        if steps is False:
            steps = self._dump_steps = plan_for(self)
        if steps is None:
            return super()._serialize(obj, many=many)
        if many and obj is not None:
            return [dump_one(steps, item) for item in obj]
        return dump_one(steps, obj)

    @post_load
    def _naive_utc(self, data: dict, **_kwargs) -> dict:
        """Timestamps are stored as naive UTC everywhere (MySQL DATETIME has no zone): convert
        ``2026-05-01T10:00:00+02:00`` to ``08:00`` instead of silently dropping the offset."""
        for key, value in data.items():
            if isinstance(value, dt.datetime) and value.tzinfo is not None:
                data[key] = value.astimezone(dt.UTC).replace(tzinfo=None)
        return data


class Text(fields.String):
    """A trimmed string with a maximum length (so a 10,000-character value is a 422, not a 500)."""

    def __init__(self, max_length: int, *, blank: bool = False, **kwargs):
        extra = kwargs.pop("validate", None)
        validators = [validate.Length(max=max_length)]
        if extra is not None:
            validators.extend(extra if isinstance(extra, list | tuple) else [extra])
        if not blank and kwargs.get("required"):
            validators.append(validate.Length(min=1, error="Must not be empty."))
        super().__init__(validate=validators, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        return result.strip() if isinstance(result, str) else result


class StrictBool(fields.Boolean):
    """Only JSON ``true``/``false``: "yes", "on" or 1 for a safety flag like ``approved`` is a 422."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


def Id(**kwargs) -> fields.Integer:  # noqa: N802 - reads like a field class
    """A strict positive integer id (``"5"`` and ``5.5`` are refused)."""
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_INT), **kwargs)


