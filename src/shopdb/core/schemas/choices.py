"""``ChoiceField``: a string field whose values come from an open choice set (docs/adr/0013)."""

from __future__ import annotations

from collections.abc import Sequence

from marshmallow import ValidationError, fields, validate

from ..models.choice import SLUG_MAX, SLUG_PATTERN
from ..services import choices
from .common import StrictSchema, Text


class ChoiceField(fields.String):
    """A slug of the choice set ``set_name``, checked against the set's values at load time.

    The OpenAPI shows the bundled values (``example``, ``x-choice-examples``; the set is open, so it is
    no ``enum``) and names the set in ``x-choice-set``: clients (the UI's forms) read the current values from
    ``GET /api/v1/choices/<set_name>``.
    """

    def __init__(self, set_name: str, *, examples: Sequence[str] = (), **kwargs):
        metadata = dict(kwargs.pop("metadata", None) or {})
        metadata.setdefault("x-choice-set", set_name)
        if examples:
            metadata.setdefault("example", examples[0])
            # OpenAPI 3.0's schema object has one ``example``; the whole bundled list goes in an extension.
            metadata.setdefault("x-choice-examples", list(examples))
        metadata.setdefault(
            "description",
            f"A value of the choice set `{set_name}` (GET /api/v1/choices/{set_name})"
            + (f"; bundled: {', '.join(examples)}" if examples else "") + ".")
        super().__init__(metadata=metadata, **kwargs)
        self.set_name = set_name

    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs).strip()
        allowed = choices.slugs(self.set_name)
        if result not in allowed:
            raise ValidationError(f"Must be one of: {', '.join(allowed)}.")
        return result


class ChoiceSchema(StrictSchema):
    slug = Text(SLUG_MAX, required=True, metadata={"description": "what rows store: a-z, 0-9 and _"},
                validate=validate.Regexp(SLUG_PATTERN, error="Use lower-case letters, digits and '_'."))
    label = Text(120, required=True, metadata={"description": "what people read"})
    built_in = fields.Bool(dump_only=True)
    plugin = fields.Str(dump_only=True, allow_none=True)
    position = fields.Int(dump_only=True)


class ChoiceSetSchema(StrictSchema):
    name = fields.Str(dump_only=True)
    plugin = fields.Str(dump_only=True, allow_none=True)
    stored_in = fields.List(fields.Str(), dump_only=True,
                            metadata={"description": "the table.column pairs that store its slugs"})
    values = fields.List(fields.Nested(ChoiceSchema), dump_only=True)
