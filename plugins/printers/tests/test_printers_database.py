"""The printers table on every database, migrated from the plugin's own chain."""

from __future__ import annotations

from shopdb.plugins.toolkit.testing import admin_client, token_for


def test_printers_work_on_every_database(migrated_app):
    client = admin_client(migrated_app)
    headers = {"Authorization": f"Bearer {token_for(client)}"}
    site = client.post("/api/v1/sites", json={"code": "DB1", "name": "DB plant"}, headers=headers).get_json()["data"]
    response = client.post("/api/v1/printers", headers=headers, json={
        "asset_tag": "PR-1", "name": "Label printer", "site_id": site["id"], "hostname": "PRN-DB-1",
        "ip_address": "2001:db8:0::5", "printer_type": "label", "color": False, "duplex": True})
    assert response.status_code == 201, response.get_json()
    printer = response.get_json()["data"]
    assert (printer["hostname"], printer["ip_address"], printer["duplex"]) == ("prn-db-1", "2001:db8::5", True)
    bad = client.post("/api/v1/printers", headers=headers, json={
        "asset_tag": "PR-2", "name": "x", "site_id": site["id"], "printer_type": "3d"})
    assert bad.status_code == 422
    listed = client.get("/api/v1/printers?printer_type=label").get_json()
    assert listed["meta"]["total"] == 1
    assert client.get("/api/v1/search?q=prn-db-1").get_json()["data"][0]["assetid"] == printer["assetid"]
    changed = client.patch(f"/api/v1/printers/{printer['assetid']}", headers=headers,
                           json={"version": printer["version"], "color": True})
    assert changed.status_code == 200 and changed.get_json()["data"]["color"] is True
    assert client.delete(f"/api/v1/printers/{printer['assetid']}", headers=headers).status_code == 204
