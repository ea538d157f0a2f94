"""Duplicates are a 409 (SPEC §5): a hostname names one printer (in any case), an IP one printer per site."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from shopdb.plugins.toolkit import Conflict, db, writes
from shopdb.plugins.toolkit.testing import admin_client, token_for

URL = "/api/v1/printers"


def body(site, n: int, **fields) -> dict:
    return {"asset_tag": f"PR-D{n}", "name": f"Printer D{n}", "site_id": site["id"], **fields}


def assert_duplicate(response, field: str, value: str) -> None:
    assert response.status_code == 409, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "duplicate"
    assert error["details"]["fields"] == {field: ["Already in use."]}
    assert (error["details"]["field"], error["details"]["value"]) == (field, value)


def test_a_hostname_differing_only_in_case_is_a_duplicate_at_any_site(client, auth_headers, other_site,
                                                                      make_printer, counts):
    make_printer(hostname="prn-hall-a")
    before = counts()
    response = client.post(URL, headers=auth_headers, json=body(other_site, 1, hostname="PRN-Hall-A"))
    assert_duplicate(response, "hostname", "prn-hall-a")
    assert counts() == before


def test_renaming_a_printer_to_another_printers_hostname_is_refused(client, auth_headers, make_printer):
    make_printer(hostname="prn-taken")
    printer = make_printer(hostname="prn-mine")
    response = client.patch(f"{URL}/{printer['assetid']}", headers=auth_headers, json={"hostname": "PRN-TAKEN"})
    assert_duplicate(response, "hostname", "prn-taken")
    assert client.get(f"{URL}/{printer['assetid']}").get_json()["data"] == printer


def test_a_printer_may_keep_its_own_hostname_and_ip(client, auth_headers, make_printer):
    printer = make_printer(hostname="prn-self", ip_address="10.40.9.1")
    response = client.patch(f"{URL}/{printer['assetid']}", headers=auth_headers,
                            json={"hostname": "PRN-SELF", "ip_address": "10.40.9.1"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["data"]["version"] == printer["version"]  # nothing actually changed


def test_printers_without_hostname_or_ip_do_not_clash(make_printer):
    first, second = make_printer(), make_printer()
    assert first["hostname"] is second["hostname"] is None
    assert first["ip_address"] is second["ip_address"] is None


@pytest.mark.parametrize("spelling,stored", [("10.40.9.2", "10.40.9.2"), ("2001:DB8:0::2", "2001:db8::2")])
def test_a_second_printer_with_the_same_ip_at_the_same_site_is_refused(client, auth_headers, site, make_printer,
                                                                       counts, spelling, stored):
    make_printer(ip_address=stored)
    before = counts()
    response = client.post(URL, headers=auth_headers, json=body(site, 2, ip_address=spelling))
    assert_duplicate(response, "ip_address", stored)
    assert counts() == before


def test_the_same_ip_at_another_site_is_fine(client, auth_headers, other_site, make_printer):
    make_printer(ip_address="10.40.9.3")
    response = client.post(URL, headers=auth_headers, json=body(other_site, 3, ip_address="10.40.9.3"))
    assert response.status_code == 201, response.get_json()


def test_changing_a_printers_ip_to_a_neighbours_is_refused(client, auth_headers, make_printer):
    make_printer(ip_address="10.40.9.4")
    printer = make_printer(ip_address="10.40.9.5")
    response = client.patch(f"{URL}/{printer['assetid']}", headers=auth_headers, json={"ip_address": "10.40.9.4"})
    assert_duplicate(response, "ip_address", "10.40.9.4")
    assert client.get(f"{URL}/{printer['assetid']}").get_json()["data"] == printer


def test_moving_a_printer_to_a_site_where_its_ip_is_taken_is_refused(client, auth_headers, other_site,
                                                                     make_printer):
    there = client.post(URL, headers=auth_headers, json=body(other_site, 6, ip_address="10.40.9.6"))
    assert there.status_code == 201, there.get_json()
    printer = make_printer(ip_address="10.40.9.6")
    response = client.patch(f"{URL}/{printer['assetid']}", headers=auth_headers, json={"site_id": other_site["id"]})
    assert_duplicate(response, "ip_address", "10.40.9.6")
    assert client.get(f"{URL}/{printer['assetid']}").get_json()["data"] == printer
    moved = client.patch(f"{URL}/{printer['assetid']}", headers=auth_headers,
                         json={"site_id": other_site["id"], "ip_address": "10.40.9.7"})
    assert moved.status_code == 200, moved.get_json()


def test_the_database_backs_up_hostname_uniqueness_on_every_database(migrated_app):
    client = admin_client(migrated_app)
    headers = {"Authorization": f"Bearer {token_for(client)}"}
    site = client.post("/api/v1/sites", json={"code": "DB1", "name": "DB plant"}, headers=headers).get_json()["data"]
    ids = []
    for n in (1, 2):
        response = client.post(URL, headers=headers, json=body(site, n, hostname=f"PRN-DB-{n}",
                                                                ip_address=f"10.40.8.{n}"))
        assert response.status_code == 201, response.get_json()
        ids.append(response.get_json()["data"]["assetid"])
    assert_duplicate(client.post(URL, headers=headers, json=body(site, 3, hostname="prn-DB-1")),
                     "hostname", "prn-db-1")
    assert_duplicate(client.post(URL, headers=headers, json=body(site, 4, ip_address="10.40.8.2")),
                     "ip_address", "10.40.8.2")
    for n in (5, 6):  # NULL hostnames may repeat under the unique constraint on every dialect
        assert client.post(URL, headers=headers, json=body(site, n)).status_code == 201

    with migrated_app.app_context(), pytest.raises(Conflict), writes.transaction():
        db.session.execute(text("UPDATE printers SET hostname = 'prn-db-1' WHERE assetid = :id"), {"id": ids[1]})
    assert client.get(f"{URL}/{ids[1]}").get_json()["data"]["hostname"] == "prn-db-2"
