"""``shopdb import`` / ``shopdb export``: per-row errors, dry run, all-or-nothing, round trip."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from shopdb.core.models import Asset
from shopdb.extensions import db

from helpers import make_generic_type

HEADER = "asset_tag,name,asset_type,site,status,serial_number\n"


def _count(app) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(Asset)).scalar_one()


def test_import_then_export_round_trip(app, client, auth_headers, site, tmp_path):
    make_generic_type(client, auth_headers)
    csv_file = tmp_path / "assets.csv"
    csv_file.write_text(HEADER + "T-1,Torque wrench,fixture,P1,active,SN1\nT-2,Gauge,fixture,p1,,\n")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import", str(csv_file)])
    assert result.exit_code == 0, result.output
    assert "2 created" in result.output
    again = runner.invoke(args=["import", str(csv_file)])
    assert "2 updated" in again.output and _count(app) == 2
    exported = runner.invoke(args=["export", "--format", "json"])
    rows = json.loads(exported.output[exported.output.index("["):])
    assert {r["asset_tag"] for r in rows} == {"T-1", "T-2"}
    out = tmp_path / "out.csv"
    assert runner.invoke(args=["export", "-o", str(out)]).exit_code == 0
    assert out.read_text().splitlines()[0].startswith("assetid,asset_tag")


def test_bad_rows_are_reported_per_row_and_nothing_is_written(app, client, auth_headers, site, tmp_path):
    make_generic_type(client, auth_headers)
    csv_file = tmp_path / "bad.csv"
    csv_file.write_text(HEADER + "G-1,Good,fixture,P1,active,\nB-1,Bad,fixture,NOPE,active,\n"
                        "B-2,Bad,fixture,P1,exploded,\nG-1,Again,fixture,P1,active,\n")
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["import", str(csv_file), "--dry-run"])
    assert dry.exit_code == 1
    assert "line 3: unknown site 'NOPE'" in dry.output and "line 4: status" in dry.output
    assert "line 5" in dry.output and "appears twice" in dry.output
    refused = runner.invoke(args=["import", str(csv_file)])
    assert refused.exit_code == 1 and "nothing written" in refused.output
    assert _count(app) == 0
    partial = runner.invoke(args=["import", str(csv_file), "--skip-bad"])
    assert partial.exit_code == 0 and "1 created" in partial.output and _count(app) == 1


def test_unknown_columns_and_empty_files_are_refused(app, site, tmp_path):
    runner = app.test_cli_runner()
    (tmp_path / "cols.csv").write_text("asset_tag,name,colour\nA,b,red\n")
    assert "unknown column(s): colour" in runner.invoke(args=["import", str(tmp_path / "cols.csv")]).output
    (tmp_path / "empty.csv").write_text("")
    result = runner.invoke(args=["import", str(tmp_path / "empty.csv")])
    assert result.exit_code == 1 and "no rows" in result.output
