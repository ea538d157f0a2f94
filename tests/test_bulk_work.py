"""Bulk work at speed, still correct: ``shopdb demo`` through the driver's bulk path on every database,
``shopdb import`` in chunked savepoints (an audit entry for every row it writes), JSON Lines both ways.

Speed itself is measured by bench/, never asserted here.
"""

from __future__ import annotations

import json
import re

from sqlalchemy import func, select

from shopdb.core.models import Asset, AuditLog, Site
from shopdb.core.models.keys import normal_key
from shopdb.extensions import db
from shopdb.plugins.toolkit.testing import get_manager


def _models(app, plugin: str) -> list[type]:
    return get_manager(app).get(plugin).plugin.get_models()


def test_the_demo_plant_keeps_every_rule_the_database_holds_on_every_database(migrated_app):
    result = migrated_app.test_cli_runner().invoke(args=["demo", "--assets", "300", "--seed", "5"])
    assert result.exit_code == 0, result.output
    assert re.search(r"demo: created [\d,]+ assets .* in [\d.]+ s \([\d,]+/s\)", result.output), result.output
    computer = _models(migrated_app, "computers")[0]
    with migrated_app.app_context():
        assets = db.session.execute(select(Asset.assetid, Asset.asset_tag, Asset.asset_tag_key, Asset.site_id)).all()
        assert len(assets) > 200
        # The normalised key the unique index stands on was filled by the bulk path, as the ORM would.
        assert all(key == normal_key([tag]) for _, tag, key, _ in assets)
        by_id = {assetid: (tag, site_id) for assetid, tag, _, site_id in assets}
        codes = dict(db.session.execute(select(Site.id, Site.code)).all())
        pcs = db.session.execute(select(computer.assetid, computer.site_id, computer.hostname)).all()
        assert pcs
        for assetid, site_id, hostname in pcs:
            tag, asset_site = by_id[assetid]
            # The new ids went to the right rows: every PC row hangs on a PC asset of its own site.
            assert tag.startswith("PC-") and site_id == asset_site
            assert hostname.startswith(f"{codes[asset_site].lower()}-")
        runs = db.session.execute(select(AuditLog.after).where(AuditLog.action == "demo")).scalars().all()
        assert len(runs) == 1 and runs[0]["created"]["computer"] == len(pcs)


def _pc_line(n: int, hostname: str | None = None) -> dict:
    return {"asset_type": "computer", "asset_tag": f"PC-{n:05d}", "name": f"PC {n}", "site": "P1",
            "hostname": hostname or f"pc-{n:05d}", "pc_type": "office"}


def test_a_big_jsonl_import_writes_an_audit_entry_for_every_row_and_refuses_only_the_bad_one(app, site, tmp_path):
    rows = [_pc_line(n) for n in range(1, 1201)]
    rows[799] = _pc_line(800, hostname="PC-00790")  # second chunk: a hostname line 790 already has
    path = tmp_path / "plant.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")

    result = app.test_cli_runner().invoke(args=["import", str(path), "--skip-bad"])

    assert result.exit_code == 0, result.output
    assert "line 800: hostname 'pc-00790' is already in use (line 790 of this file has it)" in result.output
    assert "1199 created" in result.output and "1 bad" in result.output
    assert re.search(r"1,200 row\(s\) in [\d.]+ s \([\d,]+/s\)", result.output), result.output
    with app.app_context():
        created = dict(db.session.execute(
            select(AuditLog.table_name, func.count()).where(AuditLog.action == "create")
            .where(AuditLog.table_name.in_(["assets", "computers"])).group_by(AuditLog.table_name)).all())
        assert created == {"assets": 1199, "computers": 1199}
        assert db.session.execute(select(func.count()).select_from(Asset)
                                  .where(Asset.asset_tag == "PC-00800")).scalar_one() == 0


def test_an_export_as_json_lines_imports_back_unchanged(app, site, tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(_pc_line(n)) + "\n" for n in range(1, 8)), encoding="utf-8")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["import", str(source)]).exit_code == 0

    exported = tmp_path / "out.jsonl"
    result = runner.invoke(args=["export", "-o", str(exported)])
    assert result.exit_code == 0, result.output
    lines = exported.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 7 and json.loads(lines[0])["hostname"] == "pc-00001"

    again = runner.invoke(args=["import", str(exported)])
    assert again.exit_code == 0, again.output
    assert "0 created, 0 updated, 7 unchanged, 0 bad" in again.output
