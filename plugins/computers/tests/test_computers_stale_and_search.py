"""Finding PCs: the "stale" list (not seen for N days) and the search box across plugins."""

from __future__ import annotations

import datetime as dt

import pytest


def ago(days: float) -> str:
    return (dt.datetime.now(dt.UTC) - dt.timedelta(days=days)).isoformat()


def stale(client, query: str) -> set[str]:
    response = client.get(f"/api/v1/computers?{query}")
    assert response.status_code == 200, response.get_json()
    return {pc["hostname"] for pc in response.get_json()["data"]}


def test_stale_pcs_are_those_not_seen_for_n_days_or_never(client, make_computer):
    make_computer(hostname="seen-today", last_seen_at=ago(0.1))
    make_computer(hostname="seen-10-days", last_seen_at=ago(10))
    make_computer(hostname="seen-100-days", last_seen_at=ago(100), pc_type="server")
    make_computer(hostname="never-seen")
    assert stale(client, "stale_days=30") == {"seen-100-days", "never-seen"}
    assert stale(client, "stale_days=5") == {"seen-10-days", "seen-100-days", "never-seen"}
    assert stale(client, "stale_days=365") == {"never-seen"}
    assert stale(client, "stale_days=30&pc_type=server") == {"seen-100-days"}
    assert len(stale(client, "")) == 4


@pytest.mark.parametrize("value", ["abc", "0", "-3", "1.5", "", " 7", "99999999", "１"])
def test_stale_days_must_be_a_positive_whole_number(client, value):
    response = client.get(f"/api/v1/computers?stale_days={value}")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "bad_request" and "stale_days" in error["details"]["fields"]


def search(client, q: str) -> dict[int, str]:
    response = client.get("/api/v1/search", query_string={"q": q})
    assert response.status_code == 200, response.get_json()
    return {hit["assetid"]: hit["matched"] for hit in response.get_json()["data"]}


@pytest.fixture
def known_pc(make_computer):
    make_computer(hostname="ofc-0001", mac_address="3C:D9:2B:11:22:33", primary_ip="10.9.8.7")
    return make_computer(hostname="p1-cmm-0042", mac_address="00:14:22:AB:CD:EF", primary_ip="10.20.30.40")


def test_search_finds_a_pc_by_hostname_in_any_case(client, known_pc):
    assert search(client, "P1-CMM-0042") == {known_pc["assetid"]: "hostname"}
    assert search(client, "cmm-004")[known_pc["assetid"]] == "hostname"


@pytest.mark.parametrize("q", ["00:14:22:AB:CD:EF", "00-14-22-ab-cd-ef", "0014.22ab.cdef", "001422abcdef", "ab:cd:ef"])
def test_search_finds_a_pc_by_mac_in_any_spelling(client, known_pc, q):
    assert search(client, q) == {known_pc["assetid"]: "mac_address"}


def test_search_finds_a_pc_by_ip(client, known_pc):
    assert search(client, "10.20.30.40") == {known_pc["assetid"]: "primary_ip"}
    assert search(client, "10.20.30")[known_pc["assetid"]] == "primary_ip"


def test_search_finds_an_ipv6_pc_by_any_spelling_of_its_address(client, make_computer):
    pc = make_computer(primary_ip="fd00::10")
    assert search(client, "FD00:0:0:0:0:0:0:10") == {pc["assetid"]: "primary_ip"}


def test_search_hits_point_at_the_computers_endpoint(client, known_pc):
    hit = client.get("/api/v1/search?q=p1-cmm-0042").get_json()["data"][0]
    assert hit["url"] == f"/api/v1/computers/{known_pc['assetid']}"
    assert hit["asset_type"] == "computer"


def test_the_list_q_matches_hostname_mac_and_ip(client, known_pc):
    for q in ("P1-CMM", "ab:cd:ef", "10.20.30.40"):
        data = client.get("/api/v1/computers", query_string={"q": q}).get_json()["data"]
        assert [pc["assetid"] for pc in data] == [known_pc["assetid"]], q


def test_last_seen_with_a_time_zone_offset_is_stored_as_utc(client, auth_headers, make_computer):
    pc = make_computer(last_seen_at="2026-05-01T10:00:00+02:00")
    assert pc["last_seen_at"].startswith("2026-05-01T08:00:00")
    fetched = client.get(f"/api/v1/computers/{pc['assetid']}").get_json()["data"]
    assert fetched["last_seen_at"].startswith("2026-05-01T08:00:00")


@pytest.mark.parametrize("q", ["_", "%", "p1_cmm", "10.20%40", "\\"])
def test_underscore_and_percent_in_the_search_box_match_only_themselves(client, known_pc, make_computer, q):
    make_computer(hostname="p1-cmm-0043", os_name="Win-10")  # every field is searchable: none holds a _ or %
    assert search(client, q) == {}


def test_the_list_q_matches_underscore_literally(client, make_computer):
    literal = make_computer(os_name="Win_10")
    make_computer(os_name="Win-10")
    data = client.get("/api/v1/computers", query_string={"q": "win_"}).get_json()["data"]
    assert [pc["assetid"] for pc in data] == [literal["assetid"]]
