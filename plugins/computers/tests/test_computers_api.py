"""Creating, reading, changing and deleting PCs through /api/v1/computers."""

from __future__ import annotations

import pytest

URL = "/api/v1/computers"


def body(site, **fields) -> dict:
    return {"asset_tag": "PC-9001", "name": "Cell A1 shop-floor PC", "site_id": site["id"],
            "hostname": "P1-SF-0001", "pc_type": "shopfloor", **fields}


def test_a_pc_is_created_flat_and_read_back_in_normal_form(client, auth_headers, site):
    response = client.post(URL, headers=auth_headers, json=body(
        site, mac_address="00-14-22-01-23-45", primary_ip="10.1.2.3", os_name="Windows 10 IoT Enterprise LTSC",
        os_version="21H2", domain="plant.example.com", last_seen_at="2024-03-01T10:00:00+02:00",
        warranty_end="2027-06-30"))
    assert response.status_code == 201, response.get_json()
    pc = response.get_json()["data"]
    assert response.headers["ETag"] == '"1"'
    assert pc["asset_type"] == "computer" and pc["asset_tag"] == "PC-9001" and pc["status"] == "active"
    assert pc["hostname"] == "p1-sf-0001"
    assert pc["mac_address"] == "00:14:22:01:23:45"
    assert pc["mac_vendor"] == "Dell Inc."
    assert pc["primary_ip"] == "10.1.2.3"
    assert pc["last_seen_at"] == "2024-03-01T08:00:00Z"  # stored as UTC, shown with its offset
    assert pc["warranty_end"] == "2027-06-30"
    assert pc["controls"] == []
    again = client.get(f"{URL}/{pc['assetid']}").get_json()["data"]
    assert again == pc


@pytest.mark.parametrize("spelling", [
    "00:1b:1b:0a:0b:0c", "00-1B-1B-0A-0B-0C", "001b.1b0a.0b0c", "001B1B0A0B0C", " 00:1B:1B:0A:0B:0C ",
])
def test_a_mac_in_any_usual_spelling_is_stored_upper_case_with_colons(client, auth_headers, site, spelling):
    response = client.post(URL, headers=auth_headers, json=body(site, mac_address=spelling))
    assert response.status_code == 201, response.get_json()
    pc = response.get_json()["data"]
    assert pc["mac_address"] == "00:1B:1B:0A:0B:0C"
    assert pc["mac_vendor"] == "Siemens AG"


def test_a_mac_whose_oui_nobody_registered_has_no_vendor(client, auth_headers, site):
    pc = client.post(URL, headers=auth_headers, json=body(site, mac_address="02:00:00:00:00:01")).get_json()["data"]
    assert pc["mac_address"] == "02:00:00:00:00:01"
    assert pc["mac_vendor"] is None


def test_a_pc_without_mac_has_no_vendor(make_computer):
    pc = make_computer()
    assert pc["mac_address"] is None and pc["mac_vendor"] is None


def test_an_ipv6_address_is_stored_compressed(client, auth_headers, site):
    address = "2001:0DB8:0000:0000:0000:0000:0000:0042"
    response = client.post(URL, headers=auth_headers, json=body(site, primary_ip=address))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["data"]["primary_ip"] == "2001:db8::42"


@pytest.mark.parametrize("mac", ["00:14:22", "1", "00:14:22:01:23:45:67", "00:14:22-01:23:45", "GG:14:22:01:23:45",
                                 "0014.2201.234", "00 14 22 01 23 45", "FF:FF:FF:FF:FF:FF", "00:00:00:00:00:00", 1234])
def test_a_bad_mac_is_refused_and_nothing_is_written(client, auth_headers, site, counts, mac):
    before = counts()
    response = client.post(URL, headers=auth_headers, json=body(site, mac_address=mac))
    assert response.status_code == 422, response.get_json()
    assert "mac_address" in response.get_json()["error"]["details"]["fields"]
    assert counts() == before


@pytest.mark.parametrize("ip", ["10.1.2.256", "10.1.2", "010.1.2.3", "2001:db8:::1", "pc-01", "", 167772161])
def test_a_bad_ip_is_refused_and_nothing_is_written(client, auth_headers, site, counts, ip):
    before = counts()
    response = client.post(URL, headers=auth_headers, json=body(site, primary_ip=ip))
    assert response.status_code == 422, response.get_json()
    assert "primary_ip" in response.get_json()["error"]["details"]["fields"]
    assert counts() == before


