"""Dumping a response without marshmallow's per-field dispatch (docs/adr/0027).

A list page is 50 rows of 15-30 fields. marshmallow dumps each field through five Python calls
(``Field.serialize`` → ``Field.get_value`` → ``Schema.get_attribute`` → ``utils.get_value`` →
``_get_value_for_key``) before the field's own ``_serialize`` formats the value: a quarter of a list
request went there. A *dump plan* reads the same declared fields once per schema instance and does
what those calls do inline, then calls each field's own ``_serialize`` — so every format (RFC 3339
timestamps, ``Nested``, ``Function``, ``List``) stays marshmallow's, and hooks (``pre_dump``/
``post_dump``) still run in ``Schema.dump`` around it.

A schema or field that changes how values are *fetched* (its own ``get_attribute``, ``serialize`` or
``get_value``, a dotted ``attribute``) gets no plan and is dumped by marshmallow itself.
tests/test_schema_dumping.py holds the two equal on every response schema the app serves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from marshmallow import Schema, fields, missing


class FieldStep(NamedTuple):
    key: str  # the output key (``data_key`` or the attribute name)
    attr_name: str  # what ``_serialize`` is told (marshmallow passes the schema's attribute name)
    source: str  # where the value is read (``attribute`` or the attribute name)
    check_attribute: bool  # False for fields that compute their value (``Function``, ``Method``)
    dump_default: Any
    serialize: Callable[..., Any]  # the field's own ``_serialize``


def plan_for(schema: Schema) -> tuple[FieldStep, ...] | None:
    """The steps that dump ``schema`` as marshmallow would, or None when it must do it itself."""
    if type(schema).get_attribute is not Schema.get_attribute or schema.dict_class is not dict:
        return None
    steps = []
    for attr_name, field in schema.dump_fields.items():
        kind = type(field)
        if kind.serialize is not fields.Field.serialize or kind.get_value is not fields.Field.get_value:
            return None
        source = field.attribute if field.attribute is not None else attr_name
        if "." in source:
            return None
        key = field.data_key if field.data_key is not None else attr_name
        steps.append(FieldStep(key, attr_name, source, field._CHECK_ATTRIBUTE, field.dump_default,
                               field._serialize))
    return tuple(steps)


def dump_one(steps: tuple[FieldStep, ...], obj: Any) -> dict[str, Any]:
    """One object by ``steps``: ``Schema._serialize(obj, many=False)`` without the per-field calls."""
    result: dict[str, Any] = {}
    # utils._get_value_for_key: obj[key] when obj is subscriptable (falling back to its attribute), else getattr
    item = obj.__getitem__ if hasattr(obj, "__getitem__") else None
    for key, attr_name, source, check_attribute, dump_default, serialize in steps:
        if check_attribute:
            if item is None:
                value = getattr(obj, source, missing)
            else:
                try:
                    value = item(source)
                except (KeyError, IndexError, TypeError, AttributeError):
                    value = getattr(obj, source, missing)
            if value is missing:
                value = dump_default() if callable(dump_default) else dump_default
                if value is missing:
                    continue
        else:
            value = None
        result[key] = serialize(value, attr_name, obj)
    return result
