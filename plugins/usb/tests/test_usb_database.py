"""The usb tables on SQLite, MariaDB and PostgreSQL (the last two when their test URLs are set)."""

from __future__ import annotations

import hashlib
import random

from sqlalchemy import select, text

from shopdb.plugins.toolkit import db
from shopdb.plugins.toolkit.testing import DemoContext, admin_client, ensure_plant, get_manager, token_for

URL = "/api/v1/usb"


def test_the_custody_chain_works_the_same_on_every_database(migrated_app):
    client = admin_client(migrated_app)
    headers = {"Authorization": f"Bearer {token_for(client)}"}
    site = client.post("/api/v1/sites", json={"code": "P1", "name": "Plant 1"}, headers=headers).get_json()["data"]
    client.post("/api/v1/asset-types", json={"name": "usbtest_machine", "label": "Machine"}, headers=headers)
    machine = client.post("/api/v1/assets", headers=headers, json={
        "asset_tag": "M-2001", "name": "Lathe", "site_id": site["id"], "asset_type": "usbtest_machine"}
    ).get_json()["data"]
    response = client.post(URL, headers=headers, json={
        "asset_tag": "USB-0001", "name": "Stick", "site_id": site["id"], "vendor_id": "0X0781",
        "product_id": "5567", "serial": "S1", "label": "PRG-1", "capacity_mb": 8192, "approved": True})
    assert response.status_code == 201, response.get_json()
    stick = response.get_json()["data"]
    digest = hashlib.sha256(b"O1234").hexdigest()
    response = client.post(f"{URL}/{stick['assetid']}/checkout", headers=headers, json={
        "checked_out_to": "Anna Becker", "purpose": "Load program", "machine_assetid": machine["assetid"],
        "files": [{"name": "O1234.nc", "sha256": digest}, {"name": "Müller_50%.H", "sha256": "b" * 64}]})
    assert response.status_code == 201, response.get_json()
    first = response.get_json()["data"]

    # The unique open-checkout guard holds on this database too, even if the device row lies.
    with migrated_app.app_context():
        db.session.execute(text("UPDATE usb_devices SET custody_state = 'in_store' WHERE assetid = :a"),
                           {"a": stick["assetid"]})
        db.session.commit()
    response = client.post(f"{URL}/{stick['assetid']}/checkout", headers=headers,
                           json={"checked_out_to": "Jonas Wolf", "purpose": "Second"})
    assert response.status_code == 409, response.get_json()
    with migrated_app.app_context():
        db.session.execute(text("UPDATE usb_devices SET custody_state = 'checked_out' WHERE assetid = :a"),
                           {"a": stick["assetid"]})
        db.session.commit()

    def ids(query: str) -> list[int]:
        response = client.get(f"{URL}/checkouts?{query}")
        assert response.status_code == 200, response.get_json()
        return [c["id"] for c in response.get_json()["data"]]

    assert ids(f"file_sha256={digest}") == [first["id"]]
    assert ids("file_name=o1234.NC") == [first["id"]]
    assert ids("file_name=Müller_50%25.H") == [first["id"]]
    assert ids("file_name=Muller_50%25.H") == []
    assert ids(f"open=true&machine_assetid={machine['assetid']}") == [first["id"]]
    assert client.get(f"{URL}?vendor_id=0x0781&approved=true").get_json()["meta"]["total"] == 1

    response = client.post(f"{URL}/{stick['assetid']}/checkin", headers=headers, json={"notes": "ok"})
    assert response.status_code == 200, response.get_json()
    assert ids("open=false") == [first["id"]]
    response = client.post(f"{URL}/{stick['assetid']}/lost", headers=headers, json={})
    assert response.status_code == 200 and response.get_json()["data"]["status"] == "lost"
    response = client.post(f"{URL}/{stick['assetid']}/checkout", headers=headers,
                           json={"checked_out_to": "Jonas Wolf", "purpose": "Third"})
    assert response.status_code == 409
    # The chain outlives the machine (its snapshot) and refuses to let the stick be deleted.
    assert client.delete(f"/api/v1/assets/{machine['assetid']}", headers=headers).status_code == 204
    record = client.get(f"{URL}/checkouts?machine_asset_tag=M-2001").get_json()["data"]
    assert [(r["id"], r["machine_assetid"], r["machine_name"]) for r in record] == [(first["id"], None, "Lathe")]
    assert client.delete(f"{URL}/{stick['assetid']}", headers=headers).status_code == 409
    assert client.delete(f"/api/v1/assets/{stick['assetid']}", headers=headers).status_code == 409
    assert client.get(f"{URL}/checkouts").get_json()["meta"]["total"] == 1
    spare = client.post(URL, headers=headers, json={"asset_tag": "USB-0002", "name": "Spare", "site_id": site["id"]})
    assert spare.status_code == 201, spare.get_json()
    assert client.delete(f"{URL}/{spare.get_json()['data']['assetid']}", headers=headers).status_code == 204


def test_the_demo_makes_a_consistent_custody_history_on_every_database(migrated_app):
    with migrated_app.app_context():
        rng = random.Random(7)
        sites, cells = ensure_plant(rng)
        ctx = DemoContext(total_assets=200, rng=rng, sites=sites, cells=cells)
        plugin = next(p for p in get_manager().enabled_plugins() if p.name == "usb")
        assert plugin.demo_priority == 40
        plugin.generate_demo(ctx)
        db.session.commit()
        assert ctx.created == {"usb_device": 24}
        rows = db.session.execute(text(
            "SELECT d.assetid, d.approved, d.custody_state, a.status, "
            " (SELECT COUNT(*) FROM usb_checkouts c WHERE c.open_device_assetid = d.assetid) AS open_count, "
            " (SELECT COUNT(*) FROM usb_checkouts c WHERE c.device_assetid = d.assetid) AS total "
            "FROM usb_devices d JOIN assets a ON a.assetid = d.assetid")).all()
        assert len(rows) == 24
        assert [r.custody_state for r in rows].count("lost") == 1
        assert any(not r.approved for r in rows) and sum(bool(r.approved) for r in rows) > 12
        for row in rows:
            assert row.open_count == (1 if row.custody_state == "checked_out" else 0)
            assert (row.status == "lost") == (row.custody_state == "lost")
            assert row.total == 0 or row.approved
        files = db.session.execute(select(text("files")).select_from(text("usb_checkouts"))).scalars().first()
        assert files  # program files with their digests
    client = admin_client(migrated_app)
    some = client.get(f"{URL}/checkouts?per_page=1").get_json()["data"][0]
    assert some["files"][0]["name"].startswith("O") and len(some["files"][0]["sha256"]) == 64
    assert client.get(f"{URL}/checkouts?file_sha256={some['files'][0]['sha256']}").get_json()["meta"]["total"] >= 1
