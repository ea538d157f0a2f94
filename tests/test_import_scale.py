"""A plant-sized import: new assets go in bulk, yet every bad row is reported with its line and field,
and the file is all-or-nothing unless ``--skip-bad`` says otherwise (docs/adr/0023).

Speed and memory are measured by bench/transfer.py, never asserted here.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from sqlalchemy import func, select

from shopdb.core.models import Asset, AuditLog
from shopdb.core.models.search import SearchDocument
from shopdb.extensions import db

COLUMNS = ["asset_type", "asset_tag", "name", "site", "hostname", "pc_type", "mac_address",
           "machine_number", "equipment_type"]


def _write_plant(path: Path, rows: int, bad: dict[int, dict[str, str]]) -> dict[int, int]:
    """``rows`` PCs and machines in one CSV; ``bad`` replaces cells of some rows (by 0-based row).
    Returns row index → CSV line."""
    lines = {}
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, COLUMNS)
        writer.writeheader()
        for n in range(rows):
            if n % 2:
                row = {"asset_type": "computer", "asset_tag": f"PC-{n:05d}", "name": f"PC {n}", "site": "P1",
                       "hostname": f"pc-{n:05d}", "pc_type": "office", "mac_address": f"00:14:22:{n >> 16 & 255:02x}:"
                       f"{n >> 8 & 255:02x}:{n & 255:02x}"}
            else:
                row = {"asset_type": "equipment", "asset_tag": f"M-{n:05d}", "name": f"Mill {n}", "site": "P1",
                       "machine_number": f"{n:05d}", "equipment_type": "cnc_mill"}
            row.update(bad.get(n, {}))
            writer.writerow(row)
            lines[n] = n + 2  # line 1 is the header
    return lines


# Three bad rows of three kinds: a schema error, a plugin's uniqueness rule (a machine number an earlier
# row of the same chunk has), a MAC an earlier chunk has.
BAD = {
    1201: {"pc_type": "no_such_type"},
    1400: {"machine_number": "01300"},
    4001: {"mac_address": "00:14:22:00:00:01"},
}


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_a_dry_run_of_5000_rows_names_exactly_the_three_bad_lines_and_writes_nothing(app, site, tmp_path):
    path = tmp_path / "plant.csv"
    lines = _write_plant(path, 5000, BAD)

    result = app.test_cli_runner().invoke(args=["import", str(path), "--dry-run"])

    assert result.exit_code == 1, result.output
    reported = [line for line in result.output.splitlines() if line.startswith("line ")]
    assert len(reported) == 3, result.output
    assert reported[0].startswith(f"line {lines[1201]}: pc_type: Must be one of:")
    assert reported[1] == (f"line {lines[1400]}: machine_number '01300' is already used by M-01300 at this site "
                           f"(line {lines[1300]} of this file has it)")
    assert reported[2] == (f"line {lines[4001]}: mac_address '00:14:22:00:00:01' is already in use "
                           f"(line {lines[1]} of this file has it)")
    assert "4997 created, 0 updated, 0 unchanged, 3 bad" in result.output
    with app.app_context():
        assert _count(Asset) == 0 and _count(SearchDocument) == 0


def test_a_file_with_bad_rows_keeps_nothing_without_skip_bad(app, site, tmp_path):
    path = tmp_path / "plant.csv"
    _write_plant(path, 5000, BAD)

    result = app.test_cli_runner().invoke(args=["import", str(path)])

    assert result.exit_code == 1 and "3 bad row(s); nothing written" in result.output, result.output
    with app.app_context():
        assert _count(Asset) == 0
        assert db.session.execute(select(func.count()).select_from(AuditLog)
                                  .where(AuditLog.table_name == "assets")).scalar_one() == 0


def test_skip_bad_keeps_every_whole_good_row_with_its_audit_entries_and_search_documents(app, site, tmp_path):
    path = tmp_path / "plant.csv"
    _write_plant(path, 5000, BAD)

    result = app.test_cli_runner().invoke(args=["import", str(path), "--skip-bad"])

    assert result.exit_code == 0, result.output
    assert "4997 created, 0 updated, 0 unchanged, 3 bad" in result.output
    with app.app_context():
        assert _count(Asset) == 4997 and _count(SearchDocument) == 4997
        audited = dict(db.session.execute(
            select(AuditLog.table_name, func.count()).where(AuditLog.action == "create")
            .where(AuditLog.table_name.in_(["assets", "computers", "equipment"])).group_by(AuditLog.table_name)).all())
        assert audited == {"assets": 4997, "computers": 2498, "equipment": 2499}
        # A written row is whole: each asset has its extension row, and none of the bad ones is there.
        tags = set(db.session.execute(select(Asset.asset_tag)).scalars())
        assert not tags & {"PC-01201", "M-01400", "PC-04001"}
        entry = db.session.execute(select(AuditLog.after).where(AuditLog.table_name == "assets")
                                   .where(AuditLog.row_id == str(db.session.execute(
                                       select(Asset.assetid).where(Asset.asset_tag == "PC-00003")).scalar_one()))
                                   ).scalar_one()
        assert entry["asset_tag"] == "PC-00003" and entry["version"] == 1 and entry["status"] == "active"

    again = app.test_cli_runner().invoke(args=["import", str(path), "--skip-bad"])
    assert "0 created, 0 updated, 4997 unchanged, 3 bad" in again.output, again.output


def test_subscribers_hear_of_every_bulk_created_asset_only_after_the_commit(app, site, tmp_path):
    heard: list[tuple[str, int, bool]] = []

    def listen(assetid: int, asset_type: str, data: dict, **_: object) -> None:
        stored = db.session.execute(select(Asset.assetid).where(Asset.assetid == assetid)).scalar_one_or_none()
        heard.append((asset_type, data["assetid"], stored is not None))

    with app.app_context():
        from shopdb import events
        events.subscribe("asset_created", listen, plugin="test")
    path = tmp_path / "plant.jsonl"
    path.write_text("".join(json.dumps({"asset_type": "computer", "asset_tag": f"PC-{n}", "name": "PC",
                                        "site": "P1", "hostname": f"pc-{n}", "pc_type": "office"}) + "\n"
                            for n in range(1500)), encoding="utf-8")

    result = app.test_cli_runner().invoke(args=["import", str(path)])

    assert result.exit_code == 0, result.output
    assert len(heard) == 1500 and all(kind == "computer" and stored for kind, _, stored in heard)
