"""The computers table on every database (migrated from the plugin's chain) and the demo plant."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import text

from shopdb.plugins.toolkit import Conflict, db, writes
from shopdb.plugins.toolkit.testing import DemoContext, admin_client, ensure_plant, get_manager, token_for


def test_pcs_work_on_every_database_and_the_db_backs_up_hostname_uniqueness(migrated_app):
    client = admin_client(migrated_app)
    headers = {"Authorization": f"Bearer {token_for(client)}"}
    site = client.post("/api/v1/sites", json={"code": "DB1", "name": "DB plant"}, headers=headers).get_json()["data"]
    ids = []
    for n, seen in ((1, None), (2, dt.datetime.now(dt.UTC).isoformat())):
        response = client.post("/api/v1/computers", headers=headers, json={
            "asset_tag": f"PC-{n}", "name": f"PC {n}", "site_id": site["id"], "hostname": f"DB-PC-{n}",
            "pc_type": "engineering", "mac_address": f"00-14-22-00-00-0{n}", "primary_ip": f"2001:db8::{n}",
            "last_seen_at": seen, "warranty_end": "2030-01-31"})
        assert response.status_code == 201, response.get_json()
        ids.append(response.get_json()["data"]["assetid"])
    duplicate = client.post("/api/v1/computers", headers=headers, json={
        "asset_tag": "PC-3", "name": "PC 3", "site_id": site["id"], "hostname": "db-pc-1", "pc_type": "office"})
    assert duplicate.status_code == 409
    stale = client.get("/api/v1/computers?stale_days=1").get_json()["data"]
    assert [pc["assetid"] for pc in stale] == [ids[0]]
    assert client.get("/api/v1/search?q=00:14:22:00:00:02").get_json()["data"][0]["assetid"] == ids[1]
    assert client.get(f"/api/v1/computers/{ids[0]}").get_json()["data"]["warranty_end"] == "2030-01-31"

    # Bypassing the service's check, the unique constraint still refuses a second "db-pc-1".
    with migrated_app.app_context(), pytest.raises(Conflict), writes.transaction():
        db.session.execute(text("UPDATE computers SET hostname = 'db-pc-1' WHERE assetid = :id"), {"id": ids[1]})
    assert client.get(f"/api/v1/computers/{ids[1]}").get_json()["data"]["hostname"] == "db-pc-2"


def test_the_demo_puts_a_pc_beside_most_machines_and_fills_the_other_kinds(app, client, make_machine):
    machines = {make_machine()["assetid"] for _ in range(20)}
    with app.app_context():
        sites, cells = ensure_plant(random.Random(7))
        ctx = DemoContext(total_assets=200, rng=random.Random(7), sites=sites, cells=cells)
        plugin = get_manager().get("computers").plugin
        assert plugin.demo_priority == 20
        plugin.generate_demo(ctx)
        db.session.commit()

    pcs = client.get("/api/v1/computers?per_page=500").get_json()["data"]
    assert len(pcs) >= 200 * 30 // 100
    assert {pc["pc_type"] for pc in pcs} == {"shopfloor", "cmm", "engineering", "office", "server"}
    assert len({pc["hostname"] for pc in pcs}) == len(pcs)
    assert len({pc["mac_address"] for pc in pcs}) == len(pcs)
    assert all(pc["mac_vendor"] for pc in pcs), [pc["mac_address"] for pc in pcs if not pc["mac_vendor"]]
    cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(days=121)
    assert all(dt.datetime.fromisoformat(pc["last_seen_at"]) > cutoff for pc in pcs if pc["last_seen_at"])

    shopfloor = [pc for pc in pcs if pc["pc_type"] == "shopfloor"]
    controlled = []
    for pc in shopfloor:
        controls = client.get(f"/api/v1/computers/{pc['assetid']}/controls").get_json()["data"]
        assert len(controls) == 1 and controls[0]["asset_type"] == "equipment"
        controlled.append(controls[0]["assetid"])
    assert set(controlled) <= machines and len(set(controlled)) == len(controlled)
    assert 0.4 * len(machines) <= len(controlled) <= 0.95 * len(machines)  # ~70% of the machines
