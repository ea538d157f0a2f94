"""Posting, listing, editing and deleting notices; every bad input refused with nothing written."""

from __future__ import annotations

import datetime as dt

import pytest

URL = "/api/v1/notifications"


def test_a_notice_is_posted_with_defaults_and_its_author(client, auth_headers):
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    response = client.post(URL, json={"title": "  Fire drill at 10:00 ", "message": "Assemble at the car park."},
                           headers=auth_headers)
    assert response.status_code == 201, response.get_json()
    assert response.headers["ETag"] == '"1"'
    notice = response.get_json()["data"]
    assert notice["title"] == "Fire drill at 10:00" and notice["severity"] == "info"
    assert notice["site_id"] is None and notice["assetid"] is None and notice["ends_at"] is None
    assert notice["source"] == "manual" and notice["created_by"] == "admin" and notice["version"] == 1
    assert before <= dt.datetime.fromisoformat(notice["starts_at"]) <= before + dt.timedelta(seconds=5)
    assert client.get(f"{URL}/{notice['id']}").get_json()["data"]["title"] == "Fire drill at 10:00"


def test_times_with_an_offset_are_stored_in_utc_to_the_second(make_notice):
    notice = make_notice(starts_at="2030-05-01T10:00:00.750+02:00", ends_at="2030-05-01T12:00:00Z")
    assert notice["starts_at"] == "2030-05-01T08:00:00Z" and notice["ends_at"] == "2030-05-01T12:00:00Z"


def test_a_notice_about_a_machine_takes_the_machine_s_site(make_notice, make_machine, site):
    machine = make_machine()
    notice = make_notice(assetid=machine["assetid"], severity="warning")
    assert notice["site_id"] == site["id"]


def test_the_list_filters_by_severity_site_asset_source_and_searches_title_and_message(
        client, make_notice, make_machine, site, other_site):
    machine = make_machine()
    make_notice(title="Air pressure low", severity="warning", site_id=site["id"])
    make_notice(title="Fire drill", message="Hall B evacuates first", site_id=other_site["id"])
    make_notice(title="Spindle noise", severity="critical", assetid=machine["assetid"], source="equipment")

    def titles(query: str) -> list[str]:
        response = client.get(f"{URL}?{query}")
        assert response.status_code == 200, response.get_json()
        return sorted(n["title"] for n in response.get_json()["data"])

    assert titles("severity=warning,critical") == ["Air pressure low", "Spindle noise"]
    assert titles(f"site_id={other_site['id']}") == ["Fire drill"]
    assert titles(f"assetid={machine['assetid']}") == ["Spindle noise"]
    assert titles("source=equipment") == ["Spindle noise"]
    assert titles("q=hall b") == ["Fire drill"]
    assert titles("q=PRESSURE") == ["Air pressure low"]
    meta = client.get(f"{URL}?per_page=2").get_json()["meta"]
    assert meta == {"page": 1, "per_page": 2, "total": 3, "pages": 2, "total_is_exact": True, "next": meta["next"]}
    assert meta["next"]  # the cursor of page 2 (ADR 0019)
    assert client.get(f"{URL}?colour=red").status_code == 400
    assert client.get(f"{URL}?site_id=first").status_code == 400


def test_an_edit_with_the_current_version_applies_and_a_stale_one_is_409(client, auth_headers, make_notice):
    notice = make_notice()
    url = f"{URL}/{notice['id']}"
    first = client.patch(url, json={"severity": "warning", "version": 1}, headers=auth_headers)
    assert first.status_code == 200 and first.get_json()["data"]["version"] == 2
    stale = client.patch(url, json={"severity": "critical", "version": 1}, headers=auth_headers)
    assert stale.status_code == 409 and stale.get_json()["error"]["details"]["current_version"] == 2
    if_match = {**auth_headers, "If-Match": '"1"'}
    assert client.patch(url, json={"severity": "critical"}, headers=if_match).status_code == 412
    assert client.get(url).get_json()["data"]["severity"] == "warning"


