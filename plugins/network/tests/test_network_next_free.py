"""Next free address and utilisation, for IPv4 and IPv6, small and large subnets."""

from __future__ import annotations

import datetime as dt
import ipaddress

import pytest
from sqlalchemy import text

IPS = "/api/v1/network/ip-addresses"


def next_free(api, subnet: dict) -> tuple[int, dict]:
    return api.get(f"/api/v1/network/subnets/{subnet['id']}/next-free")


def test_the_first_free_ipv4_address_skips_the_network_address(api, site, make_subnet):
    lan = make_subnet(site["id"], "10.1.2.0/24")
    assert next_free(api, lan)[1]["data"] == {"subnet_id": lan["id"], "cidr": "10.1.2.0/24", "address": "10.1.2.1"}


def test_next_free_skips_used_addresses_and_finds_gaps(api, site, make_subnet):
    lan = make_subnet(site["id"], "10.1.2.0/24")
    for address in ("10.1.2.1", "10.1.2.2", "10.1.2.4"):
        api.ok("POST", IPS, {"address": address, "subnet_id": lan["id"]})
    assert next_free(api, lan)[1]["data"]["address"] == "10.1.2.3"
    api.ok("POST", IPS, {"address": "10.1.2.3", "subnet_id": lan["id"], "status": "reserved"})
    assert next_free(api, lan)[1]["data"]["address"] == "10.1.2.5"


def test_addresses_of_the_same_range_in_another_site_do_not_count(api, site, other_site, make_subnet):
    lan = make_subnet(site["id"], "10.1.2.0/24")
    other = make_subnet(other_site["id"], "10.1.2.0/24")
    api.ok("POST", IPS, {"address": "10.1.2.1", "subnet_id": other["id"]})
    assert next_free(api, lan)[1]["data"]["address"] == "10.1.2.1"


def test_a_full_ipv4_subnet_answers_409(api, site, make_subnet):
    link = make_subnet(site["id"], "10.1.2.0/30")  # two hosts: .1 and .2
    api.ok("POST", IPS, {"address": "10.1.2.1", "subnet_id": link["id"]})
    assert next_free(api, link)[1]["data"]["address"] == "10.1.2.2"
    api.ok("POST", IPS, {"address": "10.1.2.2", "subnet_id": link["id"]})
    code, body = next_free(api, link)
    assert code == 409 and body["error"]["code"] == "subnet_full"
    assert "10.1.2.0/30" in body["error"]["message"]


@pytest.mark.parametrize("cidr, hosts", [("10.1.2.0/31", ["10.1.2.0", "10.1.2.1"]), ("10.1.2.9/32", ["10.1.2.9"]),
                                         ("fd00::/127", ["fd00::", "fd00::1"]), ("fd00::7/128", ["fd00::7"])])
def test_point_to_point_and_host_subnets_use_every_address(api, site, make_subnet, cidr, hosts):
    subnet = make_subnet(site["id"], cidr)
    assert api.ok("GET", f"/api/v1/network/subnets/{subnet['id']}/utilisation")["size"] == len(hosts)
    for host in hosts:
        assert next_free(api, subnet)[1]["data"]["address"] == host
        api.ok("POST", IPS, {"address": host, "subnet_id": subnet["id"]})
    assert next_free(api, subnet)[0] == 409


def test_the_first_free_ipv6_address_skips_the_subnet_router_anycast(api, site, make_subnet):
    ula = make_subnet(site["id"], "fd00:1:2:3::/64")
    assert next_free(api, ula)[1]["data"]["address"] == "fd00:1:2:3::1"
    for address in ("fd00:1:2:3::1", "fd00:1:2:3::2", "fd00:1:2:3::4"):
        api.ok("POST", IPS, {"address": address, "subnet_id": ula["id"]})
    assert next_free(api, ula)[1]["data"]["address"] == "fd00:1:2:3::3"


