"""Open vocabularies (issue 10 item 7, docs/adr/0013): an admin extends a choice set over the API or the
CLI, the plugins' fields accept what the set holds, a value in use cannot be removed, every worker agrees
at once, and a database from before the change keeps its rows."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import inspect, select, text

from shopdb.core.models import Choice
from shopdb.extensions import db
from shopdb.plugins.manager import get_manager
from shopdb.testing import ADMIN_PASSWORD, admin_client, make_app, migrate_database, token_for

SHOPDB = str(Path(sys.executable).with_name("shopdb"))
MOULDING = {"slug": "injection_moulding", "label": "Injection moulding"}


def _admin(client) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(client)}"}


def _machine(client, headers, site_id: int, number: str, equipment_type: str):
    return client.post("/api/v1/equipment", headers=headers, json={
        "asset_tag": f"M-{number}", "name": f"Machine {number}", "site_id": site_id, "machine_number": number,
        "equipment_type": equipment_type})


def _site(client, headers) -> int:
    response = client.post("/api/v1/sites", json={"code": "P1", "name": "Plant 1"}, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]["id"]


def _cli(db_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SHOPDB_DATABASE_URL": db_url, "SHOPDB_ADMIN_PASSWORD": ADMIN_PASSWORD}
    return subprocess.run([SHOPDB, *args], capture_output=True, text=True, env=env, timeout=120)


def test_an_admin_adds_an_equipment_type_over_the_api_and_creates_a_machine_with_it(migrated_app):
    client = admin_client(migrated_app)
    headers = _admin(client)
    site_id = _site(client, headers)
    assert _machine(client, headers, site_id, "1", "injection_moulding").status_code == 422

    added = client.post("/api/v1/choices/equipment_type", json=MOULDING, headers=headers)
    assert added.status_code == 201, added.get_json()
    assert added.get_json()["data"] | MOULDING == added.get_json()["data"]
    assert added.get_json()["data"]["built_in"] is False
    offered = client.get("/api/v1/choices/equipment_type", headers=headers).get_json()
    assert ("injection_moulding", "Injection moulding") in [(c["slug"], c["label"]) for c in offered["data"]]
    assert offered["meta"]["total"] == len(offered["data"])

    created = _machine(client, headers, site_id, "1", "injection_moulding")
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["data"]["equipment_type"] == "injection_moulding"
    shown = client.get(f"/api/v1/equipment/{created.get_json()['data']['assetid']}", headers=headers).get_json()
    assert shown["data"]["equipment_type"] == "injection_moulding"


def test_an_admin_adds_a_type_with_the_cli_then_a_machine_uses_it_over_the_api(migrated_app):
    url = migrated_app.config["SQLALCHEMY_DATABASE_URI"]
    added = _cli(url, "choices", "add", "equipment_type", "injection_moulding", "--label", "Injection moulding")
    assert added.returncode == 0, added.stderr
    assert "injection_moulding" in added.stdout and "equipment_type" in added.stdout
    listed = _cli(url, "choices", "list", "equipment_type")
    assert "injection_moulding\tInjection moulding\tadded" in listed.stdout
    again = _cli(url, "choices", "add", "equipment_type", "injection_moulding", "--label", "Twice")
    assert again.returncode != 0 and again.stderr.strip().splitlines() == [
        "Error: equipment_type already has 'injection_moulding'. slug: Already in use."]

    client = admin_client(migrated_app)  # a served app that started before the CLI added the value
    headers = _admin(client)
    created = _machine(client, headers, _site(client, headers), "7", "injection_moulding")
    assert created.status_code == 201, created.get_json()

    refused = _cli(url, "choices", "remove", "equipment_type", "injection_moulding")
    assert refused.returncode == 1
    assert refused.stderr.strip() == ("Error: equipment_type 'injection_moulding' is still used by 1 row(s) of "
                                      "equipment.equipment_type; change those first.")
    assert _cli(url, "choices", "add", "equipment_type", "Bad Slug", "--label", "x").returncode == 1


def test_an_unknown_type_is_refused_with_the_values_the_set_allows(app, client, auth_headers, site):
    response = _machine(client, auth_headers, site["id"], "1", "laser_cutter")
    assert response.status_code == 422
    message = response.get_json()["error"]["details"]["fields"]["equipment_type"][0]
    with app.app_context():
        bundled = db.session.execute(select(Choice.slug).where(Choice.set_name == "equipment_type")
                                     .order_by(Choice.position)).scalars().all()
    assert message == f"Must be one of: {', '.join(bundled)}."
    assert "cnc_mill" in bundled and "laser_cutter" not in bundled


def test_a_type_in_use_cannot_be_removed_and_an_unused_one_can(client, auth_headers, site):
    for slug, label in (("injection_moulding", "Injection moulding"), ("laser_cutter", "Laser cutter")):
        assert client.post("/api/v1/choices/equipment_type", json={"slug": slug, "label": label},
                           headers=auth_headers).status_code == 201
    assert _machine(client, auth_headers, site["id"], "1", "injection_moulding").status_code == 201

    in_use = client.delete("/api/v1/choices/equipment_type/injection_moulding", headers=auth_headers)
    assert in_use.status_code == 409
    assert in_use.get_json()["error"]["details"]["used_by"] == {"equipment.equipment_type": 1}
    assert client.delete("/api/v1/choices/equipment_type/laser_cutter", headers=auth_headers).status_code == 204
    assert client.delete("/api/v1/choices/equipment_type/laser_cutter", headers=auth_headers).status_code == 404
    assert _machine(client, auth_headers, site["id"], "2", "laser_cutter").status_code == 422


def test_a_removed_built_in_type_stays_removed_after_a_restart_and_can_come_back(app, client, auth_headers, site):
    assert client.delete("/api/v1/choices/equipment_type/saw", headers=auth_headers).status_code == 204
    restarted = admin_client(make_app(app.config["SQLALCHEMY_DATABASE_URI"]))
    slugs = [c["slug"] for c in restarted.get("/api/v1/choices/equipment_type", headers=auth_headers,
                                              query_string={"per_page": 100}).get_json()["data"]]
    assert "saw" not in slugs and "cnc_mill" in slugs
    assert _machine(client, auth_headers, site["id"], "1", "saw").status_code == 422
    back = client.post("/api/v1/choices/equipment_type", json={"slug": "saw", "label": "Band saw"},
                       headers=auth_headers)
    assert back.status_code == 201 and back.get_json()["data"]["built_in"] is True
    assert _machine(client, auth_headers, site["id"], "1", "saw").status_code == 201


def test_a_new_bundled_value_appears_at_start_up(app, auth_headers):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():  # a database from a release that did not bundle "edm" yet
        db.session.execute(text("DELETE FROM choices WHERE set_name = 'equipment_type' AND slug = 'edm'"))
        db.session.commit()
    restarted = admin_client(make_app(url))
    slugs = [c["slug"] for c in restarted.get("/api/v1/choices/equipment_type", headers=auth_headers,
                                              query_string={"per_page": 100}).get_json()["data"]]
    assert "edm" in slugs


def test_a_value_added_through_one_worker_is_accepted_by_the_other_at_once(app, auth_headers, site):
    other_worker = admin_client(make_app(app.config["SQLALCHEMY_DATABASE_URI"]))
    first_worker = admin_client(app)
    assert _machine(other_worker, auth_headers, site["id"], "1", "injection_moulding").status_code == 422
    assert first_worker.post("/api/v1/choices/equipment_type", json=MOULDING, headers=auth_headers).status_code == 201
    assert _machine(other_worker, auth_headers, site["id"], "1", "injection_moulding").status_code == 201


def test_a_viewer_reads_the_choices_but_cannot_add_or_remove(client, user_headers):
    viewer = user_headers("viewer")
    assert client.get("/api/v1/choices/pc_type", headers=viewer).status_code == 200
    assert client.post("/api/v1/choices/pc_type", json={"slug": "hmi_panel", "label": "HMI panel"},
                       headers=viewer).status_code == 403
    assert client.delete("/api/v1/choices/pc_type/office", headers=viewer).status_code == 403


def test_every_plugin_vocabulary_is_an_open_set_documented_with_examples(client, auth_headers):
    sets = client.get("/api/v1/choices", headers=auth_headers).get_json()
    stored = {s["name"]: s["stored_in"] for s in sets["data"]}
    assert stored == {"network_role": ["network_devices.role"],
                      "equipment_type": ["equipment.equipment_type"], "maintenance_kind": ["maintenance_records.kind"],
                      "pc_type": ["computers.pc_type"], "printer_type": ["printers.printer_type"]}
    assert client.get("/api/v1/choices/no_such_set", headers=auth_headers).status_code == 404
    malformed = client.post("/api/v1/choices/pc_type", json={"slug": "HMI Panel", "label": ""}, headers=auth_headers)
    assert malformed.status_code == 422 and set(malformed.get_json()["error"]["details"]["fields"]) == {"slug", "label"}

    components = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    field = components["Equipment"]["properties"]["equipment_type"]
    assert "enum" not in field and field["x-choice-set"] == "equipment_type"
    assert "cnc_mill" in field["x-choice-examples"]
    assert components["Computer"]["properties"]["pc_type"]["x-choice-set"] == "pc_type"


def test_an_upgrade_from_the_closed_vocabulary_keeps_rows_and_accepts_a_new_value(db_url):
    migrate_database(db_url)
    app = make_app(db_url)
    client = admin_client(app)
    headers = _admin(client)
    site_id = _site(client, headers)
    machine = _machine(client, headers, site_id, "1", "cnc_mill").get_json()["data"]
    chain = get_manager(app).get("equipment").chain
    with app.app_context():
        db.session.commit()
        chain.downgrade(db.engine, "0002")  # the database as the previous release left it
        with db.engine.connect() as conn:
            checks = {c["name"] for c in inspect(conn).get_check_constraints("equipment")}
        assert "ck_equipment_equipment_type" in checks
        db.engine.dispose()

    report = migrate_database(db_url)  # what `shopdb db upgrade` runs
    assert report["equipment"]["status"] == "upgraded" and report["equipment"]["from"] == "0002"
    upgraded = admin_client(make_app(db_url))
    kept = upgraded.get(f"/api/v1/equipment/{machine['assetid']}", headers=headers).get_json()["data"]
    assert kept["equipment_type"] == "cnc_mill" and kept["machine_number"] == "1"
    assert upgraded.post("/api/v1/choices/equipment_type", json=MOULDING, headers=headers).status_code == 201
    patched = upgraded.patch(f"/api/v1/equipment/{machine['assetid']}", headers=headers,
                             json={"equipment_type": "injection_moulding", "version": kept["version"]})
    assert patched.status_code == 200, patched.get_json()
    assert patched.get_json()["data"]["equipment_type"] == "injection_moulding"
