"""``shopdb import`` / ``shopdb export`` as an operator uses them: per-line errors, dry run, all-or-nothing.

The round trip of a whole demo plant on every database is in ``test_transfer_round_trip.py``.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from sqlalchemy import func, select

from shopdb import events
from shopdb.core.models import Asset, AssetType
from shopdb.extensions import db

from helpers import counts, make_asset, make_generic_type

HEADER = "asset_tag,name,asset_type,site,status,serial_number\n"


def _count(app, type_name: str | None = None) -> int:
    with app.app_context():
        stmt = select(func.count()).select_from(Asset)
        if type_name:
            stmt = stmt.join(AssetType).where(AssetType.name == type_name)
        return db.session.execute(stmt).scalar_one()


def _write(path: Path, rows: list[dict]) -> Path:
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _pc(tag: str, hostname: str, **fields) -> dict:
    return {"asset_type": "computer", "asset_tag": tag, "name": f"PC {tag}", "site": "P1", "hostname": hostname,
            "pc_type": "office", **fields}


def _computer(client, auth_headers, site, tag: str, hostname: str, **fields) -> dict:
    body = {"asset_tag": tag, "name": f"PC {tag}", "site_id": site["id"], "hostname": hostname,
            "pc_type": "office", **fields}
    response = client.post("/api/v1/computers", json=body, headers=auth_headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]


def test_a_file_of_good_rows_with_one_refused_row_writes_nothing_until_told_to_skip_it(
        app, client, auth_headers, site, tmp_path):
    _computer(client, auth_headers, site, "PC-1", "pc-taken")
    make_generic_type(client, auth_headers)
    rows = [{"asset_type": "fixture", "asset_tag": f"F-{n:04d}", "name": f"Fixture {n}", "site": "P1"}
            for n in range(1100)]
    # Line 1052 passes the schema; only the plugin's rule (a hostname already in the database) refuses it.
    rows.insert(1050, _pc("PC-2", "PC-TAKEN"))
    path = _write(tmp_path / "plant.csv", rows)
    runner = app.test_cli_runner()
    before = counts(app)

    dry = runner.invoke(args=["import", str(path), "--dry-run"])
    assert dry.exit_code == 1, dry.output
    assert "line 1052: hostname 'pc-taken' is already in use (in the database)" in dry.output
    assert "dry run: 1100 created, 0 updated, 0 unchanged, 1 bad; nothing written" in dry.output
    assert "Error: 1 bad row(s)" in dry.output
    assert counts(app) == before

    refused = runner.invoke(args=["import", str(path)])
    assert refused.exit_code == 1
    assert "line 1052:" in refused.output and "nothing written" in refused.output
    assert counts(app) == before  # not the first 1,000 rows either

    partial = runner.invoke(args=["import", str(path), "--skip-bad"])
    assert partial.exit_code == 0, partial.output
    assert "1100 created" in partial.output and "1 bad" in partial.output and "line 1052:" in partial.output
    assert _count(app, "fixture") == 1100 and _count(app, "computer") == 1


def test_model_in_a_csv_is_imported(app, client, auth_headers, site, tmp_path):
    make_generic_type(client, auth_headers)
    path = _write(tmp_path / "m.csv", [{"asset_type": "fixture", "asset_tag": "F-1", "name": "Mill", "site": "P1",
                                         "manufacturer": "DMG Mori", "model": "DMU 50"}])
    result = app.test_cli_runner().invoke(args=["import", str(path)])
    assert result.exit_code == 0, result.output
    assert client.get("/api/v1/assets?asset_tag=F-1", headers=auth_headers).get_json()["data"][0]["model"] == "DMU 50"


def test_a_computer_row_is_created_with_its_extension_row(app, client, auth_headers, site, tmp_path, count_rows):
    path = _write(tmp_path / "pc.csv", [_pc("PC-7", "PC-0007", mac_address="00-1a-2b-3c-4d-5e", primary_ip="10.0.0.7",
                                            model="OptiPlex 7010", warranty_end="2027-03-31")])
    result = app.test_cli_runner().invoke(args=["import", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 created" in result.output and count_rows("computers") == 1
    pc = client.get("/api/v1/computers?hostname=pc-0007", headers=auth_headers).get_json()["data"][0]
    assert (pc["hostname"], pc["mac_address"], pc["primary_ip"], pc["warranty_end"]) == \
        ("pc-0007", "00:1A:2B:3C:4D:5E", "10.0.0.7", "2027-03-31")


def test_a_hostname_twice_in_the_file_is_refused_with_both_lines(app, site, tmp_path):
    path = _write(tmp_path / "dup.csv", [_pc("PC-1", "pc-a"), _pc("PC-2", "pc-b"), _pc("PC-3", "PC-A")])
    result = app.test_cli_runner().invoke(args=["import", str(path)])
    assert result.exit_code == 1
    assert "line 4: hostname 'pc-a' is already in use (line 2 of this file has it)" in result.output
    assert _count(app) == 0


def test_a_row_breaking_a_plugin_rule_is_refused_with_its_line(app, site, tmp_path):
    path = _write(tmp_path / "ip.csv", [_pc("PC-1", "pc-a", primary_ip="10.0.0.5"),
                                        _pc("PC-2", "pc-b", primary_ip="10.0.0.5")])
    result = app.test_cli_runner().invoke(args=["import", str(path), "--skip-bad"])
    assert result.exit_code == 0
    assert "line 3: primary_ip '10.0.0.5' is already in use at this site (line 2 of this file has it)" \
        in result.output
    assert _count(app, "computer") == 1


def test_reimporting_an_export_changes_nothing_not_even_versions_or_the_audit_log(app, client, auth_headers, site,
                                                                                  tmp_path):
    _computer(client, auth_headers, site, "PC-1", "pc-1", notes='Says "hi", then\nleaves', primary_ip="10.1.1.1")
    make_asset(client, auth_headers, site["id"], "F-1", model="Ø 20 ☃", notes="")
    runner = app.test_cli_runner()
    for fmt in ("csv", "json"):
        out = tmp_path / f"plant.{fmt}"
        assert runner.invoke(args=["export", "-o", str(out)]).exit_code == 0
        before = counts(app)
        again = runner.invoke(args=["import", str(out)])
        assert again.exit_code == 0, again.output
        assert "0 created, 0 updated, 2 unchanged, 0 bad" in again.output
        assert counts(app) == before
    versions = {a["asset_tag"]: a["version"] for a in client.get("/api/v1/assets", headers=auth_headers)
                .get_json()["data"]}
    assert versions == {"PC-1": 1, "F-1": 1}


def test_an_edited_export_updates_what_differs_and_creates_the_rest(app, client, auth_headers, site, tmp_path):
    _computer(client, auth_headers, site, "PC-1", "pc-1", os_name="Windows 10")
    out = tmp_path / "plant.json"
    runner = app.test_cli_runner()
    assert runner.invoke(args=["export", "-o", str(out)]).exit_code == 0
    records = json.loads(out.read_text())
    records[0]["os_name"] = "Windows 11"
    records[0]["asset_tag"] = "pc-1"  # matches PC-1 (any case); the file's spelling wins
    records.append({**records[0], "asset_tag": "PC-2", "hostname": "pc-2", "assetid": 999})
    out.write_text(json.dumps(records))
    result = runner.invoke(args=["import", str(out)])
    assert result.exit_code == 0, result.output
    assert "1 created, 1 updated, 0 unchanged" in result.output
    pcs = {p["asset_tag"]: p for p in client.get("/api/v1/computers", headers=auth_headers).get_json()["data"]}
    assert pcs["pc-1"]["os_name"] == "Windows 11" and pcs["pc-1"]["version"] == 2
    assert pcs["PC-2"]["os_name"] == "Windows 11"


def test_export_writes_every_type_with_its_plugin_fields(app, client, auth_headers, site, tmp_path):
    _computer(client, auth_headers, site, "PC-1", "pc-1", mac_address="00:1A:2B:3C:4D:5E")
    make_asset(client, auth_headers, site["id"], "F-1")
    runner = app.test_cli_runner()
    out = tmp_path / "plant.csv"
    assert runner.invoke(args=["export", "-o", str(out)]).exit_code == 0
    rows = {r["asset_tag"]: r for r in csv.DictReader(out.open(newline=""))}
    assert rows["PC-1"]["hostname"] == "pc-1" and rows["PC-1"]["mac_vendor"] and rows["PC-1"]["site"] == "P1"
    assert rows["F-1"]["hostname"] == "" and rows["F-1"]["asset_type"] == "fixture"
    exported = runner.invoke(args=["export", "--format", "json"])
    items = json.loads(exported.stdout)
    assert {i["asset_tag"]: i["asset_type"] for i in items} == {"PC-1": "computer", "F-1": "fixture"}
    assert "hostname" not in next(i for i in items if i["asset_type"] == "fixture")


def test_events_of_refused_rows_and_of_dry_runs_are_never_delivered(app, client, auth_headers, site, tmp_path):
    make_generic_type(client, auth_headers)
    created: list[str] = []
    with app.app_context():
        events.subscribe("asset_created", lambda **payload: created.append(payload["data"]["asset_tag"]), "test")
    path = _write(tmp_path / "f.csv", [
        {"asset_type": "fixture", "asset_tag": "F-1", "name": "Good", "site": "P1"},
        {"asset_type": "fixture", "asset_tag": "F-2", "name": "Bad", "site": "P1", "status": "exploded"},
        {"asset_type": "fixture", "asset_tag": "F-3", "name": "Good", "site": "P1"},
    ])
    runner = app.test_cli_runner()
    assert runner.invoke(args=["import", str(path), "--dry-run"]).exit_code == 1
    assert runner.invoke(args=["import", str(path)]).exit_code == 1
    assert created == []
    assert runner.invoke(args=["import", str(path), "--skip-bad"]).exit_code == 0
    assert created == ["F-1", "F-3"]


def test_bad_rows_are_reported_per_row_and_nothing_is_written(app, client, auth_headers, site, tmp_path):
    make_generic_type(client, auth_headers)
    csv_file = tmp_path / "bad.csv"
    csv_file.write_text(HEADER + "G-1,Good,fixture,P1,active,\nB-1,Bad,fixture,no such site!,active,\n"
                        "B-2,Bad,fixture,P1,exploded,\nG-1,Again,fixture,P1,active,\n"
                        'B-3,"A name\nover two lines",fixture,P1,active,SN\nB-4,,fixture,P1,,\n')
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["import", str(csv_file), "--dry-run"])
    assert dry.exit_code == 1
    assert "line 3: site:" in dry.output and "line 4: status: Must be one of" in dry.output
    assert "line 5: asset_tag 'G-1' appears twice in the file (line 2 and line 5)" in dry.output
    assert "line 8: name:" in dry.output  # the quoted newline makes B-3 span lines 6-7
    refused = runner.invoke(args=["import", str(csv_file)])
    assert refused.exit_code == 1 and "nothing written" in refused.output
    assert _count(app) == 0
    partial = runner.invoke(args=["import", str(csv_file), "--skip-bad"])
    assert partial.exit_code == 0 and "2 created" in partial.output and _count(app) == 2


def test_unknown_columns_values_foreign_to_the_type_and_empty_files_are_refused(app, client, auth_headers, site,
                                                                                tmp_path):
    make_generic_type(client, auth_headers)
    runner = app.test_cli_runner()
    (tmp_path / "cols.csv").write_text("asset_tag,name,colour\nA,b,red\n")
    result = runner.invoke(args=["import", str(tmp_path / "cols.csv")])
    assert result.exit_code == 1 and "line 1: unknown column(s): colour" in result.output
    foreign = _write(tmp_path / "foreign.csv", [{"asset_type": "fixture", "asset_tag": "F-1", "name": "x",
                                                 "site": "P1", "hostname": "pc-1"}])
    assert "line 2: hostname: not a field of fixture assets" in runner.invoke(args=["import", str(foreign)]).output
    items = tmp_path / "items.json"
    items.write_text(json.dumps([{"asset_type": "fixture", "asset_tag": "F-1", "name": "x", "site": "P1",
                                  "site_id": 1}]))
    assert "index 0: site_id: not a field of fixture assets" in runner.invoke(args=["import", str(items)]).output
    (tmp_path / "empty.csv").write_text("")
    result = runner.invoke(args=["import", str(tmp_path / "empty.csv")])
    assert result.exit_code == 1 and "no rows" in result.output
    assert _count(app) == 0
