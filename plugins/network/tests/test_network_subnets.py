"""Subnets: CIDR normalisation, VLAN range, overlap per site, deletion, versions, utilisation."""

from __future__ import annotations

import pytest

URL = "/api/v1/network/subnets"


def test_a_cidr_with_host_bits_is_stored_as_its_network(api, site, make_subnet):
    subnet = make_subnet(site["id"], "10.1.2.77/24", vlan=120)
    assert subnet["cidr"] == "10.1.2.0/24"
    assert subnet["ip_version"] == 4 and subnet["prefix_length"] == 24 and subnet["vlan"] == 120
    assert api.ok("GET", f"{URL}/{subnet['id']}")["cidr"] == "10.1.2.0/24"


def test_an_ipv6_cidr_is_stored_compressed(site, make_subnet):
    subnet = make_subnet(site["id"], "FD00:0000:0000:0012:0000:0000:0000:0099/64")
    assert subnet["cidr"] == "fd00:0:0:12::/64"
    assert subnet["ip_version"] == 6


@pytest.mark.parametrize("cidr", ["10.1.2.0", "10.1.2.0/33", "10.300.2.0/24", "banana", "fe80::/64%eth0", ""])
def test_a_malformed_cidr_is_refused(api, site, counts, cidr):
    before = counts()
    code, body = api.post(URL, {"cidr": cidr, "name": "LAN", "site_id": site["id"]})
    assert code == 422, body
    assert "cidr" in body["error"]["details"]["fields"]
    assert counts() == before


@pytest.mark.parametrize("vlan", [0, 4095, -1, "12", 1.5])
def test_a_vlan_outside_1_to_4094_or_not_an_integer_is_refused(api, site, counts, vlan):
    before = counts()
    code, body = api.post(URL, {"cidr": "10.1.2.0/24", "name": "LAN", "site_id": site["id"], "vlan": vlan})
    assert code == 422, body
    assert "vlan" in body["error"]["details"]["fields"]
    assert counts() == before


def test_vlans_1_and_4094_are_the_limits(site, make_subnet):
    assert make_subnet(site["id"], "10.1.0.0/24", vlan=1)["vlan"] == 1
    assert make_subnet(site["id"], "10.1.1.0/24", vlan=4094)["vlan"] == 4094


def test_an_overlapping_subnet_in_the_same_site_is_refused_naming_the_other(api, site, make_subnet, counts):
    office = make_subnet(site["id"], "10.1.0.0/16", name="Office")
    before = counts()
    code, body = api.post(URL, {"cidr": "10.1.2.0/24", "name": "Cell", "site_id": site["id"]})
    assert code == 409, body
    assert "10.1.0.0/16" in body["error"]["message"] and "Office" in body["error"]["message"]
    assert body["error"]["details"]["overlaps"]["id"] == office["id"]
    # The bigger one around a smaller one overlaps too, and so does the very same subnet.
    assert api.post(URL, {"cidr": "10.0.0.0/8", "name": "All", "site_id": site["id"]})[0] == 409
    assert api.post(URL, {"cidr": "10.1.0.0/16", "name": "Again", "site_id": site["id"]})[0] == 409
    assert counts() == before


def test_ipv6_subnets_overlap_only_with_ipv6(api, site, make_subnet):
    make_subnet(site["id"], "fd00:1::/48")
    make_subnet(site["id"], "10.0.0.0/8")  # an IPv4 range never collides with an IPv6 one
    code, body = api.post(URL, {"cidr": "fd00:1:0:5::/64", "name": "Cell", "site_id": site["id"]})
    assert code == 409 and "fd00:1::/48" in body["error"]["message"]
    make_subnet(site["id"], "fd00:2::/64")


def test_adjacent_subnets_do_not_overlap(site, make_subnet):
    make_subnet(site["id"], "10.1.2.0/24")
    make_subnet(site["id"], "10.1.3.0/24")
    make_subnet(site["id"], "10.1.1.0/24")


def test_the_same_subnet_in_another_site_is_fine(site, other_site, make_subnet):
    make_subnet(site["id"], "10.1.2.0/24")
    other = make_subnet(other_site["id"], "10.1.2.0/24")
    assert other["site_id"] == other_site["id"]


