"""Every write path, as a real client uses it: every documented field filled, plugin rules on every
path, rules that crash refuse the write, and a site-limited editor cannot reach into another site by
linking things."""

from __future__ import annotations

import pytest

from shopdb.extensions import db
from shopdb.testing import admin_client

DOCUMENTED_ASSET_FIELDS = {"manufacturer": "DMG Mori", "model": "DMU 50", "serial_number": "SN-77120",
                           "notes": "Left of the coolant tank", "status": "active"}

# Every asset endpoint with a body that fills every documented field of its flat schema.
EVERY_ENDPOINT = {
    "/api/v1/assets": {"asset_type": "fixture"},
    "/api/v1/computers": {"hostname": "p1-sf-0001", "os_name": "Windows 10 IoT Enterprise LTSC",
                          "os_version": "21H2", "domain": "plant.example", "mac_address": "00-1B-1B-AA-00-01",
                          "primary_ip": "10.1.0.11", "pc_type": "shopfloor", "last_seen_at": "2026-11-29T06:00:00Z",
                          "warranty_end": "2028-06-30"},
    "/api/v1/equipment": {"machine_number": "2001", "equipment_type": "cnc_mill", "controller_type": "Heidenhain",
                          "controller_version": "TNC 640", "cell": "Cell 3", "floor_x": 12.5, "floor_y": 40.0,
                          "operational_status": "running"},
    "/api/v1/printers": {"hostname": "p1-prn-01", "ip_address": "10.1.0.50", "queue_name": "HALLA-LASER",
                         "driver": "HP Universal PCL 6", "printer_type": "laser", "color": True, "duplex": True},
    "/api/v1/usb": {"serial": "4C530001230611117453", "vendor_id": "0781", "product_id": "5583",
                    "capacity_mb": 32000, "label": "Program stick 7", "approved": True},
    "/api/v1/network/devices": {"role": "switch", "mgmt_ip": "10.1.0.2", "firmware": "IOS-XE 17.9.4"},
}


def _post(client, headers, url, body):
    return client.post(url, json=body, headers=headers)


@pytest.fixture
def fixture_type(client, auth_headers):
    response = client.post("/api/v1/asset-types", json={"name": "fixture", "label": "Fixture"}, headers=auth_headers)
    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize("url", list(EVERY_ENDPOINT))
def test_a_create_that_fills_every_documented_field_model_included_is_stored_whole(
        client, auth_headers, site, fixture_type, url):
    body = {"asset_tag": "T-100", "name": "Something real", "site_id": site["id"],
            **DOCUMENTED_ASSET_FIELDS, **EVERY_ENDPOINT[url]}
    response = _post(client, auth_headers, url, body)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()["data"]
    assert created["model"] == "DMU 50"
    assert created["serial_number"] == "SN-77120"
    again = client.get(f"/api/v1/assets/{created['assetid']}", headers=auth_headers).get_json()["data"]
    assert again["model"] == "DMU 50" and again["manufacturer"] == "DMG Mori"
    patched = client.patch(f"{url}/{created['assetid']}", json={"model": "DMU 65"}, headers=auth_headers)
    assert patched.status_code == 200, patched.get_json()
    assert patched.get_json()["data"]["model"] == "DMU 65"