def test_a_full_ipv6_subnet_answers_409(api, site, make_subnet):
    tiny = make_subnet(site["id"], "fd00:9::/126")  # ::1, ::2, ::3 (::0 is the anycast address)
    for address in ("fd00:9::1", "fd00:9::2", "fd00:9::3"):
        api.ok("POST", IPS, {"address": address, "subnet_id": tiny["id"]})
    assert next_free(api, tiny)[0] == 409


def test_utilisation_counts_usable_hosts_and_used_addresses(api, site, make_subnet):
    lan = make_subnet(site["id"], "10.1.2.0/24")
    ula = make_subnet(site["id"], "fd00:1:2:3::/64")
    for address in ("10.1.2.1", "10.1.2.2", "10.1.2.3"):
        api.ok("POST", IPS, {"address": address, "subnet_id": lan["id"], "status": "dhcp"})
    api.ok("POST", IPS, {"address": "fd00:1:2:3::1", "subnet_id": ula["id"]})
    usage = api.ok("GET", f"/api/v1/network/subnets/{lan['id']}/utilisation")
    assert usage == {"subnet_id": lan["id"], "cidr": "10.1.2.0/24", "size": 254, "used": 3, "free": 251,
                     "percent": 1.18}
    usage = api.ok("GET", f"/api/v1/network/subnets/{ula['id']}/utilisation")
    assert usage["size"] == 2**64 - 1 and usage["used"] == 1
    detail = api.ok("GET", f"/api/v1/network/subnets/{lan['id']}")
    assert (detail["used"], detail["free"], detail["percent"]) == (3, 251, 1.18)


def test_unknown_subnets_are_404(api):
    assert api.get("/api/v1/network/subnets/99999/next-free")[0] == 404
    assert api.get("/api/v1/network/subnets/99999/utilisation")[0] == 404


def _bulk_addresses(app, subnet: dict, addresses: list[ipaddress.IPv4Address | ipaddress.IPv6Address]) -> None:
    """Fill a subnet directly in the database: the HTTP API would make this test take minutes."""
    from shopdb.plugins.toolkit import db

    now = dt.datetime(2024, 1, 1)
    width = 8 if subnet["ip_version"] == 4 else 32
    rows = [{"address": str(a), "v": a.version, "k": f"{int(a):0{width}x}", "s": subnet["id"],
             "site": subnet["site_id"], "now": now} for a in addresses]
    with app.app_context():
        db.session.execute(text(
            "INSERT INTO ip_addresses (address, ip_version, sort_key, subnet_id, site_id, status, version, "
            "created_at, updated_at) VALUES (:address, :v, :k, :s, :site, 'active', 1, :now, :now)"), rows)
        db.session.commit()


def test_next_free_in_a_busy_slash_16_finds_the_gap_across_many_chunks(api, app, site, make_subnet):
    # Speed is measured by bench/, not asserted here; this proves the chunked walk is correct.
    big = make_subnet(site["id"], "10.20.0.0/16")
    network = ipaddress.ip_network("10.20.0.0/16")
    hosts = list(network.hosts())
    _bulk_addresses(app, big, hosts[:50_000] + hosts[50_001:60_000])  # one gap at host 50,001
    code, body = next_free(api, big)
    assert code == 200 and body["data"]["address"] == str(hosts[50_000])
    usage = api.ok("GET", f"/api/v1/network/subnets/{big['id']}/utilisation")
    assert (usage["size"], usage["used"], usage["free"]) == (65534, 59_999, 5535)
    _bulk_addresses(app, big, [hosts[50_000]])
    assert next_free(api, big)[1]["data"]["address"] == str(hosts[60_000])


def test_next_free_in_a_busy_ipv6_subnet_walks_past_the_used_run(api, app, site, make_subnet):
    ula = make_subnet(site["id"], "fd00:77::/64")
    first = int(ipaddress.IPv6Address("fd00:77::1"))
    _bulk_addresses(app, ula, [ipaddress.IPv6Address(first + i) for i in range(9_000)])
    assert next_free(api, ula)[1]["data"]["address"] == str(ipaddress.IPv6Address(first + 9_000))