def test_a_subnet_of_an_unknown_site_is_a_field_error(api, site, counts):
    before = counts()
    code, body = api.post(URL, {"cidr": "10.1.2.0/24", "name": "LAN", "site_id": 999})
    assert code == 422 and "site_id" in body["error"]["details"]["fields"]
    assert counts() == before


def test_bad_bodies_are_refused_and_write_nothing(api, site, counts):
    before = counts()
    good = {"cidr": "10.1.2.0/24", "name": "LAN", "site_id": site["id"]}
    response = api.client.post(URL, data="{not json", headers={**api.headers, "Content-Type": "application/json"})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "malformed_json"
    assert api.post(URL, {**good, "site_id": "1"})[0] == 422  # wrong type
    assert api.post(URL, {**good, "gateway": "10.1.2.1"})[0] == 422  # unknown field
    assert api.post(URL, {**good, "name": "x" * 10_000})[0] == 422
    assert api.post(URL, {**good, "description": "x" * 10_000})[0] == 422
    assert api.post(URL, {**good, "cidr": "1" * 10_000})[0] == 422
    assert api.post(URL, [good])[0] in (400, 422)
    assert api.post(URL, {"name": "LAN", "site_id": site["id"]})[0] == 422  # cidr missing
    assert counts() == before


def test_writes_need_a_token(anonymous_client, site):
    response = anonymous_client.post(URL, json={"cidr": "10.1.2.0/24", "name": "LAN", "site_id": site["id"]})
    assert response.status_code == 401


def test_a_subnet_can_be_renamed_and_resized_with_its_version(api, site, make_subnet):
    subnet = make_subnet(site["id"], "10.1.2.0/24")
    updated = api.ok("PATCH", f"{URL}/{subnet['id']}", {"name": "Cell A1", "cidr": "10.1.2.9/23",
                                                          "version": subnet["version"]})
    assert updated["cidr"] == "10.1.2.0/23" and updated["name"] == "Cell A1"
    assert updated["version"] == subnet["version"] + 1
    assert updated["size"] == 510


def test_a_stale_version_is_refused_and_changes_nothing(api, site, make_subnet, counts):
    subnet = make_subnet(site["id"], "10.1.2.0/24")
    api.ok("PATCH", f"{URL}/{subnet['id']}", {"name": "First edit", "version": subnet["version"]})
    before = counts()
    code, body = api.patch(f"{URL}/{subnet['id']}", {"name": "Second edit", "version": subnet["version"]})
    assert code == 409 and body["error"]["code"] == "version_conflict"
    assert body["error"]["details"]["current_version"] == subnet["version"] + 1
    code, _ = api.patch(f"{URL}/{subnet['id']}", {"name": "Third"}, headers={"If-Match": f'"{subnet["version"]}"'})
    assert code == 412
    assert api.ok("GET", f"{URL}/{subnet['id']}")["name"] == "First edit"
    assert counts() == before


def test_resizing_into_an_overlap_is_refused(api, site, make_subnet):
    make_subnet(site["id"], "10.1.3.0/24", name="Neighbour")
    subnet = make_subnet(site["id"], "10.1.2.0/24")
    code, body = api.patch(f"{URL}/{subnet['id']}", {"cidr": "10.1.2.0/23"})
    assert code == 409 and "Neighbour" in body["error"]["message"]


def test_shrinking_a_subnet_may_not_strand_its_addresses(api, site, make_subnet):
    subnet = make_subnet(site["id"], "10.1.2.0/24")
    api.ok("POST", "/api/v1/network/ip-addresses", {"address": "10.1.2.200", "subnet_id": subnet["id"]})
    code, body = api.patch(f"{URL}/{subnet['id']}", {"cidr": "10.1.2.0/25"})
    assert code == 409 and "10.1.2.0/25" in body["error"]["message"]
    assert api.ok("PATCH", f"{URL}/{subnet['id']}", {"cidr": "10.1.2.128/25"})["cidr"] == "10.1.2.128/25"


def test_a_subnet_with_addresses_cannot_move_to_another_site(api, site, other_site, make_subnet):
    subnet = make_subnet(site["id"], "10.1.2.0/24")
    api.ok("POST", "/api/v1/network/ip-addresses", {"address": "10.1.2.5", "subnet_id": subnet["id"]})
    code, _ = api.patch(f"{URL}/{subnet['id']}", {"site_id": other_site["id"]})
    assert code == 409


