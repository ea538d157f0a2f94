"""Duplicate addresses are a 409 (SPEC §5): a primary IP is unique among one site's PCs, a MAC among all PCs."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from shopdb.plugins.toolkit import Conflict, db, writes
from shopdb.plugins.toolkit.testing import admin_client, token_for

URL = "/api/v1/computers"


def body(site, n: int, **fields) -> dict:
    return {"asset_tag": f"PC-D{n}", "name": f"PC D{n}", "site_id": site["id"], "hostname": f"pc-d{n}",
            "pc_type": "office", **fields}


def assert_duplicate(response, field: str, value: str) -> None:
    assert response.status_code == 409, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "duplicate"
    assert error["details"]["fields"] == {field: ["Already in use."]}
    assert (error["details"]["field"], error["details"]["value"]) == (field, value)


@pytest.mark.parametrize("spelling,stored", [("10.5.0.9", "10.5.0.9"), ("FD00:0:0::9", "fd00::9")])
def test_a_second_pc_with_the_same_ip_at_the_same_site_is_refused(client, auth_headers, site, make_computer, counts,
                                                                  spelling, stored):
    make_computer(primary_ip=stored)
    before = counts()
    response = client.post(URL, headers=auth_headers, json=body(site, 1, primary_ip=spelling))
    assert_duplicate(response, "primary_ip", stored)
    assert counts() == before


def test_the_same_ip_at_another_site_is_fine(client, auth_headers, other_site, make_computer):
    make_computer(primary_ip="10.5.0.10")
    response = client.post(URL, headers=auth_headers, json=body(other_site, 2, primary_ip="10.5.0.10"))
    assert response.status_code == 201, response.get_json()


def test_pcs_without_an_ip_or_mac_do_not_clash(make_computer):
    first, second = make_computer(), make_computer()
    assert first["primary_ip"] is second["primary_ip"] is None
    assert first["mac_address"] is second["mac_address"] is None


def test_changing_a_pcs_ip_to_a_neighbours_is_refused_and_changes_nothing(client, auth_headers, make_computer):
    make_computer(primary_ip="10.5.0.11")
    pc = make_computer(primary_ip="10.5.0.12")
    response = client.patch(f"{URL}/{pc['assetid']}", headers=auth_headers, json={"primary_ip": "10.5.0.11"})
    assert_duplicate(response, "primary_ip", "10.5.0.11")
    assert client.get(f"{URL}/{pc['assetid']}").get_json()["data"] == pc


def test_moving_a_pc_to_a_site_where_its_ip_is_taken_is_refused(client, auth_headers, site, other_site, make_computer):
    there = client.post(URL, headers=auth_headers, json=body(other_site, 3, primary_ip="10.5.0.13"))
    assert there.status_code == 201, there.get_json()
    pc = make_computer(primary_ip="10.5.0.13")
    response = client.patch(f"{URL}/{pc['assetid']}", headers=auth_headers, json={"site_id": other_site["id"]})
    assert_duplicate(response, "primary_ip", "10.5.0.13")
    # Moving with a new address that is free there is fine.
    moved = client.patch(f"{URL}/{pc['assetid']}", headers=auth_headers,
                         json={"site_id": other_site["id"], "primary_ip": "10.5.0.14"})
    assert moved.status_code == 200, moved.get_json()
    assert (moved.get_json()["data"]["site_id"], moved.get_json()["data"]["primary_ip"]) == (
        other_site["id"], "10.5.0.14")


def test_a_pc_may_keep_its_own_ip_and_mac(client, auth_headers, make_computer):
    pc = make_computer(primary_ip="10.5.0.15", mac_address="00:14:22:00:00:15")
    response = client.patch(f"{URL}/{pc['assetid']}", headers=auth_headers, json={
        "primary_ip": "10.5.0.15", "mac_address": "00-14-22-00-00-15", "name": "Renamed"})
    assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize("spelling", ["00:14:22:AA:BB:01", "00-14-22-aa-bb-01", "0014.22aa.bb01"])
def test_a_mac_already_on_another_pc_is_refused_at_any_site(client, auth_headers, other_site, make_computer, counts,
                                                            spelling):
    make_computer(mac_address="00:14:22:AA:BB:01")
    before = counts()
    response = client.post(URL, headers=auth_headers, json=body(other_site, 4, mac_address=spelling))
    assert_duplicate(response, "mac_address", "00:14:22:AA:BB:01")
    assert counts() == before


def test_changing_a_pcs_mac_to_a_neighbours_is_refused(client, auth_headers, make_computer):
    make_computer(mac_address="00:14:22:AA:BB:02")
    pc = make_computer()
    response = client.patch(f"{URL}/{pc['assetid']}", headers=auth_headers, json={"mac_address": "001422aabb02"})
    assert_duplicate(response, "mac_address", "00:14:22:AA:BB:02")
    assert client.get(f"{URL}/{pc['assetid']}").get_json()["data"] == pc


def test_the_database_backs_up_mac_uniqueness_on_every_database(migrated_app):
    client = admin_client(migrated_app)
    headers = {"Authorization": f"Bearer {token_for(client)}"}
    site = client.post("/api/v1/sites", json={"code": "DB1", "name": "DB plant"}, headers=headers).get_json()["data"]
    ids = []
    for n in (1, 2):
        response = client.post(URL, headers=headers, json=body(site, n, mac_address=f"00:14:22:DB:00:0{n}",
                                                                primary_ip=f"10.9.0.{n}"))
        assert response.status_code == 201, response.get_json()
        ids.append(response.get_json()["data"]["assetid"])
    assert_duplicate(client.post(URL, headers=headers, json=body(site, 3, mac_address="00:14:22:DB:00:01")),
                     "mac_address", "00:14:22:DB:00:01")
    assert_duplicate(client.post(URL, headers=headers, json=body(site, 4, primary_ip="10.9.0.2")),
                     "primary_ip", "10.9.0.2")
    for n in (5, 6):  # NULL MACs may repeat under the unique constraint on every dialect
        assert client.post(URL, headers=headers, json=body(site, n)).status_code == 201

    with migrated_app.app_context(), pytest.raises(Conflict), writes.transaction():
        db.session.execute(text("UPDATE computers SET mac_address = '00:14:22:DB:00:01' WHERE assetid = :id"),
                           {"id": ids[1]})
    assert client.get(f"{URL}/{ids[1]}").get_json()["data"]["mac_address"] == "00:14:22:DB:00:02"