def test_ends_at_must_come_after_starts_at_on_create_and_on_edit(client, auth_headers, make_notice, count_rows):
    for window in ({"starts_at": "2030-01-02T00:00:00", "ends_at": "2030-01-01T00:00:00"},
                   {"starts_at": "2030-01-01T00:00:00", "ends_at": "2030-01-01T00:00:00"},
                   {"ends_at": "2020-01-01T00:00:00"}):
        response = client.post(URL, json={"title": "Window", **window}, headers=auth_headers)
        assert response.status_code == 422, window
        assert "ends_at" in response.get_json()["error"]["details"]["fields"]
    assert count_rows("notifications") == 0
    notice = make_notice(starts_at="2030-01-01T08:00:00", ends_at="2030-01-01T10:00:00")
    url = f"{URL}/{notice['id']}"
    assert client.patch(url, json={"ends_at": "2030-01-01T07:00:00"}, headers=auth_headers).status_code == 422
    assert client.patch(url, json={"starts_at": "2030-01-01T11:00:00"}, headers=auth_headers).status_code == 422
    moved = client.patch(url, json={"starts_at": "2030-01-01T11:00:00", "ends_at": None}, headers=auth_headers)
    assert moved.status_code == 200 and moved.get_json()["data"]["ends_at"] is None


def test_an_asset_and_its_site_must_agree(client, auth_headers, make_notice, make_machine, other_site):
    machine = make_machine()
    body = {"title": "Mismatch", "assetid": machine["assetid"], "site_id": other_site["id"]}
    response = client.post(URL, json=body, headers=auth_headers)
    assert response.status_code == 422 and "site_id" in response.get_json()["error"]["details"]["fields"]
    everywhere = client.post(URL, json={**body, "site_id": None}, headers=auth_headers)
    assert everywhere.status_code == 422
    notice = make_notice(assetid=machine["assetid"])
    moved = client.patch(f"{URL}/{notice['id']}", json={"site_id": other_site["id"]}, headers=auth_headers)
    assert moved.status_code == 422
    detached = client.patch(f"{URL}/{notice['id']}", json={"assetid": None, "site_id": other_site["id"]},
                            headers=auth_headers)
    assert detached.status_code == 200 and detached.get_json()["data"]["site_id"] == other_site["id"]


BAD_BODIES = {
    "unknown field": {"colour": "red"},
    "missing title": {"title": None},
    "empty title": {"title": "   "},
    "title of 201 characters": {"title": "t" * 201},
    "title of 10,000 characters": {"title": "t" * 10_000},
    "message of 10,000 characters": {"message": "m" * 10_000},
    "unknown severity": {"severity": "apocalyptic"},
    "severity not a string": {"severity": 3},
    "unknown site": {"site_id": 999},
    "site id as a string": {"site_id": "1"},
    "unknown asset": {"assetid": 999},
    "asset id zero": {"assetid": 0},
    "start not a time": {"starts_at": "soon"},
    "start in year 1": {"starts_at": "0001-01-01T00:00:00"},
    "end as a number": {"ends_at": 12},
    "source with spaces": {"source": "the boss"},
    "source too long": {"source": "s" * 33},
    "created_by is not the client's to say": {"created_by": "someone"},
    "acknowledged is not the client's to say": {"acknowledged": True},
}


