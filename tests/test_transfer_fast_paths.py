"""The bulk commands' fast paths give what the plain ones gave: the CSV export writes each record cell
for cell, the import refuses a bad value however often good ones repeat around it, names the first
line of a tag many chunks later, and tells subscribers of every new asset in file order.

Speed is measured by bench/transfer.py, never asserted here.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from shopdb.core.services.transfer import cell_text

PC_COLUMNS = ["asset_type", "asset_tag", "name", "status", "site", "hostname", "pc_type", "os_name"]


def _pcs(path: Path, rows: int, changes: dict[int, dict[str, str]] | None = None) -> None:
    """``rows`` PCs whose status, type and OS repeat (as a plant's do); ``changes`` by 0-based row."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, PC_COLUMNS)
        writer.writeheader()
        for n in range(rows):
            row = {"asset_type": "computer", "asset_tag": f"PC-{n:05d}", "name": f"PC {n}", "status": "active",
                   "site": "P1", "hostname": f"pc-{n:05d}", "pc_type": "office", "os_name": "Windows 11"}
            row.update((changes or {}).get(n, {}))
            writer.writerow(row)


def test_the_csv_export_writes_every_record_cell_for_cell(app, tmp_path):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "--assets", "300", "--seed", "3"]).exit_code == 0
    as_csv, as_jsonl = tmp_path / "plant.csv", tmp_path / "plant.jsonl"
    assert runner.invoke(args=["export", "-o", str(as_csv)]).exit_code == 0
    assert runner.invoke(args=["export", "-o", str(as_jsonl)]).exit_code == 0

    with as_csv.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    records = [json.loads(line) for line in as_jsonl.read_text(encoding="utf-8").splitlines()]
    header, rows = rows[0], rows[1:]
    assert len(rows) == len(records) > 250
    for cells, record in zip(rows, records, strict=True):
        expected = ["" if record.get(column) is None else cell_text(record[column]) for column in header]
        assert cells == expected


def test_a_bad_value_is_refused_on_every_line_among_thousands_of_good_repeats(app, site, tmp_path):
    path = tmp_path / "plant.csv"
    bad = {5: {"pc_type": "no_such_type"}, 1700: {"pc_type": "no_such_type"}, 2400: {"status": "no_such_status"},
           2401: {"pc_type": "no_such_type"}}
    _pcs(path, 2500, bad)

    result = app.test_cli_runner().invoke(args=["import", str(path), "--dry-run"])

    assert result.exit_code != 0
    named = sorted(line for line in result.output.splitlines() if line.startswith("line "))
    assert [line.split(":")[0] for line in named] == ["line 1702", "line 2402", "line 2403", "line 7"]
    assert all("pc_type: Must be one of:" in line for line in named if "pc_type" in line)
    assert "line 2402: status: Must be one of:" in result.output
    assert "2496 created" in result.output and "4 bad" in result.output


def test_a_tag_repeated_chunks_later_names_the_line_that_had_it_first(app, site, tmp_path):
    path = tmp_path / "plant.csv"
    _pcs(path, 2600, {2500: {"asset_tag": "pc-00010", "hostname": "pc-late"}})

    result = app.test_cli_runner().invoke(args=["import", str(path), "--dry-run"])

    assert "line 2502: asset_tag 'pc-00010' appears twice in the file (line 12 and line 2502)" in result.output


def test_subscribers_hear_of_every_new_asset_in_file_order_across_chunks(app, site, tmp_path):
    heard: list[str] = []

    def listen(data: dict, **_: object) -> None:
        heard.append(data["asset_tag"])

    with app.app_context():
        from shopdb import events
        events.subscribe("asset_created", listen, plugin="test")
    path = tmp_path / "plant.csv"
    _pcs(path, 2500)

    result = app.test_cli_runner().invoke(args=["import", str(path)])

    assert result.exit_code == 0, result.output
    assert heard == [f"PC-{n:05d}" for n in range(2500)]


