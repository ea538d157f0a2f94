"""Registering USB sticks through /api/v1/usb: ids, names from usb.ids, approval, search."""

from __future__ import annotations

import os

import pytest

URL = "/api/v1/usb"


def test_a_stick_is_created_flat_with_defaults_and_read_back(client, auth_headers, site):
    response = client.post(URL, headers=auth_headers, json={
        "asset_tag": "USB-0001", "name": "Cell A3 program stick", "site_id": site["id"], "serial": "4C530001",
        "vendor_id": "0x0781", "product_id": "5567", "capacity_mb": 16384, "label": "PRG-A3"})
    assert response.status_code == 201, response.get_json()
    assert response.headers["ETag"] == '"1"'
    stick = response.get_json()["data"]
    assert stick["asset_type"] == "usb_device" and stick["status"] == "active"
    assert (stick["vendor_id"], stick["product_id"]) == ("0781", "5567")
    assert stick["approved"] is False  # a new stick must be approved before it may go out
    assert stick["custody_state"] == "in_store" and stick["current_checkout"] is None
    assert stick["vendor_name"] is None and stick["product_name"] is None  # no usb.ids here
    assert client.get(f"{URL}/{stick['assetid']}").get_json()["data"] == stick


@pytest.mark.parametrize("given,stored", [("0781", "0781"), ("0x0781", "0781"), ("0X0781", "0781"),
                                          ("ABCD", "abcd"), ("0xAbCd", "abcd"), (" 0781 ", "0781")])
def test_vendor_and_product_ids_are_accepted_with_or_without_0x_and_stored_lowercase(
        client, auth_headers, stick_body, given, stored):
    response = client.post(URL, headers=auth_headers, json=stick_body(vendor_id=given, product_id=given))
    assert response.status_code == 201, response.get_json()
    data = response.get_json()["data"]
    assert (data["vendor_id"], data["product_id"]) == (stored, stored)


@pytest.mark.parametrize("field", ["vendor_id", "product_id"])
@pytest.mark.parametrize("value", ["12345", "zzzz", "781", "0x781", "0x", "", "07 81", "0x00781", 781, True,
                                   "0" * 10_000])
def test_a_vendor_or_product_id_that_is_not_four_hex_digits_is_refused_and_nothing_is_written(
        client, auth_headers, stick_body, state, field, value):
    before = state()
    response = client.post(URL, headers=auth_headers, json=stick_body(**{field: value}))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["details"]["fields"]
    assert state() == before


@pytest.mark.parametrize("field,value", [
    ("capacity_mb", -1), ("capacity_mb", "16384"), ("capacity_mb", 1.5), ("capacity_mb", 10**12),
    ("approved", "maybe"), ("approved", "yes"), ("approved", "on"), ("approved", "true"), ("approved", 1),
    ("approved", 0), ("approved", None), ("serial", "s" * 129), ("serial", 7), ("label", "l" * 10_000),
    ("custody_state", "lost"), ("custody_note", "x"), ("vendor_name", "SanDisk"), ("colour", "red"),
    ("site_id", "1"), ("notes", "n" * 10_001),
])
def test_wrong_types_unknown_or_read_only_fields_and_overlong_strings_are_refused(
        client, auth_headers, stick_body, state, field, value):
    before = state()
    response = client.post(URL, headers=auth_headers, json=stick_body(**{field: value}))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["details"]["fields"]
    assert state() == before