@pytest.mark.parametrize("change", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_bad_notices_are_422_and_write_nothing(client, auth_headers, count_rows, change):
    body = {k: v for k, v in {"title": "Notice", **change}.items() if v is not None}
    response = client.post(URL, json=body, headers=auth_headers)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["code"] == "validation_error"
    assert count_rows("notifications") == 0


def test_malformed_json_is_400_and_bad_edits_change_nothing(client, auth_headers, make_notice, count_rows):
    response = client.post(URL, data='{"title": ', headers={**auth_headers, "Content-Type": "application/json"})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "malformed_json"
    assert count_rows("notifications") == 0
    notice = make_notice()
    url = f"{URL}/{notice['id']}"
    for change in ({"title": "x" * 10_000}, {"severity": "loud"}, {"colour": "red"}, {"site_id": 999},
                   {"version": "1"}, {"title": None}):
        assert client.patch(url, json=change, headers=auth_headers).status_code == 422, change
    assert client.get(url).get_json()["data"]["version"] == 1


def test_only_editors_post_edit_or_delete_notices(client, anonymous_client, make_notice, user_headers):
    notice = make_notice()
    viewer = user_headers("viewer")
    assert anonymous_client.post(URL, json={"title": "Hi"}).status_code == 401
    assert client.post(URL, json={"title": "Hi"}, headers=viewer).status_code == 403
    assert client.patch(f"{URL}/{notice['id']}", json={"title": "Hi"}, headers=viewer).status_code == 403
    assert client.delete(f"{URL}/{notice['id']}", headers=viewer).status_code == 403
    assert client.get(f"{URL}/{notice['id']}").status_code == 200


def test_a_site_limited_editor_posts_for_their_site_only_never_for_all_sites(client, make_notice, user_headers,
                                                                            site, other_site, count_rows):
    editor = user_headers("editor", (site["id"],))
    assert client.post(URL, json={"title": "Everywhere"}, headers=editor).status_code == 403
    # Another site is not there for them at all (site scoping): an unknown site, like a typo.
    assert client.post(URL, json={"title": "There", "site_id": other_site["id"]}, headers=editor).status_code == 422
    assert count_rows("notifications") == 0
    own = make_notice(headers=editor, site_id=site["id"])
    assert client.patch(f"{URL}/{own['id']}", json={"site_id": None}, headers=editor).status_code == 403
    global_notice = make_notice()
    assert client.delete(f"{URL}/{global_notice['id']}", headers=editor).status_code == 403


def test_a_deleted_notice_is_gone_with_its_acknowledgements(client, auth_headers, make_notice, count_rows):
    notice = make_notice()
    url = f"{URL}/{notice['id']}"
    assert client.post(f"{url}/ack", headers=auth_headers).status_code == 201
    assert client.delete(url, headers={**auth_headers, "If-Match": '"5"'}).status_code == 412
    assert client.delete(url, headers=auth_headers).status_code == 204
    assert client.get(url).status_code == 404
    assert client.delete(url, headers=auth_headers).status_code == 404
    assert client.patch(url, json={"title": "x"}, headers=auth_headers).status_code == 404
    assert count_rows("notifications") == 0 and count_rows("notification_acks") == 0


def test_a_deleted_machine_leaves_its_notices_without_an_asset(client, auth_headers, make_notice, make_machine):
    machine = make_machine()
    notice = make_notice(assetid=machine["assetid"])
    assert client.delete(f"/api/v1/equipment/{machine['assetid']}", headers=auth_headers).status_code == 204
    assert client.get(f"{URL}/{notice['id']}").get_json()["data"]["assetid"] is None


def test_the_api_document_describes_the_notification_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/notifications", "/api/v1/notifications/active", "/api/v1/notifications/{notification_id}",
                 "/api/v1/notifications/{notification_id}/ack", "/api/v1/notifications/{notification_id}/acks"):
        assert path in paths, path


def test_deleting_a_site_deletes_its_notices_but_not_the_all_site_ones(client, auth_headers, make_notice,
                                                                       other_site, count_rows):
    make_notice(site_id=other_site["id"])
    everyone = make_notice()
    assert client.delete(f"/api/v1/sites/{other_site['id']}", headers=auth_headers).status_code == 204
    assert [n["id"] for n in client.get(URL).get_json()["data"]] == [everyone["id"]]
    assert count_rows("notifications") == 1
