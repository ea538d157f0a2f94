"""The demo's notices, and the notice story on every database kind (``migrated_app``)."""

from __future__ import annotations

import random

from sqlalchemy import select

from shopdb.plugins.toolkit import Asset, Location, Site, db
from shopdb.plugins.toolkit.testing import DemoContext, admin_client, get_manager, token_for

URL = "/api/v1/notifications"


def test_the_demo_posts_generic_notices_and_critical_ones_for_machines_in_repair(app):
    with app.app_context():
        sites = []
        for code in ("P1", "P2"):
            site = Site(code=code, name=f"Plant {code}", timezone="Europe/Berlin")
            db.session.add(site)
            db.session.flush()
            db.session.add(Location(site_id=site.id, name="Cell A1", kind="cell", x=0.0, y=0.0))
            sites.append(site)
        db.session.flush()
        cells = {s.id: db.session.execute(select(Location).where(Location.site_id == s.id)).scalars().all()
                 for s in sites}
        ctx = DemoContext(total_assets=200, rng=random.Random(3), sites=sites, cells=cells)
        manager = get_manager(app)
        manager.get("equipment").plugin.generate_demo(ctx)  # the demo runs it first (priority 10)
        plugin = manager.get("notifications").plugin
        assert plugin.demo_priority == 60
        plugin.generate_demo(ctx)
        db.session.commit()
        in_repair = set(db.session.execute(select(Asset.assetid).where(Asset.status == "in_repair")).scalars())

    client = admin_client(app)
    active = client.get(f"{URL}/active?per_page=500").get_json()["data"]
    severities = {n["severity"] for n in active}
    assert {"info", "warning", "critical"} <= severities
    critical = [n for n in active if n["severity"] == "critical"]
    assert critical and {n["assetid"] for n in critical} <= in_repair
    assert all(n["title"].endswith(" is down") and n["source"] == "equipment" for n in critical)
    assert any(n["site_id"] is None for n in active)  # some are for every site
    everything = client.get(f"{URL}?per_page=500").get_json()["meta"]["total"]
    assert everything > len(active)  # and some are history already


def test_the_demo_without_machines_still_posts_generic_notices(app):
    with app.app_context():
        site = Site(code="P9", name="Plant 9", timezone="Europe/Berlin")
        db.session.add(site)
        db.session.flush()
        ctx = DemoContext(total_assets=10, rng=random.Random(1), sites=[site], cells={site.id: []})
        get_manager(app).get("notifications").plugin.generate_demo(ctx)
        db.session.commit()
    active = admin_client(app).get(f"{URL}/active").get_json()["data"]
    assert active and all(n["severity"] != "critical" for n in active)


def test_notices_acks_and_machine_outages_work_on_every_database(migrated_app):
    client = admin_client(migrated_app)
    headers = {"Authorization": f"Bearer {token_for(client)}"}
    site = client.post("/api/v1/sites", json={"code": "P1", "name": "Plant 1"}, headers=headers).get_json()["data"]
    notice = client.post(URL, json={"title": "Fire drill", "site_id": site["id"], "starts_at": "2020-01-01T00:00:00",
                                    "message": "m" * 5000}, headers=headers)
    assert notice.status_code == 201, notice.get_json()
    notice_id = notice.get_json()["data"]["id"]
    assert client.post(URL, json={"title": "t" * 201}, headers=headers).status_code == 422
    assert client.post(f"{URL}/{notice_id}/ack", headers=headers).status_code == 201
    assert client.post(f"{URL}/{notice_id}/ack", headers=headers).status_code == 200
    edited = client.patch(f"{URL}/{notice_id}", json={"title": "Drill", "version": 1}, headers=headers)
    assert edited.status_code == 200
    assert client.patch(f"{URL}/{notice_id}", json={"title": "Drill", "version": 1}, headers=headers).status_code == 409
    [feed_item] = client.get(f"{URL}/active?site_id={site['id']}", headers=headers).get_json()["data"]
    assert feed_item["acknowledged"] is True

    machine = client.post("/api/v1/equipment", json={"asset_tag": "M-1", "name": "Mill", "site_id": site["id"],
                                                     "machine_number": "1"}, headers=headers).get_json()["data"]
    url = f"/api/v1/equipment/{machine['assetid']}"
    assert client.patch(url, json={"operational_status": "down"}, headers=headers).status_code == 200
    titles = [n["title"] for n in client.get(f"{URL}/active").get_json()["data"]]
    assert titles == ["M-1 is down", "Drill"]
    assert client.patch(url, json={"operational_status": "running"}, headers=headers).status_code == 200
    assert [n["title"] for n in client.get(f"{URL}/active").get_json()["data"]] == ["Drill"]
    assert client.delete(f"{URL}/{notice_id}", headers=headers).status_code == 204


def test_the_plugin_keeps_the_contract_and_its_migration_matches_its_models(migrated_app):
    from shopdb.plugins.toolkit.testing import check_contract, check_drift

    with migrated_app.app_context():
        record = get_manager(migrated_app).get("notifications")
        assert record.state == "enabled"
        assert check_contract(record) == []
        assert check_drift(record) == []