def test_malformed_json_is_a_400_and_writes_nothing(client, auth_headers, state):
    before = state()
    response = client.post(URL, data='{"asset_tag": ', headers={**auth_headers, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "malformed_json"
    assert state() == before


def test_a_duplicate_asset_tag_is_a_409_and_writes_nothing(client, auth_headers, make_stick, stick_body, state):
    first = make_stick()
    before = state()
    response = client.post(URL, headers=auth_headers, json=stick_body(asset_tag=first["asset_tag"]))
    assert response.status_code == 409
    assert state() == before


def test_sticks_of_different_makers_may_share_a_serial_because_cheap_sticks_do(make_stick):
    first = make_stick(serial="0000000000000001", vendor_id="0781", product_id="5567")
    second = make_stick(serial="0000000000000001", vendor_id="0951", product_id="1666")
    assert first["serial"] == second["serial"]


def test_a_serial_already_on_a_stick_of_the_same_model_is_a_409_naming_serial(client, auth_headers, stick_body,
                                                                               make_stick):
    make_stick(serial="4C530001", vendor_id="0781", product_id="5567")
    response = client.post(URL, headers=auth_headers,
                           json=stick_body(serial="4c530001", vendor_id="0781", product_id="5567"))
    assert response.status_code == 409, response.get_json()
    assert response.get_json()["error"]["code"] == "duplicate"
    assert "serial" in response.get_json()["error"]["details"]["fields"]


def test_any_number_of_sticks_may_have_no_serial(make_stick):
    assert make_stick(serial=None)["serial"] is None and make_stick(serial=None)["serial"] is None


def test_writing_needs_a_token_and_the_editor_role(client, anonymous_client, stick_body, viewer_headers):
    assert anonymous_client.post(URL, json=stick_body()).status_code == 401
    assert client.post(URL, json=stick_body(), headers=viewer_headers).status_code == 403


def test_names_come_from_usb_ids_when_the_file_is_present(client, make_stick, usb_ids):
    stick = make_stick(vendor_id="0781", product_id="5581")
    assert (stick["vendor_name"], stick["product_name"]) == ("SanDisk Corp.", "Ultra")
    listed = client.get(f"{URL}?assetid={stick['assetid']}").get_json()["data"][0]
    assert (listed["vendor_name"], listed["product_name"]) == ("SanDisk Corp.", "Ultra")


def test_a_known_vendor_with_an_unknown_product_shows_only_the_vendor_name(make_stick, usb_ids):
    stick = make_stick(vendor_id="0951", product_id="ffff")
    assert (stick["vendor_name"], stick["product_name"]) == ("Kingston Technology", None)


def test_an_unknown_vendor_and_lines_after_the_vendor_list_give_no_names(make_stick, usb_ids):
    stick = make_stick(vendor_id="c000", product_id="0001")  # "C 00" class list must not parse as a vendor
    assert (stick["vendor_name"], stick["product_name"]) == (None, None)


def test_a_latin1_name_in_usb_ids_is_read_without_failing(make_stick, usb_ids):
    stick = make_stick(vendor_id="1234", product_id="0001")
    assert (stick["vendor_name"], stick["product_name"]) == ("M\u00fcller GmbH", "Stick")


def test_names_follow_a_replaced_usb_ids_file(make_stick, usb_ids):
    stick = make_stick(vendor_id="abcd", product_id="1234")
    assert stick["vendor_name"] == "Unknown Vendor With Lowercase Id"
    usb_ids.write_text("abcd  Renamed Vendor\n\t1234  Renamed Stick\n")
    os.utime(usb_ids, ns=(1, 1))  # a different mtime even within the same clock tick
    again = make_stick(vendor_id="abcd", product_id="1234")
    assert (again["vendor_name"], again["product_name"]) == ("Renamed Vendor", "Renamed Stick")


def test_the_list_filters_by_approval_custody_state_and_vendor_id_in_any_spelling(client, make_stick):
    approved = make_stick(vendor_id="0951", approved=True)
    make_stick(vendor_id="0781", approved=False)
    for query in ("vendor_id=0951", "vendor_id=0x0951", "vendor_id=0X0951&approved=true"):
        found = client.get(f"{URL}?{query}").get_json()["data"]
        assert [s["assetid"] for s in found] == [approved["assetid"]], query
    assert client.get(f"{URL}?approved=false").get_json()["meta"]["total"] == 1
    assert client.get(f"{URL}?custody_state=in_store").get_json()["meta"]["total"] == 2
    assert client.get(f"{URL}?custody_state=lost").get_json()["meta"]["total"] == 0


@pytest.mark.parametrize("query", ["vendor_id=zzzz", "product_id=12345", "approved=perhaps", "colour=red",
                                   "sort=nonsense"])
def test_a_bad_list_filter_is_a_400(client, query):
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


def test_q_and_the_global_search_find_a_stick_by_serial_and_by_label(client, make_stick):
    stick = make_stick(serial="AA55BEEF01", label="Okuma programs")
    assert [s["assetid"] for s in client.get(f"{URL}?q=55beef").get_json()["data"]] == [stick["assetid"]]
    assert [s["assetid"] for s in client.get(f"{URL}?q=okuma").get_json()["data"]] == [stick["assetid"]]
    hits = {h["assetid"]: h["matched"] for h in client.get("/api/v1/search?q=55BEEF").get_json()["data"]}
    assert hits[stick["assetid"]] == "serial"
    hits = {h["assetid"]: h["matched"] for h in client.get("/api/v1/search?q=okuma pro").get_json()["data"]}
    assert hits[stick["assetid"]] == "label"


@pytest.mark.parametrize("wildcard", ["_", "%"])
def test_an_underscore_or_percent_in_the_search_matches_itself_not_every_stick(client, make_stick, wildcard):
    plain = [make_stick(label=f"PRG {n}")["assetid"] for n in range(3)]
    literal = make_stick(label=f"PRG{wildcard}7")["assetid"]
    hits = [h["assetid"] for h in client.get("/api/v1/search", query_string={"q": wildcard}).get_json()["data"]]
    assert literal in hits and not set(plain) & set(hits)
    found = client.get(URL, query_string={"q": wildcard}).get_json()["data"]
    assert [s["assetid"] for s in found] == [literal]


@pytest.mark.parametrize("value", ["yes", "on", 1, "true"])
def test_approving_a_stick_needs_a_json_true_not_yes_or_1(client, auth_headers, make_stick, state, value):
    stick = make_stick(approved=False)
    before = state(stick)
    response = client.patch(f"{URL}/{stick['assetid']}", headers=auth_headers, json={"approved": value})
    assert response.status_code == 422, response.get_json()
    assert "approved" in response.get_json()["error"]["details"]["fields"]
    assert state(stick) == before


def test_approving_a_stick_is_audited_with_who_did_it(client, auth_headers, make_stick):
    stick = make_stick(approved=False)
    response = client.patch(f"{URL}/{stick['assetid']}", headers=auth_headers,
                            json={"approved": True, "version": stick["version"]})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["data"]["approved"] is True
    assert response.get_json()["data"]["version"] == stick["version"] + 1
    history = client.get(f"/api/v1/assets/{stick['assetid']}/history").get_json()["data"]
    change = next(h for h in history if h["table_name"] == "usb_devices" and h["action"] == "update")
    assert (change["before"]["approved"], change["after"]["approved"]) == (False, True)
    assert change["username"] == "admin"


def test_a_stale_version_on_patch_is_a_409_and_changes_nothing(client, auth_headers, make_stick, state):
    stick = make_stick(approved=False)
    assert client.patch(f"{URL}/{stick['assetid']}", headers=auth_headers,
                        json={"label": "new", "version": stick["version"]}).status_code == 200
    before = state(stick)
    response = client.patch(f"{URL}/{stick['assetid']}", headers=auth_headers,
                            json={"approved": True, "version": stick["version"]})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "version_conflict"
    assert state(stick) == before


@pytest.mark.parametrize("body", [{"custody_state": "checked_out"}, {"status": "lost"}])
def test_custody_cannot_be_patched_only_reported(client, auth_headers, make_stick, state, body):
    stick = make_stick()
    before = state(stick)
    response = client.patch(f"{URL}/{stick['assetid']}", headers=auth_headers, json=body)
    assert response.status_code == 422
    assert list(body)[0] in response.get_json()["error"]["details"]["fields"]
    assert state(stick) == before


def test_a_stick_cannot_be_created_as_lost(client, auth_headers, stick_body, state):
    before = state()
    response = client.post(URL, headers=auth_headers, json=stick_body(status="lost"))
    assert response.status_code == 422
    assert "status" in response.get_json()["error"]["details"]["fields"]
    assert state() == before


def test_an_unknown_stick_is_a_404(client, auth_headers):
    assert client.get(f"{URL}/999999").status_code == 404
    assert client.patch(f"{URL}/999999", headers=auth_headers, json={"label": "x"}).status_code == 404
