"""Network devices (flat asset+extension), their ports, and "where is this machine plugged in"."""

from __future__ import annotations

import pytest

DEVICES = "/api/v1/network/devices"
PORTS = "/api/v1/network/interfaces"


def test_a_device_is_created_and_listed_as_one_flat_object(api, site):
    device = api.ok("POST", DEVICES, {"asset_tag": "SW-A01", "name": "Hall A access", "site_id": site["id"],
                                      "role": "switch", "mgmt_ip": "10.0.9.11", "firmware": "IOS-XE 17.9"})
    assert device["asset_type"] == "network_device" and device["mgmt_ip"] == "10.0.9.11"
    assert device["interfaces"] == [] and device["ip_addresses"] == []
    listed = api.ok("GET", f"{DEVICES}?role=switch")
    assert [(d["asset_tag"], d["role"], d["firmware"]) for d in listed] == [("SW-A01", "switch", "IOS-XE 17.9")]
    assert api.ok("GET", f"/api/v1/network/devices/{device['assetid']}")["asset_tag"] == "SW-A01"


def test_a_device_mgmt_ip_is_normalised_and_unique_per_site(api, site, other_site, counts):
    first = api.ok("POST", DEVICES, {"asset_tag": "FW-1", "name": "Firewall", "site_id": site["id"],
                                     "role": "firewall", "mgmt_ip": "FD00:0:0:9::0001"})
    assert first["mgmt_ip"] == "fd00:0:0:9::1"
    before = counts()
    code, body = api.post(DEVICES, {"asset_tag": "RT-1", "name": "Router", "site_id": site["id"],
                                    "role": "router", "mgmt_ip": "fd00:0:0:9::1"})
    assert code == 409 and "FW-1" in body["error"]["message"]
    assert counts() == before
    api.ok("POST", DEVICES, {"asset_tag": "RT-1", "name": "Router", "site_id": other_site["id"],
                             "role": "router", "mgmt_ip": "fd00:0:0:9::1"})


@pytest.mark.parametrize("patch", [{"role": "hub"}, {"mgmt_ip": "10.0.9.300"}, {"firmware": "f" * 10_000},
                                   {"mgmt_ip": 42}, {"uplink": "Te1/1/1"}])
def test_bad_device_fields_are_refused(api, site, counts, patch):
    before = counts()
    code, body = api.post(DEVICES, {"asset_tag": "SW-X", "name": "X", "site_id": site["id"], **patch})
    assert code == 422, body
    assert counts() == before


def test_a_device_update_with_a_stale_version_is_refused(api, site, make_switch):
    switch = make_switch(site["id"])
    api.ok("PATCH", f"{DEVICES}/{switch['assetid']}", {"firmware": "17.12", "version": switch["version"]})
    code, _ = api.patch(f"{DEVICES}/{switch['assetid']}", {"firmware": "16.0", "version": switch["version"]})
    assert code == 409
    assert api.ok("GET", f"{DEVICES}/{switch['assetid']}")["firmware"] == "17.12"


def test_a_port_on_a_switch_connects_a_machine(api, site, make_switch, make_machine):
    switch, lathe = make_switch(site["id"]), make_machine(site["id"])
    port = api.ok("POST", PORTS, {"device_assetid": switch["assetid"], "name": "Gi1/0/12",
                                  "connected_assetid": lathe["assetid"], "vlan": 100, "speed_mbps": 1000})
    assert port["device_asset_tag"] == switch["asset_tag"] and port["connected_asset_tag"] == lathe["asset_tag"]
    detail = api.ok("GET", f"{DEVICES}/{switch['assetid']}")
    assert [(p["port"], p["connected_asset_tag"]) for p in detail["interfaces"]] == [("Gi1/0/12", lathe["asset_tag"])]


def test_a_port_must_belong_to_a_network_device(api, site, make_machine, counts):
    lathe = make_machine(site["id"])
    before = counts()
    code, body = api.post(PORTS, {"device_assetid": lathe["assetid"], "name": "eth0"})
    assert code == 422 and "not a network device" in body["error"]["details"]["fields"]["device_assetid"][0]
    code, body = api.post(PORTS, {"device_assetid": 99999, "name": "eth0"})
    assert code == 422 and "device_assetid" in body["error"]["details"]["fields"]
    assert counts() == before


