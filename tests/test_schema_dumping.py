"""Answers dumped by a dump plan are byte for byte what marshmallow itself dumps (docs/adr/0027).

The plan (``shopdb.core.schemas.dumping``) skips marshmallow's per-field dispatch for speed; these tests
hold it to marshmallow's output: every GET answer of a plant with a row of every kind, and a schema with
every way a field can be declared and a value can be absent, over generated objects and dicts.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import Schema, fields
from test_response_schemas import concrete_urls, required_query, seed_plant

from shopdb.core.schemas.common import StrictSchema, Text
from shopdb.core.schemas.dumping import plan_for


def marshmallow_dumps(monkeypatch) -> None:
    """From here on, every StrictSchema dumps through marshmallow's own ``_serialize``."""
    monkeypatch.setattr(StrictSchema, "_serialize", Schema._serialize)


def test_every_get_answer_is_what_marshmallow_itself_would_send(app, client, auth_headers, monkeypatch):
    for limiter in app.extensions.get("limiter", ()):  # a few hundred GETs a minute, by design
        monkeypatch.setattr(limiter, "enabled", False)
    seed_plant(app, client, auth_headers)
    spec = client.get("/api/v1/openapi.json", headers=auth_headers).get_json()
    answers: dict[str, bytes] = {}
    for path, item in spec["paths"].items():
        operation = item.get("get")
        if operation is None or "application/json" not in operation["responses"]["200"]["content"]:
            continue
        query = required_query(operation)
        for url in concrete_urls(client, auth_headers, spec, path):
            first = client.get(url, query_string=query, headers=auth_headers)
            again = client.get(url, query_string=query, headers=auth_headers)
            if first.status_code == 200 and first.data == again.data:  # not a clock or a counter
                answers[url + "?" + "&".join(f"{k}={v}" for k, v in query.items())] = first.data
    assert len(answers) > 100, "the plant answered too few GETs to compare"

    marshmallow_dumps(monkeypatch)
    differ = []
    for key, body in answers.items():
        url, _, query = key.partition("?")
        again = client.get(url, query_string=dict(p.split("=", 1) for p in query.split("&") if p),
                           headers=auth_headers)
        if again.data != body:
            differ.append(url)
    assert not differ, f"the dump plan answered differently from marshmallow on {differ[:10]}"


class Part(StrictSchema):
    code = fields.Str()
    count = fields.Int()


class EveryKind(StrictSchema):
    """One field of each kind the app's schemas use, and each way a value can be named or absent."""

    name = Text(40)
    count = fields.Int()
    ratio = fields.Float()
    flag = fields.Bool()
    at = fields.DateTime()
    day = fields.Date()
    tags = fields.List(fields.Str())
    extra = fields.Dict()
    part = fields.Nested(Part, allow_none=True)
    parts = fields.Nested(Part, many=True)
    renamed = fields.Str(data_key="shown_as")
    sourced = fields.Str(attribute="stored_as")
    defaulted = fields.Str(dump_default="n/a")
    computed = fields.Function(lambda obj: "seen")
    secret = fields.Str(load_only=True)
    items = fields.Str()  # a dict's own method name: marshmallow falls back to getattr on a missing key


values = {
    "name": st.one_of(st.none(), st.text(max_size=10)),
    "count": st.one_of(st.none(), st.integers(-10**12, 10**12)),
    "ratio": st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False)),
    "flag": st.one_of(st.none(), st.booleans()),
    "at": st.one_of(st.none(), st.datetimes(min_value=dt.datetime(1970, 1, 1))),
    "day": st.one_of(st.none(), st.dates()),
    "tags": st.one_of(st.none(), st.lists(st.text(max_size=5), max_size=3)),
    "extra": st.one_of(st.none(), st.dictionaries(st.text(max_size=5), st.integers(), max_size=3)),
    "part": st.one_of(st.none(), st.fixed_dictionaries({"code": st.text(max_size=5)},
                                                       optional={"count": st.integers()})),
    "parts": st.lists(st.fixed_dictionaries({}, optional={"code": st.text(max_size=5), "count": st.integers()}),
                      max_size=3),
    "renamed": st.text(max_size=5),
    "stored_as": st.text(max_size=5),
    "defaulted": st.text(max_size=5),
    "secret": st.text(max_size=5),
    "items": st.text(max_size=5),
}
rows = st.fixed_dictionaries({}, optional=values)


@settings(max_examples=300, deadline=None)
@given(row=rows, as_object=st.booleans(), many=st.booleans())
def test_a_plan_dumps_every_kind_of_field_as_marshmallow_does(row, as_object, many):
    schema = EveryKind()
    assert plan_for(schema) is not None, "this schema is meant to take the fast path"
    obj = SimpleNamespace(**row) if as_object else row
    # marshmallow's own ``_serialize`` of one object (of many, it would call the plan for each)
    expected = Schema._serialize(schema, obj)
    if many:
        assert schema.dump([obj, obj], many=True) == [expected, expected]
    else:
        assert schema.dump(obj) == expected


def test_a_schema_that_fetches_values_its_own_way_is_left_to_marshmallow():
    class ByUpperKey(StrictSchema):
        name = fields.Str()

        def get_attribute(self, obj, attr, default):
            return obj.get(attr.upper(), default)

    class Dotted(StrictSchema):
        site = fields.Str(attribute="site.code")

    assert plan_for(ByUpperKey()) is None
    assert ByUpperKey().dump({"NAME": "Press 7"}) == {"name": "Press 7"}
    assert plan_for(Dotted()) is None
    assert Dotted().dump({"site": {"code": "P1"}}) == {"site": "P1"}