def test_an_empty_subnet_moves_to_another_site_unless_it_overlaps_there(api, site, other_site, make_subnet):
    make_subnet(other_site["id"], "10.1.0.0/16", name="P2 office")
    subnet = make_subnet(site["id"], "10.1.2.0/24")
    code, body = api.patch(f"{URL}/{subnet['id']}", {"site_id": other_site["id"]})
    assert code == 409 and "P2 office" in body["error"]["message"]
    empty = make_subnet(site["id"], "10.9.0.0/24")
    assert api.ok("PATCH", f"{URL}/{empty['id']}", {"site_id": other_site["id"]})["site_id"] == other_site["id"]


def test_deleting_a_subnet_that_still_has_addresses_is_refused(api, site, make_subnet, counts):
    subnet = make_subnet(site["id"], "10.1.2.0/24")
    ip = api.ok("POST", "/api/v1/network/ip-addresses", {"address": "10.1.2.5", "subnet_id": subnet["id"]})
    before = counts()
    code, body = api.delete(f"{URL}/{subnet['id']}")
    assert code == 409 and "1 IP addresses" in body["error"]["message"]
    assert counts() == before
    api.ok("DELETE", f"/api/v1/network/ip-addresses/{ip['id']}")
    api.ok("DELETE", f"{URL}/{subnet['id']}")
    assert api.get(f"{URL}/{subnet['id']}")[0] == 404


def test_the_list_shows_utilisation_and_sorts_by_address(api, site, other_site, make_subnet):
    big = make_subnet(site["id"], "10.10.0.0/16")
    small = make_subnet(site["id"], "10.9.0.0/30")
    make_subnet(other_site["id"], "10.2.0.0/24")
    for address in ("10.10.0.1", "10.10.0.2", "10.10.3.4"):
        api.ok("POST", "/api/v1/network/ip-addresses", {"address": address, "subnet_id": big["id"]})
    code, body = api.get(f"{URL}?site_id={site['id']}")
    assert code == 200 and body["meta"]["total"] == 2
    assert [s["cidr"] for s in body["data"]] == ["10.9.0.0/30", "10.10.0.0/16"]  # numeric, not text order
    listed = {s["id"]: s for s in body["data"]}
    assert listed[big["id"]]["used"] == 3 and listed[big["id"]]["size"] == 65534
    assert listed[small["id"]]["used"] == 0 and listed[small["id"]]["size"] == 2
    by_use = api.get(f"{URL}?sort=-used")[1]["data"]
    assert by_use[0]["id"] == big["id"]


def test_the_list_filters_by_cidr_containment_vlan_and_search(api, site, make_subnet):
    make_subnet(site["id"], "10.1.2.0/24", name="Hall A shopfloor", vlan=100)
    make_subnet(site["id"], "fd00:5::/64", name="ULA")
    assert [s["name"] for s in api.get(f"{URL}?cidr=10.1.2.99/24")[1]["data"]] == ["Hall A shopfloor"]
    assert [s["name"] for s in api.get(f"{URL}?contains=10.1.2.7")[1]["data"]] == ["Hall A shopfloor"]
    assert [s["name"] for s in api.get(f"{URL}?contains=fd00:5::abcd")[1]["data"]] == ["ULA"]
    assert api.get(f"{URL}?contains=10.1.3.7")[1]["data"] == []
    assert [s["vlan"] for s in api.get(f"{URL}?vlan=100")[1]["data"]] == [100]
    assert [s["name"] for s in api.get(f"{URL}?q=shopfloor")[1]["data"]] == ["Hall A shopfloor"]
    assert api.get(f"{URL}?contains=banana")[0] == 400
    assert api.get(f"{URL}?vlan=abc")[0] == 400
    assert api.get(f"{URL}?colour=red")[0] == 400


def test_changes_are_audited(api, site, make_subnet):
    subnet = make_subnet(site["id"], "10.1.2.0/24")
    api.ok("PATCH", f"{URL}/{subnet['id']}", {"name": "Renamed"})
    from sqlalchemy import text

    from shopdb.plugins.toolkit import db

    with api.client.application.app_context():
        actions = db.session.execute(text(
            "SELECT action FROM audit_log WHERE table_name = 'subnets' ORDER BY id")).scalars().all()
    assert actions == ["create", "update"]
