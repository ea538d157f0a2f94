"""Creating, reading, changing and deleting printers through /api/v1/printers."""

from __future__ import annotations

import pytest

URL = "/api/v1/printers"


def body(site, **fields) -> dict:
    return {"asset_tag": "PR-9001", "name": "Hall A label printer", "site_id": site["id"], **fields}


def test_a_printer_is_created_flat_with_defaults_and_read_back(client, auth_headers, site):
    response = client.post(URL, headers=auth_headers, json=body(
        site, hostname="PRN-P1-0001", ip_address="10.40.0.12", queue_name="Q-HALL-A", driver="HP Universal PCL 6"))
    assert response.status_code == 201, response.get_json()
    assert response.headers["ETag"] == '"1"'
    printer = response.get_json()["data"]
    assert printer["asset_type"] == "printer" and printer["status"] == "active"
    assert printer["hostname"] == "prn-p1-0001"  # hostnames are stored lower-case
    assert printer["ip_address"] == "10.40.0.12"
    assert (printer["printer_type"], printer["color"], printer["duplex"]) == ("laser", False, False)
    assert printer["computers"] == []
    assert client.get(f"{URL}/{printer['assetid']}").get_json()["data"] == printer


@pytest.mark.parametrize("printer_type", ["laser", "inkjet", "label", "thermal", "dot_matrix", "plotter",
                                          "multifunction"])
def test_every_printer_type_is_accepted(client, auth_headers, site, printer_type):
    response = client.post(URL, headers=auth_headers, json=body(site, printer_type=printer_type))
    assert response.status_code == 201
    assert response.get_json()["data"]["printer_type"] == printer_type


@pytest.mark.parametrize("printer_type", ["3d", "Laser", "", None, 1])
def test_an_unknown_printer_type_is_refused_and_nothing_is_written(client, auth_headers, site, counts, printer_type):
    before = counts()
    response = client.post(URL, headers=auth_headers, json=body(site, printer_type=printer_type))
    assert response.status_code == 422
    assert "printer_type" in response.get_json()["error"]["details"]["fields"]
    assert counts() == before


@pytest.mark.parametrize("ip", ["10.40.0.256", "10.40.0", "printer-1", "", "2001:db8:::1"])
def test_a_bad_ip_is_refused_and_nothing_is_written(client, auth_headers, site, counts, ip):
    before = counts()
    response = client.post(URL, headers=auth_headers, json=body(site, ip_address=ip))
    assert response.status_code == 422
    assert "ip_address" in response.get_json()["error"]["details"]["fields"]
    assert counts() == before


def test_an_ipv6_address_is_stored_compressed(client, auth_headers, site):
    response = client.post(URL, headers=auth_headers, json=body(site, ip_address="2001:0DB8:0:0:0:0:0:0099"))
    assert response.status_code == 201
    assert response.get_json()["data"]["ip_address"] == "2001:db8::99"


@pytest.mark.parametrize("field,value", [
    ("color", "maybe"), ("duplex", [True]), ("site_id", "1"), ("hostname", "prn_01"), ("hostname", 7),
    ("queue_name", "q" * 10_000), ("driver", "d" * 10_000), ("notes", "n" * 10_001), ("colour", True),
    ("computers", []),
])
def test_wrong_types_unknown_fields_and_overlong_strings_are_refused(client, auth_headers, site, counts,
                                                                     field, value):
    before = counts()
    response = client.post(URL, headers=auth_headers, json=body(site, **{field: value}))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["details"]["fields"]
    assert counts() == before


@pytest.mark.parametrize("field", ["color", "duplex"])
@pytest.mark.parametrize("value", ["yes", "on", "true", 1, 0, "1", None])
def test_color_and_duplex_take_only_json_true_or_false(client, auth_headers, site, make_printer, counts,
                                                       field, value):
    before = counts()
    response = client.post(URL, headers=auth_headers, json=body(site, **{field: value}))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["details"]["fields"]
    assert counts() == before
    printer = make_printer()
    patched = client.patch(f"{URL}/{printer['assetid']}", headers=auth_headers, json={field: value})
    assert patched.status_code == 422, patched.get_json()
    assert client.get(f"{URL}/{printer['assetid']}").get_json()["data"] == printer


