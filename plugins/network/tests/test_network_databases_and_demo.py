"""The plugin on every database (migrated_app), its contract, and the demo network it generates."""

from __future__ import annotations

import ipaddress
import random
import sys
from collections import Counter, defaultdict

import pytest
from sqlalchemy import text

from shopdb.plugins.toolkit.testing import admin_client, token_for


def test_the_whole_story_works_on_every_database(migrated_app):
    client = admin_client(migrated_app)
    headers = {"Authorization": f"Bearer {token_for(client)}"}

    def call(method: str, url: str, json=None) -> tuple[int, dict]:
        response = client.open(url, method=method, json=json, headers=headers)
        return response.status_code, response.get_json(silent=True) or {}

    site = call("POST", "/api/v1/sites", {"code": "P1", "name": "Plant 1"})[1]["data"]
    other_site = call("POST", "/api/v1/sites", {"code": "P2", "name": "Plant 2"})[1]["data"]
    code, body = call("POST", "/api/v1/network/subnets", {"cidr": "10.1.2.77/24", "name": "Hall A", "vlan": 100,
                                                          "site_id": site["id"]})
    assert code == 201 and body["data"]["cidr"] == "10.1.2.0/24"
    lan = body["data"]
    ula = call("POST", "/api/v1/network/subnets", {"cidr": "fd00:1::/64", "name": "ULA", "site_id": site["id"]})[1]
    assert call("POST", "/api/v1/network/subnets", {"cidr": "10.1.0.0/16", "name": "X",
                                                    "site_id": site["id"]})[0] == 409
    assert call("POST", "/api/v1/network/subnets", {"cidr": "10.1.0.0/16", "name": "X",
                                                    "site_id": other_site["id"]})[0] == 201
    switch = call("POST", "/api/v1/network/devices", {"asset_tag": "SW-1", "name": "Switch", "site_id": site["id"],
                                                      "mgmt_ip": "10.1.2.2"})[1]["data"]
    ip = call("POST", "/api/v1/network/ip-addresses", {"address": "10.1.2.1", "subnet_id": lan["id"],
                                                       "assetid": switch["assetid"]})
    assert ip[0] == 201, ip
    assert call("POST", "/api/v1/network/ip-addresses", {"address": "10.1.2.1", "subnet_id": lan["id"]})[0] == 409
    assert call("POST", "/api/v1/network/ip-addresses", {"address": "10.1.3.1", "subnet_id": lan["id"]})[0] == 422
    assert call("POST", "/api/v1/network/ip-addresses", {"address": "fd00:1::1",
                                                         "subnet_id": ula["data"]["id"]})[0] == 201
    assert call("GET", f"/api/v1/network/subnets/{lan['id']}/next-free")[1]["data"]["address"] == "10.1.2.2"
    assert call("GET", f"/api/v1/network/subnets/{ula['data']['id']}/next-free")[1]["data"]["address"] == "fd00:1::2"
    listed = call("GET", "/api/v1/network/subnets?sort=-used")[1]
    assert listed["meta"]["total"] == 3 and listed["data"][0]["used"] == 1
    port = call("POST", "/api/v1/network/interfaces", {"device_assetid": switch["assetid"], "name": "Gi1/0/1",
                                                       "vlan": 100})
    assert port[0] == 201
    again = {"device_assetid": switch["assetid"], "name": "Gi1/0/1"}
    assert call("POST", "/api/v1/network/interfaces", again)[0] == 409
    found = call("GET", f"/api/v1/network/assets/{switch['assetid']}/connections")[1]["data"]
    assert [i["address"] for i in found["ip_addresses"]] == ["10.1.2.1"]
    stale = call("PATCH", f"/api/v1/network/subnets/{lan['id']}", {"name": "Old", "version": lan["version"] + 5})
    assert stale[0] == 409
    assert call("DELETE", f"/api/v1/network/subnets/{lan['id']}")[0] == 409

    from shopdb.plugins.toolkit import db

    with migrated_app.app_context():
        # The database itself refuses a second 10.1.2.1 in the site, whatever a client bypasses.
        with pytest.raises(Exception):  # noqa: B017 - IntegrityError's class differs per driver
            db.session.execute(text(
                "INSERT INTO ip_addresses (address, ip_version, sort_key, subnet_id, site_id, status, version, "
                "created_at, updated_at) VALUES ('10.1.2.1', 4, '0a010201', :s, :site, 'active', 1, "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"), {"s": lan["id"], "site": site["id"]})
        db.session.rollback()


def test_the_plugin_keeps_the_contract_and_its_models_match_the_migration(app):
    from shopdb.plugins.toolkit.testing import check_contract, check_drift, get_manager

    with app.app_context():
        record = get_manager(app).get("network")
        assert check_contract(record) == []
        assert check_drift(record) == []
        assert getattr(record.plugin, "demo_priority", None) == 50


@pytest.fixture
def demo_network(app, monkeypatch):
    """Run only this plugin's generate_demo over a small plant with PCs, printers and machines."""
    from shopdb.plugins.toolkit import db, ensure_asset_type
    from shopdb.plugins.toolkit.testing import DemoContext, ensure_plant, get_manager

    # Small subnets and a low cap, so the test also covers a building spilling into a second subnet.
    monkeypatch.setattr(sys.modules["shopdb_plugin_network.demo"], "HOSTS_PER_SUBNET", 12)
    rng = random.Random(7)
    with app.app_context():
        sites, cells = ensure_plant(rng)
        ctx = DemoContext(total_assets=300, rng=rng, sites=sites, cells=cells)
        for type_name in ("computer", "printer", "equipment"):
            ensure_asset_type(type_name, type_name.title())
        endpoints = {}
        for type_name, count in (("equipment", 120), ("computer", 110), ("printer", 15)):
            rows = []
            for i in range(count):
                site = sites[i % len(sites)]
                cell = None if type_name == "computer" and i % 7 == 0 else rng.choice(cells[site.id]).id
                rows.append({"asset_tag": f"T-{type_name[:2].upper()}{i:04d}", "name": f"{type_name} {i}",
                             "site_id": site.id, "location_id": cell})
            endpoints[type_name] = ctx.insert_assets(type_name, rows)
        get_manager(app).get("network").plugin.generate_demo(ctx)
        db.session.commit()
    return endpoints


def _rows(app, sql: str) -> list:
    from shopdb.plugins.toolkit import db

    with app.app_context():
        return db.session.execute(text(sql)).all()


def test_the_demo_addresses_every_machine_pc_and_printer_inside_its_subnet(app, demo_network):
    subnets = {r.id: r for r in _rows(app, "SELECT id, cidr, site_id, vlan, name FROM subnets")}
    ips = _rows(app, "SELECT address, subnet_id, site_id, assetid, status FROM ip_addresses")
    for ip in ips:
        subnet = subnets[ip.subnet_id]
        assert ipaddress.ip_address(ip.address) in ipaddress.ip_network(subnet.cidr)
        assert ip.site_id == subnet.site_id
    assert len({(ip.site_id, ip.address) for ip in ips}) == len(ips)
    v4 = Counter(ip.assetid for ip in ips if ":" not in ip.address and ip.status == "active")
    v6 = Counter(ip.assetid for ip in ips if ":" in ip.address)
    for assetid in [a for ids in demo_network.values() for a in ids]:
        assert v4[assetid] == 1
    assert all(v6[a] == 1 for a in demo_network["computer"])
    per_site = defaultdict(list)
    for s in subnets.values():
        per_site[s.site_id].append(ipaddress.ip_network(s.cidr))
    for networks in per_site.values():
        assert not [(a, b) for a in networks for b in networks if a != b and a.version == b.version and a.overlaps(b)]
        assert sum(n.version == 6 for n in networks) == 1
    names = [s.name for s in subnets.values()]
    assert any(n.endswith("(2)") for n in names)  # a building outgrew its first subnet
    assert all(s.vlan is None or 1 <= s.vlan <= 4094 for s in subnets.values())


def test_the_demo_patches_every_endpoint_into_an_access_switch_port(app, api, demo_network):
    ports = _rows(app, "SELECT i.device_assetid, i.name, i.connected_assetid, i.vlan, d.role "
                       "FROM interfaces i JOIN network_devices d ON d.assetid = i.device_assetid")
    assert len({(p.device_assetid, p.name) for p in ports}) == len(ports)
    plugged = Counter(p.connected_assetid for p in ports if p.name.startswith("Gi1/0/"))
    for assetid in [a for ids in demo_network.values() for a in ids]:
        assert plugged[assetid] == 1
    assert all(int(p.name.rsplit("/", 1)[1]) <= 48 for p in ports if p.name.startswith("Gi1/0/"))
    roles = Counter(r.role for r in _rows(app, "SELECT role FROM network_devices"))
    assert roles["router"] == 3 and roles["firewall"] == 3 and roles["switch"] >= 3 * (1 + 3)
    assert all(r.mgmt_ip for r in _rows(app, "SELECT mgmt_ip FROM network_devices"))
    machine = demo_network["equipment"][0]
    found = api.ok("GET", f"/api/v1/network/assets/{machine}/connections")
    assert len(found["ports"]) == 1 and found["ports"][0]["device_role"] == "switch"
    assert found["ports"][0]["vlan"] is not None and len(found["ip_addresses"]) == 1
    subnet_id = found["ip_addresses"][0]["subnet_id"]
    free = api.ok("GET", f"/api/v1/network/subnets/{subnet_id}/next-free")["address"]
    assert api.ok("GET", f"/api/v1/network/ip-addresses?address={free}&subnet_id={subnet_id}") == []
    assert api.get("/api/v1/network/subnets?per_page=500")[0] == 200
