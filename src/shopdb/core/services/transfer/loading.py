"""Schema loads at import speed: a field that is a pure function of its text remembers its answers.

An import loads every record through its kind's schema (the API's rules, unchanged). Most of that cost
is the fields, and a plant repeats most of its values (statuses, manufacturers, models, OS names,
choice slugs...). ``quicken`` wraps the fields of the importer's own schema instances whose result
depends on nothing but the value: marshmallow's and the core's field classes (``Text``,
``ChoiceField``, ``Hostname``, ``MacAddress``...; choice sets are read once per import) with only
marshmallow's own validators and no field hooks. For a string (or an integer) it runs the field's ``_deserialize``
and validators as ``Field.deserialize`` would (its other steps only concern a missing or ``None``
value) and keeps the result when it is immutable; a value seen before is answered from memory. Errors
are never remembered: a bad value raises the field's own error every time. A field whose values
hardly repeat (tags, serial numbers) stops remembering after a while; the memory of each field is
bounded. Every other field, and every other kind of value, goes through ``Field.deserialize``.
The schema's own per-record loop is replaced too (``_LoadPlan``): the same steps, without marshmallow's
closure and error-store call per field. tests/test_transfer_fast_paths.py holds both to marshmallow's
answers for every kind.
"""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, INCLUDE, RAISE, Schema, ValidationError, fields, missing, validate

# Modules whose field classes deserialize a value from the value alone.
_PURE_MODULES = frozenset({"marshmallow.fields", "shopdb.core.schemas.common", "shopdb.core.schemas.addresses",
                           "shopdb.core.schemas.choices"})
_IMMUTABLE = (str, int, float, bool, type(None))
_SIZE = 4096  # answers kept per field (then forgotten and started again)
_TRIAL = 2000  # calls after which a field that is rarely answered from memory stops remembering


def quicken(schema: Schema) -> Schema:
    """Wrap ``schema``'s pure fields in place (an instance the caller owns) and give it a load plan;
    returns it."""
    for field in schema.fields.values():
        if _pure(field):
            field.deserialize = _Remembering(field)  # type: ignore[method-assign]
    if _LoadPlan.fits(schema):
        schema._deserialize = _LoadPlan(schema)  # type: ignore[method-assign]
    return schema


class _LoadPlan:
    """``Schema._deserialize`` for one record (``many=False``), without its per-field closures.

    marshmallow builds a getter closure per field and record, calls it through ``_call_and_store`` and
    stores each value with ``set_value``: a fifth of an import's load. This does the same steps inline,
    in the same order, with the same errors: each field's ``deserialize`` (``_Remembering`` where it
    is pure), a refused value's messages under the field's name, ``unknown`` keys as the schema says.
    Hooks and validators stay ``Schema._do_load``'s. Anything else (``many``, a partial list of names,
    not a dict) goes to marshmallow's own ``_deserialize``.
    """

    __slots__ = ("schema", "steps", "names")

    def __init__(self, schema: Schema):
        self.schema = schema
        # (name in the data, key of the result, the field's deserialize) in the schema's field order
        self.steps = [(field.data_key if field.data_key is not None else attr, field.attribute or attr,
                       field.deserialize) for attr, field in schema.load_fields.items()]
        self.names = {name for name, _, _ in self.steps}

    @staticmethod
    def fits(schema: Schema) -> bool:
        """Only a schema whose loading is marshmallow's own, into plain dicts, under plain keys."""
        return (type(schema)._deserialize is Schema._deserialize and schema.dict_class is dict
                and not any("." in (field.attribute or "") for field in schema.load_fields.values()))

    def __call__(self, data: Any, *, error_store: Any, many: bool = False, partial: Any = None,
                 unknown: str = RAISE, index: Any = None) -> Any:
        if many or type(data) is not dict or partial not in (None, True, False):
            return Schema._deserialize(self.schema, data, error_store=error_store, many=many, partial=partial,
                                       unknown=unknown, index=index)
        index = index if self.schema.opts.index_errors else None
        result: dict[str, Any] = {}
        get = data.get
        for name, key, deserialize in self.steps:
            raw = get(name, missing)
            if raw is missing and partial is True:
                continue
            try:
                value = (deserialize(raw, name, data) if partial is None
                         else deserialize(raw, name, data, partial=partial))
            except ValidationError as error:
                error_store.store_error(error.messages, name, index=index)
                value = error.valid_data or missing
            if value is not missing:
                result[key] = value
        if unknown != EXCLUDE:
            for key in set(data) - self.names:
                if unknown == INCLUDE:
                    result[key] = data[key]
                elif unknown == RAISE:
                    error_store.store_error([self.schema.error_messages["unknown"]], key, index)
        return result


def _pure(field: fields.Field) -> bool:
    if isinstance(field, fields.Nested | fields.List | fields.Dict | fields.Method | fields.Function):
        return False
    if getattr(field, "pre_load", None) or getattr(field, "post_load", None):
        return False
    for klass in type(field).__mro__:
        if klass is object:
            break
        if klass.__module__ not in _PURE_MODULES and any(
                name in vars(klass) for name in ("deserialize", "_deserialize", "_validate", "_validate_all")):
            return False
    return all(_pure_validator(v) for v in field.validators)


def _pure_validator(validator: object) -> bool:
    """One of marshmallow's own validators (``And`` only if every validator it holds is)."""
    if isinstance(validator, validate.And):
        return all(_pure_validator(v) for v in validator.validators)
    return type(validator).__module__ == validate.__name__


class _Remembering:
    __slots__ = ("field", "answers", "calls", "hits", "remember")

    def __init__(self, field: fields.Field):
        self.field = field
        self.answers: dict[Any, Any] = {}
        self.calls = 0
        self.hits = 0
        self.remember = True

    def __call__(self, value: Any, attr: str | None = None, data: Any = None, **kwargs: Any) -> Any:
        field = self.field
        kind = type(value)
        if kind is not str and kind is not int:  # (int: a CSV cell typed for an integer field)
            return type(field).deserialize(field, value, attr, data, **kwargs)
        key = value if kind is str else (int, value)  # 1 and "1" (and True) must not share an answer
        if self.remember:
            answer = self.answers.get(key, self)
            if answer is not self:
                self.hits += 1
                return answer
        # Field.deserialize for a str or int: not missing, not None, so straight to these two steps.
        output = field._deserialize(value, attr, data, **kwargs)
        field._validate(output)
        if self.remember:
            self.calls += 1
            if self.calls == _TRIAL and self.hits * 4 < self.calls:
                self.remember = False
                self.answers.clear()
            elif isinstance(output, _IMMUTABLE):
                if len(self.answers) >= _SIZE:
                    self.answers.clear()
                self.answers[key] = output
        return output
