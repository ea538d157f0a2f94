"""/api/v1/usb/checkouts: which program went to which machine on which stick."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import event

from shopdb.plugins.toolkit import db

URL = "/api/v1/usb"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture
def delivered(client, auth_headers, make_stick, make_machine, check_out) -> dict:
    """O1234.nc went to the lathe on stick A (returned); O5678.MPF is on stick B at the mill right now."""
    lathe, mill = make_machine("Lathe"), make_machine("Mill")
    stick_a, stick_b = make_stick(label="A"), make_stick(label="B")
    first = check_out(stick_a, machine_assetid=lathe["assetid"], checked_out_to="Anna Becker",
                      files=[{"name": "O1234.nc", "sha256": sha("O1234").upper()}])
    assert first.status_code == 201, first.get_json()
    assert client.post(f"{URL}/{stick_a['assetid']}/checkin", headers=auth_headers, json={}).status_code == 200
    second = check_out(stick_b, machine_assetid=mill["assetid"], checked_out_to="Jonas Wolf",
                       files=[{"name": "O5678.MPF", "sha256": sha("O5678")}, {"name": "T_100%_x.H",
                                                                             "sha256": sha("tools")}])
    assert second.status_code == 201, second.get_json()
    return {"lathe": lathe, "mill": mill, "a": stick_a, "b": stick_b, "first": first.get_json()["data"],
            "second": second.get_json()["data"]}


def ids(client, query: str) -> list[int]:
    response = client.get(f"{URL}/checkouts?{query}")
    assert response.status_code == 200, response.get_json()
    return [c["id"] for c in response.get_json()["data"]]


def test_files_are_recorded_with_their_sha256_in_lowercase(delivered):
    assert delivered["first"]["files"] == [{"name": "O1234.nc", "sha256": sha("O1234")}]
    assert [f["name"] for f in delivered["second"]["files"]] == ["O5678.MPF", "T_100%_x.H"]


def test_which_stick_took_a_program_to_which_machine_is_found_by_its_sha256(client, delivered):
    first, second = delivered["first"]["id"], delivered["second"]["id"]
    assert ids(client, f"file_sha256={sha('O1234')}") == [first]
    assert ids(client, f"file_sha256={sha('O1234').upper()}") == [first]
    assert ids(client, f"file_sha256={sha('tools')}") == [second]
    assert ids(client, f"file_sha256={sha('never sent')}") == []
    record = client.get(f"{URL}/checkouts?file_sha256={sha('O1234')}").get_json()["data"][0]
    assert (record["device_asset_tag"], record["machine_asset_tag"]) == (delivered["a"]["asset_tag"],
                                                                         delivered["lathe"]["asset_tag"])


def test_a_program_is_found_by_its_exact_file_name_in_any_case(client, delivered):
    assert ids(client, "file_name=O1234.nc") == [delivered["first"]["id"]]
    assert ids(client, "file_name=o5678.mpf") == [delivered["second"]["id"]]
    assert ids(client, "file_name=T_100%25_x.H") == [delivered["second"]["id"]]  # % and _ are literal
    assert ids(client, "file_name=O1234") == []  # a name, not a fragment
    assert ids(client, "file_name=T_100%25") == []


def test_checkouts_filter_by_machine_person_open_and_device(client, delivered):
    first, second = delivered["first"]["id"], delivered["second"]["id"]
    assert ids(client, f"machine_assetid={delivered['mill']['assetid']}") == [second]
    assert ids(client, "open=true") == [second]
    assert ids(client, "open=false") == [first]
    assert ids(client, f"open=false&machine_assetid={delivered['lathe']['assetid']}") == [first]
    assert ids(client, "checked_out_to=Anna Becker") == [first]
    assert ids(client, f"device_assetid={delivered['b']['assetid']}") == [second]
    assert ids(client, "closed_reason=returned") == [first]
    assert ids(client, "") == [second, first]  # newest first
    assert ids(client, "sort=out_at") == [first, second]
    assert ids(client, "q=jonas") == [second]


@pytest.mark.parametrize("query", ["open=maybe", "file_sha256=abc", "file_sha256=" + "g" * 64,
                                   "machine_assetid=x", "colour=red", "sort=colour", "file_name=" + "n" * 300,
                                   "per_page=0"])
def test_a_bad_checkout_filter_is_a_400(client, query):
    response = client.get(f"{URL}/checkouts?{query}")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


def test_listing_checkouts_costs_the_same_statements_for_one_row_or_many(app, client, make_stick, make_machine,
                                                                          check_out, auth_headers):
    machine = make_machine()

    def statements() -> int:
        seen = []
        with app.app_context():
            engine = db.engine
        def listener(conn, cursor, statement, *args) -> None:
            if statement.lstrip().upper().startswith("SELECT"):  # not SQLite's BEGIN
                seen.append(statement)

        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get(f"{URL}/checkouts?per_page=100").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    stick = make_stick()
    assert check_out(stick, machine_assetid=machine["assetid"]).status_code == 201
    one = statements()
    assert client.post(f"{URL}/{stick['assetid']}/checkin", headers=auth_headers, json={}).status_code == 200
    for _ in range(6):
        assert check_out(make_stick(), machine_assetid=machine["assetid"]).status_code == 201
    assert client.get(f"{URL}/checkouts").get_json()["meta"]["total"] == 7
    # the caller's token and the page; a page that holds every row is its own count (no COUNT)
    assert statements() == one == 2


def test_the_chain_still_names_a_deleted_machine_by_its_tag_and_name_at_check_out(client, auth_headers, delivered):
    lathe = delivered["lathe"]
    assert delivered["first"]["machine_asset_tag"] == lathe["asset_tag"]
    response = client.delete(f"/api/v1/assets/{lathe['assetid']}", headers=auth_headers)
    assert response.status_code == 204, response.get_json()
    record = client.get(f"{URL}/checkouts?id={delivered['first']['id']}").get_json()["data"][0]
    assert record["machine_assetid"] is None
    assert (record["machine_asset_tag"], record["machine_name"]) == (lathe["asset_tag"], lathe["name"])
    chain = client.get(f"{URL}/{delivered['a']['assetid']}/custody").get_json()["data"]
    assert [(c["machine_asset_tag"], c["machine_name"]) for c in chain] == [(lathe["asset_tag"], lathe["name"])]
    assert ids(client, f"machine_asset_tag={lathe['asset_tag']}") == [delivered["first"]["id"]]
    assert ids(client, f"q={lathe['name']}") == [delivered["first"]["id"]]


def test_a_renamed_machine_shows_its_current_tag_and_name_while_it_exists(client, auth_headers, delivered):
    mill = delivered["mill"]
    response = client.patch(f"/api/v1/assets/{mill['assetid']}", headers=auth_headers,
                            json={"asset_tag": "M-RENAMED", "name": "Mill after retrofit"})
    assert response.status_code == 200, response.get_json()
    record = client.get(f"{URL}/checkouts?id={delivered['second']['id']}").get_json()["data"][0]
    assert (record["machine_asset_tag"], record["machine_name"]) == ("M-RENAMED", "Mill after retrofit")
    assert ids(client, "machine_asset_tag=M-RENAMED") == [delivered["second"]["id"]]