@pytest.mark.parametrize("pc_type", ["laptop", "Office", "", None, 3])
def test_a_pc_type_outside_the_five_kinds_is_refused(client, auth_headers, site, counts, pc_type):
    before = counts()
    response = client.post(URL, headers=auth_headers, json=body(site, pc_type=pc_type))
    assert response.status_code == 422
    assert "pc_type" in response.get_json()["error"]["details"]["fields"]
    assert counts() == before


def test_a_pc_needs_a_hostname_and_a_pc_type(client, auth_headers, site, counts):
    before = counts()
    payload = body(site)
    del payload["hostname"], payload["pc_type"]
    response = client.post(URL, headers=auth_headers, json=payload)
    assert response.status_code == 422
    assert {"hostname", "pc_type"} <= set(response.get_json()["error"]["details"]["fields"])
    assert counts() == before


@pytest.mark.parametrize("hostname", ["pc_01", "-pc01", "pc 01", "pc01.", "x" * 64])
def test_a_malformed_hostname_is_refused(client, auth_headers, site, hostname):
    response = client.post(URL, headers=auth_headers, json=body(site, hostname=hostname))
    assert response.status_code == 422
    assert "hostname" in response.get_json()["error"]["details"]["fields"]


def test_a_hostname_differing_only_in_case_is_a_duplicate(client, auth_headers, site, make_computer, counts):
    make_computer(hostname="P1-CMM-0001")
    before = counts()
    response = client.post(URL, headers=auth_headers, json=body(site, asset_tag="PC-9002", hostname="p1-CmM-0001"))
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "duplicate" and error["details"]["field"] == "hostname"
    assert counts() == before


def test_renaming_a_pc_to_another_pcs_hostname_is_refused(client, auth_headers, make_computer):
    make_computer(hostname="pc-taken")
    pc = make_computer()
    response = client.patch(f"{URL}/{pc['assetid']}", headers=auth_headers, json={"hostname": "PC-TAKEN"})
    assert response.status_code == 409
    after = client.get(f"{URL}/{pc['assetid']}").get_json()["data"]
    assert after["hostname"] == pc["hostname"] and after["version"] == pc["version"]