def test_a_model_field_reaches_the_database_on_every_database(migrated_app):
    client = admin_client(migrated_app)
    from shopdb.testing import token_for

    headers = {"Authorization": f"Bearer {token_for(client)}"}
    site = client.post("/api/v1/sites", json={"code": "P1", "name": "Plant 1"}, headers=headers).get_json()["data"]
    response = client.post("/api/v1/computers", headers=headers, json={
        "asset_tag": "PC-1", "name": "CNC PC", "site_id": site["id"], "model": "SIMATIC IPC677E",
        "hostname": "p1-sf-1", "pc_type": "shopfloor"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["data"]["model"] == "SIMATIC IPC677E"


def _computer(client, headers, site_id, tag, ip, hostname):
    response = client.post("/api/v1/computers", headers=headers, json={
        "asset_tag": tag, "name": tag, "site_id": site_id, "hostname": hostname, "pc_type": "office",
        "primary_ip": ip})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]


def test_moving_a_pc_through_the_core_endpoint_into_a_site_where_its_ip_is_taken_is_refused(
        client, auth_headers, site, other_site):
    _computer(client, auth_headers, other_site["id"], "PC-2", "10.0.0.5", "p2-pc")
    mover = _computer(client, auth_headers, site["id"], "PC-1", "10.0.0.5", "p1-pc")
    response = client.patch(f"/api/v1/assets/{mover['assetid']}", json={"site_id": other_site["id"]},
                            headers=auth_headers)
    assert response.status_code == 409, response.get_json()
    assert "primary_ip" in response.get_json()["error"]["details"]["fields"]
    still = client.get(f"/api/v1/computers/{mover['assetid']}", headers=auth_headers).get_json()["data"]
    assert still["site_id"] == site["id"]


def test_a_plugin_rule_that_crashes_refuses_the_write_instead_of_letting_it_through(
        app, client, auth_headers, site, count_rows):
    from shopdb import events

    def broken_rule(**_):
        raise RuntimeError("bug in a plugin's rule")

    with app.app_context():
        events.bus().subscribe("asset_validate", broken_rule, "brokenplugin")
    before = count_rows("assets")
    response = client.post("/api/v1/equipment", headers=auth_headers, json={
        "asset_tag": "M-1", "name": "Lathe", "site_id": site["id"], "machine_number": "1"})
    assert response.status_code == 500
    error = response.get_json()["error"]
    assert error["code"] == "rule_failed" and error["details"]["plugin"] == "brokenplugin"
    assert count_rows("assets") == before


# -- a site-limited editor and links into another site ----------------------------------------------
@pytest.fixture
def two_plants(client, auth_headers, site, other_site, user_headers):
    """An editor limited to P1, and one thing of each kind in P1 (theirs) and P2 (not theirs)."""
    def make(url, body):
        response = client.post(url, json=body, headers=auth_headers)
        assert response.status_code == 201, (url, response.get_json())
        return response.get_json()["data"]

    things = {}
    for code, plant in (("p1", site), ("p2", other_site)):
        sid = plant["id"]
        things[code] = {
            "pc": make("/api/v1/computers", {"asset_tag": f"{code}-PC", "name": "PC", "site_id": sid,
                                             "hostname": f"{code}-pc", "pc_type": "shopfloor"}),
            "machine": make("/api/v1/equipment", {"asset_tag": f"{code}-M", "name": "Mill", "site_id": sid,
                                                  "machine_number": f"{code}1"}),
            "printer": make("/api/v1/printers", {"asset_tag": f"{code}-PRN", "name": "Printer", "site_id": sid}),
            "switch": make("/api/v1/network/devices", {"asset_tag": f"{code}-SW", "name": "Switch",
                                                       "site_id": sid}),
            "stick": make("/api/v1/usb", {"asset_tag": f"{code}-USB", "name": "Stick", "site_id": sid,
                                          "approved": True}),
            "subnet": make("/api/v1/network/subnets", {"cidr": f"10.{sid}.0.0/24", "name": "Shop floor",
                                                       "site_id": sid}),
        }
    things["editor"] = user_headers("editor", (site["id"],), name="p1editor")
    return things


def test_a_site_limited_editor_cannot_link_their_things_to_another_sites_assets(client, two_plants, count_rows):
    mine, theirs, editor = two_plants["p1"], two_plants["p2"], two_plants["editor"]
    attempts = {
        "relationship": ("/api/v1/assets/{}/relationships".format(mine["pc"]["assetid"]),
                         {"kind": "connected_to", "target_assetid": theirs["machine"]["assetid"]}),
        "controls": ("/api/v1/computers/{}/controls".format(mine["pc"]["assetid"]),
                     {"equipment_assetid": theirs["machine"]["assetid"]}),
        "printer for a PC": ("/api/v1/printers/{}/computers".format(mine["printer"]["assetid"]),
                             {"computer_assetid": theirs["pc"]["assetid"]}),
        "interface connection": ("/api/v1/network/interfaces",
                                 {"device_assetid": mine["switch"]["assetid"], "name": "Gi1/0/1",
                                  "connected_assetid": theirs["machine"]["assetid"]}),
        "stick to a machine": ("/api/v1/usb/{}/checkout".format(mine["stick"]["assetid"]),
                               {"checked_out_to": "J. Smith", "purpose": "Program upload",
                                "machine_assetid": theirs["machine"]["assetid"]}),
        "IP holder": ("/api/v1/network/ip-addresses",
                      {"address": f"10.{mine['subnet']['site_id']}.0.20", "subnet_id": mine["subnet"]["id"],
                       "assetid": theirs["pc"]["assetid"]}),
    }
    tables = ["asset_relationships", "interfaces", "usb_checkouts", "ip_addresses"]
    before = {t: count_rows(t) for t in tables}
    for what, (url, body) in attempts.items():
        response = client.post(url, json=body, headers=editor)
        # Refused either because the other site's asset is out of their sight (422 "no asset with id",
        # site scoping: ADR 0017) or by the write guard on the reference (403: ADR 0009).
        assert response.status_code in (403, 422), (what, response.status_code, response.get_json())
    assert {t: count_rows(t) for t in tables} == before


def test_a_site_limited_editor_still_links_things_within_their_own_site(client, two_plants):
    mine, editor = two_plants["p1"], two_plants["editor"]
    response = client.post(f"/api/v1/computers/{mine['pc']['assetid']}/controls",
                           json={"equipment_assetid": mine["machine"]["assetid"]}, headers=editor)
    assert response.status_code == 201, response.get_json()
    response = client.post(f"/api/v1/usb/{mine['stick']['assetid']}/checkout", headers=editor, json={
        "checked_out_to": "J. Smith", "purpose": "Program upload", "machine_assetid": mine["machine"]["assetid"]})
    assert response.status_code == 201, response.get_json()


def test_a_site_limited_editor_cannot_move_an_asset_into_another_site_through_any_endpoint(client, two_plants):
    mine, theirs, editor = two_plants["p1"], two_plants["p2"], two_plants["editor"]
    for url in (f"/api/v1/assets/{mine['machine']['assetid']}", f"/api/v1/equipment/{mine['machine']['assetid']}"):
        response = client.patch(url, json={"site_id": theirs["machine"]["site_id"]}, headers=editor)
        assert response.status_code == 403, (url, response.get_json())


def test_the_service_layer_itself_refuses_a_link_into_another_site(app, two_plants):
    """Not only the views: a plugin that forgets to check still cannot write across sites."""
    from flask import g

    from shopdb.api.errors import Forbidden
    from shopdb.core.models import AssetRelationship, User
    from shopdb.core.services import writes

    with app.test_request_context():
        g.current_user = db.session.execute(db.select(User).where(User.username == "p1editor")).scalar_one()
        with pytest.raises(Forbidden), writes.transaction():
            writes.create(AssetRelationship, kind="feeds", source_assetid=two_plants["p1"]["pc"]["assetid"],
                          target_assetid=two_plants["p2"]["pc"]["assetid"])