def test_a_port_name_is_unique_per_device(api, site, make_switch, counts):
    one, two = make_switch(site["id"]), make_switch(site["id"])
    api.ok("POST", PORTS, {"device_assetid": one["assetid"], "name": "Gi1/0/1"})
    before = counts()
    assert api.post(PORTS, {"device_assetid": one["assetid"], "name": "Gi1/0/1"})[0] == 409
    assert api.post(PORTS, {"device_assetid": one["assetid"], "name": "gi1/0/1"})[0] == 409
    assert counts() == before
    api.ok("POST", PORTS, {"device_assetid": two["assetid"], "name": "Gi1/0/1"})
    other = api.ok("POST", PORTS, {"device_assetid": one["assetid"], "name": "Gi1/0/2"})
    assert api.patch(f"{PORTS}/{other['id']}", {"name": "Gi1/0/1"})[0] == 409


def test_the_connected_asset_must_exist_and_not_be_the_device(api, site, make_switch, counts):
    switch = make_switch(site["id"])
    before = counts()
    code, body = api.post(PORTS, {"device_assetid": switch["assetid"], "name": "Gi1/0/1", "connected_assetid": 99999})
    assert code == 422 and "connected_assetid" in body["error"]["details"]["fields"]
    code, _ = api.post(PORTS, {"device_assetid": switch["assetid"], "name": "Gi1/0/1",
                               "connected_assetid": switch["assetid"]})
    assert code == 422
    assert counts() == before


@pytest.mark.parametrize("patch", [{"vlan": 0}, {"vlan": 4095}, {"speed_mbps": 0}, {"speed_mbps": "1000"},
                                   {"name": "n" * 10_000}, {"name": "port 1!"}, {"description": "d" * 10_000},
                                   {"poe": True}, {"device_assetid": "5"}])
def test_bad_port_fields_are_refused(api, site, make_switch, counts, patch):
    switch = make_switch(site["id"])
    before = counts()
    code, body = api.post(PORTS, {"device_assetid": switch["assetid"], "name": "Gi1/0/1", **patch})
    assert code == 422, body
    assert counts() == before


def test_a_port_is_repatched_with_its_version(api, site, make_switch, make_machine):
    switch, lathe, mill = make_switch(site["id"]), make_machine(site["id"]), make_machine(site["id"])
    port = api.ok("POST", PORTS, {"device_assetid": switch["assetid"], "name": "Gi1/0/3",
                                  "connected_assetid": lathe["assetid"]})
    moved = api.ok("PATCH", f"{PORTS}/{port['id']}", {"connected_assetid": mill["assetid"],
                                                      "version": port["version"]})
    assert moved["connected_asset_tag"] == mill["asset_tag"]
    code, body = api.patch(f"{PORTS}/{port['id']}", {"connected_assetid": None, "version": port["version"]})
    assert code == 409 and body["error"]["code"] == "version_conflict"
    assert api.patch(f"{PORTS}/{port['id']}", {"connected_assetid": 99999})[0] == 422
    assert api.ok("PATCH", f"{PORTS}/{port['id']}", {"connected_assetid": None})["connected_assetid"] is None


def test_the_port_list_filters_by_device_and_connected_asset(api, site, make_switch, make_machine):
    one, two, lathe = make_switch(site["id"]), make_switch(site["id"]), make_machine(site["id"])
    api.ok("POST", PORTS, {"device_assetid": one["assetid"], "name": "Gi1/0/1", "connected_assetid": lathe["assetid"]})
    api.ok("POST", PORTS, {"device_assetid": one["assetid"], "name": "Gi1/0/2", "description": "spare"})
    api.ok("POST", PORTS, {"device_assetid": two["assetid"], "name": "Gi1/0/1", "vlan": 300})
    assert [p["name"] for p in api.ok("GET", f"{PORTS}?device_assetid={one['assetid']}")] == ["Gi1/0/1", "Gi1/0/2"]
    assert [p["device_assetid"] for p in api.ok("GET", f"{PORTS}?connected_assetid={lathe['assetid']}")] \
        == [one["assetid"]]
    assert [p["device_assetid"] for p in api.ok("GET", f"{PORTS}?vlan=300")] == [two["assetid"]]
    assert [p["name"] for p in api.ok("GET", f"{PORTS}?q=spare")] == ["Gi1/0/2"]