def test_a_pc_may_keep_its_own_hostname_in_other_case(client, auth_headers, make_computer):
    pc = make_computer(hostname="pc-self")
    response = client.patch(f"{URL}/{pc['assetid']}", headers=auth_headers, json={"hostname": "PC-SELF"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["data"]["hostname"] == "pc-self"
    assert response.get_json()["data"]["version"] == pc["version"]  # nothing actually changed


def test_patching_either_part_updates_the_pc_and_bumps_its_version(client, auth_headers, make_computer):
    pc = make_computer()
    response = client.patch(f"{URL}/{pc['assetid']}", headers=auth_headers, json={
        "version": pc["version"], "mac_address": "3cd9.2b00.0001", "status": "in_repair"})
    assert response.status_code == 200, response.get_json()
    data = response.get_json()["data"]
    assert data["mac_address"] == "3C:D9:2B:00:00:01" and data["mac_vendor"] == "Hewlett Packard"
    assert data["status"] == "in_repair" and data["version"] == pc["version"] + 1
    history = client.get(f"/api/v1/assets/{pc['assetid']}/history").get_json()["data"]
    assert {entry["table_name"] for entry in history} >= {"assets", "computers"}


def test_a_stale_version_is_refused_and_changes_nothing(client, auth_headers, make_computer):
    pc = make_computer()
    client.patch(f"{URL}/{pc['assetid']}", headers=auth_headers, json={"os_name": "Windows 11"})
    response = client.patch(f"{URL}/{pc['assetid']}", headers=auth_headers,
                            json={"version": pc["version"], "os_name": "Windows 7"})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "version_conflict"
    stale_header = client.patch(f"{URL}/{pc['assetid']}", json={"os_name": "Windows 7"},
                                headers={**auth_headers, "If-Match": f'"{pc["version"]}"'})
    assert stale_header.status_code == 412
    assert client.get(f"{URL}/{pc['assetid']}").get_json()["data"]["os_name"] == "Windows 11"


def test_malformed_json_is_a_400_and_writes_nothing(client, auth_headers, counts):
    before = counts()
    response = client.post(URL, data="{not json", headers={**auth_headers, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "malformed_json"
    assert counts() == before


@pytest.mark.parametrize("field,value", [
    ("site_id", "1"), ("hostname", 42), ("last_seen_at", "yesterday"), ("warranty_end", "2027-13-01"),
    ("os_name", ["Windows"]), ("notes", "x" * 10_001), ("domain", "d" * 10_000), ("os_version", "v" * 10_000),
])
def test_wrong_types_and_overlong_strings_are_refused(client, auth_headers, site, counts, field, value):
    before = counts()
    response = client.post(URL, headers=auth_headers, json=body(site, **{field: value}))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["details"]["fields"]
    assert counts() == before


@pytest.mark.parametrize("field", ["mac_vendor", "controls", "colour"])
def test_unknown_and_read_only_fields_are_refused(client, auth_headers, site, counts, field):
    before = counts()
    response = client.post(URL, headers=auth_headers, json=body(site, **{field: "x"}))
    assert response.status_code == 422
    assert field in response.get_json()["error"]["details"]["fields"]
    assert counts() == before


def test_an_unknown_site_is_a_field_error(client, auth_headers, site, counts):
    before = counts()
    response = client.post(URL, headers=auth_headers, json=body(site, site_id=9999))
    assert response.status_code == 422
    assert "site_id" in response.get_json()["error"]["details"]["fields"]
    assert counts() == before


def test_writes_need_a_token(client, anonymous_client, site, counts):
    before = counts()
    assert anonymous_client.post(URL, json=body(site)).status_code == 401
    assert counts() == before


def test_an_unknown_pc_is_a_404(client, auth_headers):
    assert client.get(f"{URL}/999999").status_code == 404
    assert client.patch(f"{URL}/999999", headers=auth_headers, json={"os_name": "x"}).status_code == 404
    assert client.delete(f"{URL}/999999", headers=auth_headers).status_code == 404


def test_deleting_a_pc_removes_asset_and_extension(client, auth_headers, make_computer, counts):
    pc = make_computer()
    before = counts()
    assert client.delete(f"{URL}/{pc['assetid']}", headers=auth_headers).status_code == 204
    assert client.get(f"{URL}/{pc['assetid']}").status_code == 404
    assert client.get(f"/api/v1/assets/{pc['assetid']}").status_code == 404
    assert counts() == {"assets": before["assets"] - 1, "computers": before["computers"] - 1}


def test_the_list_filters_by_type_os_site_and_status(client, auth_headers, make_computer):
    make_computer(pc_type="cmm", os_name="Windows 10 Pro")
    make_computer(pc_type="server", os_name="Ubuntu Server", status="inactive")
    make_computer(pc_type="server", os_name="Windows Server 2022")

    def hostnames(query: str) -> list[str]:
        response = client.get(f"{URL}?{query}")
        assert response.status_code == 200, response.get_json()
        return [pc["pc_type"] + "/" + (pc["os_name"] or "") for pc in response.get_json()["data"]]

    assert hostnames("pc_type=cmm") == ["cmm/Windows 10 Pro"]
    assert sorted(hostnames("pc_type=server")) == ["server/Ubuntu Server", "server/Windows Server 2022"]
    assert hostnames("pc_type=server&status=inactive") == ["server/Ubuntu Server"]
    assert hostnames("os_name=Windows%2010%20Pro") == ["cmm/Windows 10 Pro"]
    assert hostnames("site_id=9999") == []
    assert client.get(f"{URL}?flavour=x").status_code == 400


def test_the_list_filters_addresses_by_their_normal_form(client, make_computer):
    pc = make_computer(hostname="pc-filter", mac_address="00:14:22:AA:BB:CC", primary_ip="2001:db8::7")
    for query in ("mac_address=00-14-22-aa-bb-cc", "primary_ip=2001:DB8:0:0::7", "hostname=PC-FILTER"):
        data = client.get(f"{URL}?{query}").get_json()["data"]
        assert [p["assetid"] for p in data] == [pc["assetid"]], query
    bad = client.get(f"{URL}?mac_address=nonsense")
    assert bad.status_code == 400 and "mac_address" in bad.get_json()["error"]["details"]["fields"]
    assert client.get(f"{URL}?primary_ip=999.1.1.1").status_code == 400
