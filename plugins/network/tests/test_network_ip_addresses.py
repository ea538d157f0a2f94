"""IP addresses: inside their subnet, one per site, right family, held by real assets."""

from __future__ import annotations

import pytest

URL = "/api/v1/network/ip-addresses"


@pytest.fixture
def lan(site, make_subnet) -> dict:
    return make_subnet(site["id"], "10.1.2.0/24", name="Hall A", vlan=100)


@pytest.fixture
def ula(site, make_subnet) -> dict:
    return make_subnet(site["id"], "fd00:1:2:3::/64", name="ULA")


def test_an_address_inside_its_subnet_is_recorded_with_the_subnets_site(api, site, lan):
    ip = api.ok("POST", URL, {"address": "10.1.2.10", "subnet_id": lan["id"], "hostname": "pc-a1-01"})
    assert ip["address"] == "10.1.2.10" and ip["site_id"] == site["id"] and ip["cidr"] == "10.1.2.0/24"
    assert ip["status"] == "active" and ip["ip_version"] == 4 and ip["version"] == 1


def test_an_ipv6_address_is_stored_compressed(api, ula):
    ip = api.ok("POST", URL, {"address": "FD00:1:2:3:0000:0000:0000:00A0", "subnet_id": ula["id"]})
    assert ip["address"] == "fd00:1:2:3::a0" and ip["ip_version"] == 6


def test_an_address_outside_its_subnet_is_refused_naming_the_subnet(api, lan, ula, counts):
    before = counts()
    code, body = api.post(URL, {"address": "10.1.3.5", "subnet_id": lan["id"]})
    assert code == 422 and "not inside 10.1.2.0/24" in body["error"]["message"]
    assert "not inside 10.1.2.0/24" in body["error"]["details"]["fields"]["address"][0]
    code, body = api.post(URL, {"address": "fd00:1:2:4::1", "subnet_id": ula["id"]})
    assert code == 422 and "not inside fd00:1:2:3::/64" in body["error"]["message"]
    assert counts() == before


def test_an_address_of_the_other_family_is_refused(api, lan, ula):
    code, body = api.post(URL, {"address": "fd00:1:2:3::5", "subnet_id": lan["id"]})
    assert code == 422 and "IPv6" in body["error"]["message"]
    code, body = api.post(URL, {"address": "10.1.2.5", "subnet_id": ula["id"]})
    assert code == 422 and "IPv4" in body["error"]["message"]


@pytest.mark.parametrize("address, reason", [("10.1.2.0", "network address"), ("10.1.2.255", "broadcast")])
def test_network_and_broadcast_addresses_cannot_be_assigned(api, lan, address, reason):
    code, body = api.post(URL, {"address": address, "subnet_id": lan["id"]})
    assert code == 422 and reason in body["error"]["message"]


def test_the_ipv6_subnet_router_anycast_address_cannot_be_assigned(api, ula):
    code, body = api.post(URL, {"address": "fd00:1:2:3::", "subnet_id": ula["id"]})
    assert code == 422 and "anycast" in body["error"]["message"]


def test_both_addresses_of_a_point_to_point_31_are_usable(api, site, make_subnet):
    link = make_subnet(site["id"], "10.255.0.0/31")
    api.ok("POST", URL, {"address": "10.255.0.0", "subnet_id": link["id"]})
    api.ok("POST", URL, {"address": "10.255.0.1", "subnet_id": link["id"]})


@pytest.mark.parametrize("address", ["10.1.2", "10.1.2.256", "banana", "10.1.2.5/24", "fe80::1%eth0", ""])
def test_a_malformed_address_is_refused(api, lan, counts, address):
    before = counts()
    code, body = api.post(URL, {"address": address, "subnet_id": lan["id"]})
    assert code == 422 and "address" in body["error"]["details"]["fields"], body
    assert counts() == before


def test_a_duplicate_address_in_the_same_site_is_refused(api, site, lan, make_subnet, counts):
    api.ok("POST", URL, {"address": "10.1.2.10", "subnet_id": lan["id"]})
    before = counts()
    code, body = api.post(URL, {"address": "10.1.2.10", "subnet_id": lan["id"]})
    assert code == 409 and body["error"]["code"] == "duplicate"
    assert counts() == before


