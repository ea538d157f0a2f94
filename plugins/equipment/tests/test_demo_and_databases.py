"""The demo plant's machines, and the whole story on every database kind (``migrated_app``)."""

from __future__ import annotations

import datetime as dt
import importlib
import random
from collections import Counter

import pytest
from sqlalchemy import func, select

from shopdb.plugins.toolkit import Asset, Location, Site, db, utcnow
from shopdb.plugins.toolkit.testing import DemoContext, admin_client, get_manager, token_for


def _plant() -> tuple[list[Site], dict[int, list[Location]]]:
    sites, cells = [], {}
    for code in ("P1", "P2"):
        site = Site(code=code, name=f"Plant {code}", timezone="Europe/Berlin")
        db.session.add(site)
        db.session.flush()
        sites.append(site)
        cells[site.id] = []
        hall = None
        if code == "P1":  # P1's cells stand in a hall (which gets its own plan); P2's directly on the site
            hall = Location(site_id=site.id, name="Hall A", kind="building", x=0.0, y=10.0)
            db.session.add(hall)
            db.session.flush()
        for n in range(3):
            cell = Location(site_id=site.id, name=f"Cell A{n + 1}", kind="cell", x=-10.0 + n * 40.0, y=20.0,
                            parent_id=hall.id if hall else None)
            db.session.add(cell)
            cells[site.id].append(cell)
        db.session.flush()
    return sites, cells


def test_the_demo_builds_believable_machines_with_history(app):
    with app.app_context():
        sites, cells = _plant()
        ctx = DemoContext(total_assets=400, rng=random.Random(7), sites=sites, cells=cells)
        plugin = get_manager(app).get("equipment").plugin
        assert plugin.demo_priority == 10
        plugin.generate_demo(ctx)
        db.session.commit()
        models = plugin.get_models()
        equipment, records = models[0], models[1]

        machines = db.session.execute(
            select(Asset, equipment).join(equipment, equipment.assetid == Asset.assetid)).all()
        assert len(machines) == ctx.share(30) == ctx.created["equipment"]
        numbers = Counter((asset.site_id, machine.machine_number) for asset, machine in machines)
        assert max(numbers.values()) == 1  # unique per site
        statuses = Counter(machine.operational_status for _, machine in machines)
        assert statuses["running"] > len(machines) / 2 and statuses["down"] + statuses["maintenance"] > 0
        cell_of = {c.id: c for site_cells in cells.values() for c in site_cells}
        for asset, machine in machines:
            cell = cell_of[asset.location_id]
            assert machine.cell == cell.name and machine.controller_type and machine.equipment_type
            assert 0 <= machine.floor_x <= max(cell.x, 0) + 30 and cell.y <= machine.floor_y <= cell.y + 35
            assert asset.asset_tag == f"M-{machine.machine_number}"
            assert (asset.status == "in_repair") == (machine.operational_status == "down")

        oldest, newest, count = db.session.execute(
            select(func.min(records.performed_on), func.max(records.performed_on), func.count())).one()
        today = utcnow().date()
        assert count > len(machines) and oldest >= today - dt.timedelta(days=180) and newest <= today
        down = [asset.assetid for asset, machine in machines if machine.operational_status == "down"]
        recent = db.session.execute(select(records.assetid).where(
            records.kind == "breakdown", records.performed_on >= today - dt.timedelta(days=3))).scalars().all()
        assert set(down) <= set(recent)  # every machine that is down has the breakdown that explains it

        # A drawn plan of each site's whole floor, and one of P1's hall placed where the hall stands.
        plans = {(plan.site_id, plan.location_id): plan for plan in db.session.execute(select(models[2])).scalars()}
        p1, p2 = sites
        hall = db.session.execute(select(Location).where(Location.name == "Hall A")).scalar_one()
        assert set(plans) == {(p1.id, None), (p2.id, None), (p1.id, hall.id)}
        site_plan, hall_plan = plans[(p1.id, None)], plans[(p1.id, hall.id)]
        assert (site_plan.origin_x, site_plan.origin_y) == (0, 0) and site_plan.area_key == 0
        assert (hall_plan.origin_x, hall_plan.origin_y) == (0, 10) and hall_plan.area_key == hall.id
        assert hall_plan.floor_width * hall_plan.height / hall_plan.width == pytest.approx(hall_plan.floor_height)
        for asset, machine in machines:
            if asset.site_id == p1.id:  # every machine of the hall stands on the hall's drawing
                assert hall_plan.origin_x <= machine.floor_x <= hall_plan.origin_x + hall_plan.floor_width
                assert hall_plan.origin_y <= machine.floor_y <= hall_plan.origin_y + hall_plan.floor_height
        # A second run draws only what is missing (the plugin's own module: the package is loaded by the manager).
        importlib.import_module(f"{type(plugin).__module__.rpartition('.')[0]}.demo_plan").generate(ctx)
        db.session.commit()
        assert db.session.execute(select(func.count()).select_from(models[2])).scalar_one() == 3  # kept, not doubled

    ranking = admin_client(app).get(f"/api/v1/equipment/downtime?from={today - dt.timedelta(days=180)}&to={today}")
    totals = [r["total_minutes"] for r in ranking.get_json()["data"]]
    assert totals and totals == sorted(totals, reverse=True)