def test_where_is_this_machine_plugged_in(api, site, make_switch, make_subnet, make_machine):
    lathe = make_machine(site["id"], tag="M-2001")
    switch = make_switch(site["id"])
    api.ok("POST", PORTS, {"device_assetid": switch["assetid"], "name": "Gi1/0/12",
                           "connected_assetid": lathe["assetid"], "vlan": 100})
    lan = make_subnet(site["id"], "10.1.2.0/24")
    ula = make_subnet(site["id"], "fd00:1::/64")
    api.ok("POST", "/api/v1/network/ip-addresses", {"address": "10.1.2.21", "subnet_id": lan["id"],
                                                    "assetid": lathe["assetid"]})
    api.ok("POST", "/api/v1/network/ip-addresses", {"address": "fd00:1::21", "subnet_id": ula["id"],
                                                    "assetid": lathe["assetid"]})
    found = api.ok("GET", f"/api/v1/network/assets/{lathe['assetid']}/connections")
    assert found["asset_tag"] == "M-2001"
    assert [(p["device_asset_tag"], p["device_name"], p["port"], p["vlan"]) for p in found["ports"]] == [
        (switch["asset_tag"], switch["name"], "Gi1/0/12", 100)]
    assert [(ip["address"], ip["cidr"]) for ip in found["ip_addresses"]] == [
        ("10.1.2.21", "10.1.2.0/24"), ("fd00:1::21", "fd00:1::/64")]


def test_an_asset_plugged_in_nowhere_has_no_connections_and_unknown_assets_are_404(api, site, make_machine):
    lathe = make_machine(site["id"])
    found = api.ok("GET", f"/api/v1/network/assets/{lathe['assetid']}/connections")
    assert found["ports"] == [] and found["ip_addresses"] == []
    assert api.get("/api/v1/network/assets/99999/connections")[0] == 404


def test_deleting_a_switch_removes_its_ports_and_deleting_a_machine_unpatches_it(api, site, make_switch,
                                                                                make_machine):
    switch, lathe, mill = make_switch(site["id"]), make_machine(site["id"]), make_machine(site["id"])
    port = api.ok("POST", PORTS, {"device_assetid": switch["assetid"], "name": "Gi1/0/1",
                                  "connected_assetid": lathe["assetid"]})
    api.ok("DELETE", f"/api/v1/assets/{lathe['assetid']}")
    assert api.ok("GET", f"{PORTS}/{port['id']}")["connected_assetid"] is None
    api.ok("POST", PORTS, {"device_assetid": switch["assetid"], "name": "Gi1/0/2",
                           "connected_assetid": mill["assetid"]})
    api.ok("DELETE", f"{DEVICES}/{switch['assetid']}")
    assert api.get(f"{PORTS}/{port['id']}")[0] == 404
    assert api.ok("GET", f"/api/v1/network/assets/{mill['assetid']}/connections")["ports"] == []


def test_search_finds_a_device_by_its_management_address(api, site):
    device = api.ok("POST", DEVICES, {"asset_tag": "SW-CORE", "name": "Core", "site_id": site["id"],
                                      "mgmt_ip": "10.0.9.2"})
    hits = api.get("/api/v1/search?q=10.0.9.2")[1]["data"]
    assert [(h["assetid"], h["matched"]) for h in hits] == [(device["assetid"], "mgmt_ip")]
    assert hits[0]["url"] == f"/api/v1/network/devices/{device['assetid']}"
    assert api.ok("GET", hits[0]["url"])["asset_tag"] == "SW-CORE"


def test_assigning_an_address_and_patching_a_port_are_announced_after_commit(api, app, site, make_switch,
                                                                             make_subnet, make_machine):
    from shopdb.plugins.toolkit.testing import events

    heard: list[tuple[str, dict]] = []
    bus = app.extensions[events.EXTENSION_KEY]
    for event in ("network.ip_assigned", "network.port_connected"):
        bus.subscribe(event, lambda event=event, **payload: heard.append((event, payload)), "test")
    switch, lathe = make_switch(site["id"]), make_machine(site["id"])
    lan = make_subnet(site["id"], "10.1.2.0/24")
    ip = api.ok("POST", "/api/v1/network/ip-addresses", {"address": "10.1.2.5", "subnet_id": lan["id"],
                                                         "assetid": lathe["assetid"]})
    port = api.ok("POST", PORTS, {"device_assetid": switch["assetid"], "name": "Gi1/0/5",
                                  "connected_assetid": lathe["assetid"]})
    api.post(PORTS, {"device_assetid": switch["assetid"], "name": "Gi1/0/5"})  # refused: nothing announced
    assert heard == [
        ("network.ip_assigned", {"ip_address_id": ip["id"], "address": "10.1.2.5", "assetid": lathe["assetid"],
                                 "previous_assetid": None, "site_id": site["id"]}),
        ("network.port_connected", {"interface_id": port["id"], "device_assetid": switch["assetid"],
                                    "port": "Gi1/0/5", "connected_assetid": lathe["assetid"],
                                    "previous_assetid": None}),
    ]