def test_the_same_address_in_another_site_is_fine(api, lan, other_site, make_subnet):
    api.ok("POST", URL, {"address": "10.1.2.10", "subnet_id": lan["id"]})
    other = make_subnet(other_site["id"], "10.1.2.0/24")
    ip = api.ok("POST", URL, {"address": "10.1.2.10", "subnet_id": other["id"]})
    assert ip["site_id"] == other_site["id"]


def test_the_same_ipv6_address_written_two_ways_is_one_address(api, ula):
    api.ok("POST", URL, {"address": "fd00:1:2:3::a", "subnet_id": ula["id"]})
    assert api.post(URL, {"address": "FD00:0001:0002:0003:0:0:0:000A", "subnet_id": ula["id"]})[0] == 409


def test_an_address_is_assigned_to_an_asset_that_exists(api, site, lan, make_machine, counts):
    lathe = make_machine(site["id"])
    ip = api.ok("POST", URL, {"address": "10.1.2.20", "subnet_id": lan["id"], "assetid": lathe["assetid"]})
    assert ip["assetid"] == lathe["assetid"] and ip["asset_tag"] == lathe["asset_tag"]
    before = counts()
    code, body = api.post(URL, {"address": "10.1.2.21", "subnet_id": lan["id"], "assetid": 99999})
    assert code == 422 and "assetid" in body["error"]["details"]["fields"]
    assert counts() == before


def test_an_address_of_an_unknown_subnet_is_a_field_error(api, lan):
    code, body = api.post(URL, {"address": "10.1.2.20", "subnet_id": 99999})
    assert code == 422 and "subnet_id" in body["error"]["details"]["fields"]


def test_an_address_is_reassigned_and_moved_with_patch(api, site, lan, make_subnet, make_machine):
    lathe, mill = make_machine(site["id"]), make_machine(site["id"])
    ip = api.ok("POST", URL, {"address": "10.1.2.20", "subnet_id": lan["id"], "assetid": lathe["assetid"]})
    moved = api.ok("PATCH", f"{URL}/{ip['id']}", {"assetid": mill["assetid"], "status": "reserved",
                                                   "version": ip["version"]})
    assert moved["assetid"] == mill["assetid"] and moved["status"] == "reserved"
    other = make_subnet(site["id"], "10.1.3.0/24")
    code, body = api.patch(f"{URL}/{ip['id']}", {"subnet_id": other["id"]})  # 10.1.2.20 is not in it
    assert code == 422 and "not inside 10.1.3.0/24" in body["error"]["message"]
    moved = api.ok("PATCH", f"{URL}/{ip['id']}", {"subnet_id": other["id"], "address": "10.1.3.20"})
    assert moved["cidr"] == "10.1.3.0/24" and moved["address"] == "10.1.3.20"
    released = api.ok("PATCH", f"{URL}/{ip['id']}", {"assetid": None})
    assert released["assetid"] is None


def test_changing_an_address_onto_a_taken_one_is_refused(api, lan):
    api.ok("POST", URL, {"address": "10.1.2.10", "subnet_id": lan["id"]})
    ip = api.ok("POST", URL, {"address": "10.1.2.11", "subnet_id": lan["id"]})
    assert api.patch(f"{URL}/{ip['id']}", {"address": "10.1.2.10"})[0] == 409
    assert api.ok("PATCH", f"{URL}/{ip['id']}", {"address": "10.1.2.11", "hostname": "same"})["hostname"] == "same"


def test_a_stale_version_is_refused(api, lan, counts):
    ip = api.ok("POST", URL, {"address": "10.1.2.10", "subnet_id": lan["id"]})
    api.ok("PATCH", f"{URL}/{ip['id']}", {"status": "reserved"})
    before = counts()
    code, body = api.patch(f"{URL}/{ip['id']}", {"status": "deprecated", "version": ip["version"]})
    assert code == 409 and body["error"]["code"] == "version_conflict"
    assert counts() == before
    assert api.ok("GET", f"{URL}/{ip['id']}")["status"] == "reserved"