def test_machines_maintenance_and_downtime_work_on_every_database(migrated_app):
    client = admin_client(migrated_app)
    headers = {"Authorization": f"Bearer {token_for(client)}"}
    site = client.post("/api/v1/sites", json={"code": "P1", "name": "Plant 1"}, headers=headers).get_json()["data"]
    body = {"asset_tag": "M-2001", "name": "DMU 50", "site_id": site["id"], "machine_number": "2001",
            "controller_type": "siemens", "floor_x": 1.25, "operational_status": "running"}
    created = client.post("/api/v1/equipment", json=body, headers=headers)
    assert created.status_code == 201, created.get_json()
    machine = created.get_json()["data"]
    assert machine["controller_type"] == "Siemens" and machine["floor_x"] == 1.25
    duplicate = client.post("/api/v1/equipment", json={**body, "asset_tag": "M-9"}, headers=headers)
    assert duplicate.status_code == 409

    url = f"/api/v1/equipment/{machine['assetid']}"
    for day, minutes in (("2024-02-01", 45), ("2024-02-02", 15)):
        response = client.post(f"{url}/maintenance", json={"performed_on": day, "kind": "corrective",
                                                           "downtime_minutes": minutes}, headers=headers)
        assert response.status_code == 201, response.get_json()
    too_long = client.post(f"{url}/maintenance", json={"performed_on": "2024-02-03", "kind": "corrective",
                                                       "notes": "x" * 10_000}, headers=headers)
    assert too_long.status_code == 422
    total = client.get(f"{url}/downtime?from=2024-02-01&to=2024-02-29").get_json()["data"]
    assert total["total_minutes"] == 60 and total["by_kind"]["corrective"]["count"] == 2
    ranking = client.get("/api/v1/equipment/downtime?from=2024-02-01&to=2024-02-29").get_json()
    assert ranking["data"][0]["total_minutes"] == 60 and ranking["meta"]["total"] == 1
    patched = client.patch(url, json={"operational_status": "down", "version": machine["version"]}, headers=headers)
    assert patched.status_code == 200, patched.get_json()
    assert client.patch(url, json={"cell": "X", "version": machine["version"]}, headers=headers).status_code == 409
    assert client.delete(url, headers=headers).status_code == 204


def test_the_plugin_keeps_the_contract_and_its_migration_matches_its_models(migrated_app):
    from shopdb.plugins.toolkit.testing import check_contract, check_drift

    with migrated_app.app_context():
        record = get_manager(migrated_app).get("equipment")
        assert record.state == "enabled"
        assert check_contract(record) == []
        assert check_drift(record) == []