def test_malformed_json_is_a_400_and_writes_nothing(client, auth_headers, counts):
    before = counts()
    response = client.post(URL, data='{"asset_tag": ', headers={**auth_headers, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "malformed_json"
    assert counts() == before


def test_a_duplicate_asset_tag_in_the_site_is_a_409(client, auth_headers, site, make_printer, counts):
    make_printer(asset_tag="PR-DUP")
    before = counts()
    response = client.post(URL, headers=auth_headers, json=body(site, asset_tag="PR-DUP"))
    assert response.status_code == 409
    assert counts() == before


def test_writes_need_a_token(client, anonymous_client, site, counts):
    before = counts()
    assert anonymous_client.post(URL, json=body(site)).status_code == 401
    assert counts() == before


def test_patching_updates_either_part_and_bumps_the_version(client, auth_headers, make_printer):
    printer = make_printer()
    response = client.patch(f"{URL}/{printer['assetid']}", headers=auth_headers, json={
        "version": printer["version"], "printer_type": "label", "duplex": True, "name": "Shipping labels"})
    assert response.status_code == 200, response.get_json()
    data = response.get_json()["data"]
    assert (data["printer_type"], data["duplex"], data["name"]) == ("label", True, "Shipping labels")
    assert data["version"] == printer["version"] + 1


def test_patching_a_bad_printer_type_changes_nothing(client, auth_headers, make_printer):
    printer = make_printer()
    response = client.patch(f"{URL}/{printer['assetid']}", headers=auth_headers,
                            json={"printer_type": "3d", "name": "Renamed"})
    assert response.status_code == 422
    assert client.get(f"{URL}/{printer['assetid']}").get_json()["data"] == printer


def test_a_stale_version_is_refused_and_changes_nothing(client, auth_headers, make_printer):
    printer = make_printer()
    assert client.patch(f"{URL}/{printer['assetid']}", headers=auth_headers, json={"driver": "v2"}).status_code == 200
    response = client.patch(f"{URL}/{printer['assetid']}", headers=auth_headers,
                            json={"version": printer["version"], "driver": "v1"})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "version_conflict"
    header = client.patch(f"{URL}/{printer['assetid']}", json={"driver": "v1"},
                          headers={**auth_headers, "If-Match": f'"{printer["version"]}"'})
    assert header.status_code == 412
    assert client.get(f"{URL}/{printer['assetid']}").get_json()["data"]["driver"] == "v2"


def test_deleting_a_printer_removes_asset_and_extension(client, auth_headers, make_printer, counts):
    printer = make_printer()
    before = counts()
    assert client.delete(f"{URL}/{printer['assetid']}", headers=auth_headers).status_code == 204
    assert client.get(f"{URL}/{printer['assetid']}").status_code == 404
    assert counts() == {"assets": before["assets"] - 1, "printers": before["printers"] - 1}


def test_an_unknown_printer_is_a_404(client, auth_headers):
    assert client.get(f"{URL}/999999").status_code == 404
    assert client.patch(f"{URL}/999999", headers=auth_headers, json={"driver": "x"}).status_code == 404
    assert client.delete(f"{URL}/999999", headers=auth_headers).status_code == 404


def test_the_list_filters_by_type_and_searches_hostname_ip_and_queue(client, make_printer):
    label = make_printer(printer_type="label", hostname="prn-label-01", ip_address="10.40.1.5", queue_name="Q-SHIP")
    make_printer(printer_type="laser", hostname="prn-office-01", ip_address="10.40.2.5")

    def assetids(query: str) -> list[int]:
        response = client.get(f"{URL}?{query}")
        assert response.status_code == 200, response.get_json()
        return [p["assetid"] for p in response.get_json()["data"]]

    assert assetids("printer_type=label") == [label["assetid"]]
    for q in ("PRN-LABEL", "10.40.1.5", "q-ship"):
        assert assetids(f"q={q}") == [label["assetid"]], q
    assert client.get(f"{URL}?printer_type=label&bogus=1").status_code == 400


def test_the_search_box_finds_printers_by_hostname_and_ip(client, make_printer):
    printer = make_printer(hostname="prn-find-me", ip_address="2001:db8::77")
    for q, field in (("PRN-FIND", "hostname"), ("2001:db8::77", "ip_address"),
                     ("2001:DB8:0:0:0:0:0:77", "ip_address")):
        hits = {h["assetid"]: h["matched"] for h in client.get("/api/v1/search", query_string={"q": q})
                .get_json()["data"]}
        assert hits.get(printer["assetid"]) == field, q


@pytest.mark.parametrize("q", ["_", "%", "prn_find", "10.40%5", "\\"])
def test_underscore_and_percent_in_the_search_box_match_only_themselves(client, make_printer, q):
    make_printer(hostname="prn-find-me", ip_address="10.40.3.5", queue_name="Q-SHIP")  # no field holds a _ or %
    hits = client.get("/api/v1/search", query_string={"q": q}).get_json()["data"]
    assert hits == []


def test_the_list_q_matches_underscore_literally(client, make_printer):
    literal = make_printer(queue_name="Q_SHIP")
    make_printer(queue_name="Q-SHIP")
    data = client.get(URL, query_string={"q": "q_"}).get_json()["data"]
    assert [p["assetid"] for p in data] == [literal["assetid"]]