def test_bad_bodies_are_refused_and_write_nothing(api, lan, counts):
    before = counts()
    good = {"address": "10.1.2.10", "subnet_id": lan["id"]}
    response = api.client.post(URL, data="{'address':", headers={**api.headers, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert api.post(URL, {**good, "subnet_id": str(lan["id"])})[0] == 422
    assert api.post(URL, {**good, "assetid": True})[0] == 422
    assert api.post(URL, {**good, "status": "borrowed"})[0] == 422
    assert api.post(URL, {**good, "mac": "00:11:22:33:44:55"})[0] == 422
    assert api.post(URL, {**good, "hostname": "h" * 10_000})[0] == 422
    assert api.post(URL, {**good, "description": "d" * 10_000})[0] == 422
    assert api.post(URL, {**good, "address": "1" * 10_000})[0] == 422
    assert api.post(URL, {**good, "hostname": "not a hostname!"})[0] == 422
    assert counts() == before


def test_the_list_filters_by_subnet_asset_status_site_and_searches(api, site, other_site, lan, make_subnet,
                                                                   make_machine):
    lathe = make_machine(site["id"])
    api.ok("POST", URL, {"address": "10.1.2.10", "subnet_id": lan["id"], "assetid": lathe["assetid"],
                         "hostname": "lathe-ctrl"})
    api.ok("POST", URL, {"address": "10.1.2.9", "subnet_id": lan["id"], "status": "dhcp"})
    api.ok("POST", URL, {"address": "10.1.2.100", "subnet_id": lan["id"], "status": "reserved"})
    other = make_subnet(other_site["id"], "10.1.2.0/24")
    api.ok("POST", URL, {"address": "10.1.2.10", "subnet_id": other["id"]})

    def addresses(query: str) -> list[str]:
        code, body = api.get(f"{URL}?{query}")
        assert code == 200, body
        return [ip["address"] for ip in body["data"]]

    assert addresses(f"subnet_id={lan['id']}") == ["10.1.2.9", "10.1.2.10", "10.1.2.100"]  # numeric order
    assert addresses(f"assetid={lathe['assetid']}") == ["10.1.2.10"]
    assert addresses("status=dhcp") == ["10.1.2.9"]
    assert addresses(f"site_id={other_site['id']}") == ["10.1.2.10"]
    assert addresses("q=lathe") == ["10.1.2.10"]
    assert addresses(f"q=1.2.10&site_id={site['id']}") == ["10.1.2.10", "10.1.2.100"]
    assert addresses(f"address=10.1.2.9&site_id={site['id']}") == ["10.1.2.9"]
    assert addresses("sort=-address&status=active") == ["10.1.2.10", "10.1.2.10"]
    assert api.get(f"{URL}?address=nope")[0] == 400
    assert api.get(f"{URL}?status=dhcp&per_page=0")[0] == 400


def test_deleting_the_holder_keeps_the_address_unassigned(api, site, lan, make_machine):
    lathe = make_machine(site["id"])
    ip = api.ok("POST", URL, {"address": "10.1.2.10", "subnet_id": lan["id"], "assetid": lathe["assetid"]})
    api.ok("DELETE", f"/api/v1/assets/{lathe['assetid']}")
    assert api.ok("GET", f"{URL}/{ip['id']}")["assetid"] is None


def test_search_finds_the_asset_holding_an_address(api, site, lan, ula, make_machine):
    lathe = make_machine(site["id"], tag="M-4711")
    api.ok("POST", URL, {"address": "10.1.2.47", "subnet_id": lan["id"], "assetid": lathe["assetid"]})
    api.ok("POST", URL, {"address": "fd00:1:2:3::47", "subnet_id": ula["id"], "assetid": lathe["assetid"]})
    api.ok("POST", URL, {"address": "10.1.2.48", "subnet_id": lan["id"]})  # nobody holds it
    hits = api.get("/api/v1/search?q=10.1.2.47")[1]["data"]
    assert [(h["assetid"], h["matched"]) for h in hits] == [(lathe["assetid"], "ip_address")]
    hits = api.get("/api/v1/search?q=FD00:1:2:3:0:0:0:47")[1]["data"]
    assert [h["asset_tag"] for h in hits] == ["M-4711"]
    assert api.get("/api/v1/search?q=10.1.2.48")[1]["data"] == []


def test_unknown_addresses_are_404(api):
    assert api.get(f"{URL}/99999")[0] == 404
    assert api.patch(f"{URL}/99999", {"status": "reserved"})[0] == 404
    assert api.delete(f"{URL}/99999")[0] == 404