def test_a_field_with_a_check_of_its_own_is_asked_on_every_record():
    from marshmallow import ValidationError

    from shopdb.core.schemas.common import StrictSchema, Text
    from shopdb.core.services.transfer.loading import quicken

    asked: list[str] = []

    def own_check(value: str) -> None:
        asked.append(value)

    class Kind(StrictSchema):
        plain = Text(20)
        checked = Text(20, validate=own_check)

    schema = quicken(Kind())
    for _ in range(3):
        assert schema.load({"plain": " same ", "checked": "same"}) == {"plain": "same", "checked": "same"}
    assert asked == ["same"] * 3
    for _ in range(2):  # a bad value is refused with its message every time, never answered from memory
        try:
            schema.load({"plain": "x" * 21, "checked": "ok"})
        except ValidationError as exc:
            assert exc.messages == {"plain": ["Longer than maximum length 20."]}
        else:
            raise AssertionError("a 21-character value was accepted")


def test_a_stored_tag_in_other_case_among_new_rows_updates_that_asset_instead_of_adding_one(app, site, tmp_path):
    from sqlalchemy import func, select

    from shopdb.core.models import Asset
    from shopdb.extensions import db

    runner = app.test_cli_runner()
    first = tmp_path / "first.csv"
    _pcs(first, 1, {0: {"asset_tag": "OLD-1", "hostname": "old-1"}})
    assert runner.invoke(args=["import", str(first)]).exit_code == 0
    path = tmp_path / "plant.csv"
    _pcs(path, 1500, {1200: {"asset_tag": "old-1", "hostname": "old-1", "name": "Renamed"}})

    result = runner.invoke(args=["import", str(path), "--skip-bad"])

    assert result.exit_code == 0, result.output
    assert "1 updated" in result.output and "0 bad" in result.output
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Asset)).scalar_one() == 1500
        names = db.session.execute(select(Asset.name).where(Asset.asset_tag_key == "old-1")).scalars().all()
        assert names == ["Renamed"]


def _record_values(schema):
    """Records for ``schema``: each field given or not, as text a file may hold (good or bad), a number,
    None or a wrong type; now and then a column the schema does not have."""
    from hypothesis import strategies as st

    cell = st.one_of(
        st.sampled_from(["", " ", "active", "office", "Windows 11", "00:1b:21:0a:0b:0c", "10.1.2.3", "p1-pc-001",
                         "2026-11-30", "2026-11-30T08:00:00+02:00", "12", "-1", "x" * 300, "true"]),
        st.text(max_size=12), st.integers(-3, 3), st.none(), st.just(["a list"]))
    names = sorted(schema.load_fields)
    return st.fixed_dictionaries({}, optional={**{name: cell for name in names}, "not_a_field": cell})


def test_every_kinds_quickened_schema_loads_a_record_as_marshmallow_itself_would(app):
    """The importer's schemas (remembered fields, the load plan) give marshmallow's own answer — the same
    data or the same errors — for every kind, new and partial (an update), records repeating or not."""
    from hypothesis import HealthCheck, given, settings
    from marshmallow import ValidationError

    from shopdb.core.services import choices, transfer
    from shopdb.core.services.transfer.loading import quicken

    def outcome(schema, record, partial):
        try:
            return "loaded", schema.load(dict(record), partial=partial)
        except ValidationError as exc:
            return "refused", exc.messages

    with app.app_context(), choices.cached():
        kinds = transfer.registered_kinds()
        assert {kind.type_name for kind in kinds} >= {"computer", "equipment", "printer", "usb_device"}
        for kind in kinds:
            quick, plain = quicken(kind.schema()), kind.schema()
            for partial in (None, True):
                compare = _comparison(quick, plain, partial, outcome)
                settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck),
                         database=None)(given(_record_values(plain))(compare))()


def _comparison(quick, plain, partial, outcome):
    def same(record):
        assert outcome(quick, record, partial) == outcome(plain, record, partial)
        assert outcome(quick, record, partial) == outcome(plain, record, partial)  # answered from memory now
    return same
