"""The active feed (what is in force now, per site) and acknowledgements by any signed-in user."""

from __future__ import annotations

import datetime as dt

URL = "/api/v1/notifications"


def _at(hours: float) -> str:
    return (dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(hours=hours)).isoformat(timespec="seconds")


def test_the_feed_shows_notices_in_force_now_critical_first(client, make_notice):
    make_notice(title="Open-ended", starts_at=_at(-2))
    make_notice(title="Until tonight", severity="warning", starts_at=_at(-1), ends_at=_at(6))
    make_notice(title="Machine down", severity="critical", starts_at=_at(-3))
    make_notice(title="Tomorrow", starts_at=_at(20))
    make_notice(title="Over", starts_at=_at(-5), ends_at=_at(-1))
    response = client.get(f"{URL}/active")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert [n["title"] for n in body["data"]] == ["Machine down", "Until tonight", "Open-ended"]
    assert body["meta"]["total"] == 3
    assert body["data"][0]["acknowledged"] is False  # the admin has acknowledged none
    assert [n["title"] for n in client.get(f"{URL}/active?severity=info").get_json()["data"]] == ["Open-ended"]
    assert [n["title"] for n in client.get(f"{URL}/active?q=tonight").get_json()["data"]] == ["Until tonight"]


def test_a_site_s_feed_has_its_own_notices_and_those_for_all_sites(client, make_notice, site, other_site):
    make_notice(title="Everyone")
    make_notice(title="Plant 1 only", site_id=site["id"])
    make_notice(title="Plant 2 only", site_id=other_site["id"])

    def titles(query: str = "") -> list[str]:
        return sorted(n["title"] for n in client.get(f"{URL}/active{query}").get_json()["data"])

    assert titles(f"?site_id={site['id']}") == ["Everyone", "Plant 1 only"]
    assert titles(f"?site_id={other_site['id']}") == ["Everyone", "Plant 2 only"]
    assert titles() == ["Everyone", "Plant 1 only", "Plant 2 only"]
    assert client.get(f"{URL}/active?site_id=main").status_code == 400
    assert client.get(f"{URL}/active?starts_at=2024-01-01").status_code == 400  # not a filter of the feed


def test_an_ended_notice_leaves_the_feed_at_once(client, auth_headers, make_notice):
    notice = make_notice(starts_at=_at(-1))
    response = client.patch(f"{URL}/{notice['id']}", json={"ends_at": _at(0)}, headers=auth_headers)
    assert response.status_code == 200, response.get_json()
    assert client.get(f"{URL}/active").get_json()["data"] == []


def test_any_signed_in_user_even_a_viewer_acknowledges_once(client, make_notice, user_headers):
    notice = make_notice()
    viewer = user_headers("viewer", name="olga")
    first = client.post(f"{URL}/{notice['id']}/ack", headers=viewer)
    assert first.status_code == 201, first.get_json()
    ack = first.get_json()["data"]
    assert ack["notification_id"] == notice["id"] and ack["username"] == "olga" and ack["acked_at"]
    again = client.post(f"{URL}/{notice['id']}/ack", headers=viewer)
    assert again.status_code == 200 and again.get_json()["data"] == ack  # idempotent: the same ack


def test_the_feed_says_what_the_caller_has_acknowledged(client, auth_headers, make_notice, user_headers):
    seen, unseen = make_notice(title="Seen"), make_notice(title="Unseen")
    viewer = user_headers("viewer")
    assert client.post(f"{URL}/{seen['id']}/ack", headers=viewer).status_code == 201
    flags = {n["title"]: n["acknowledged"] for n in client.get(f"{URL}/active", headers=viewer).get_json()["data"]}
    assert flags == {"Seen": True, "Unseen": False}
    admin_flags = {n["title"]: n["acknowledged"]
                   for n in client.get(f"{URL}/active", headers=auth_headers).get_json()["data"]}
    assert admin_flags == {"Seen": False, "Unseen": False}
    assert client.get(f"{URL}/{seen['id']}", headers=viewer).get_json()["data"]["acknowledged"] is True
    assert client.get(f"{URL}/{unseen['id']}", headers=viewer).get_json()["data"]["acknowledged"] is False


def test_who_acknowledged_is_listed_for_signed_in_users_only(client, anonymous_client,
                                                             auth_headers, make_notice, user_headers):
    notice = make_notice()
    olga, piet = user_headers("viewer", name="olga"), user_headers("editor", name="piet")
    for headers in (olga, piet):
        assert client.post(f"{URL}/{notice['id']}/ack", headers=headers).status_code == 201
    response = client.get(f"{URL}/{notice['id']}/acks", headers=olga)
    assert response.status_code == 200, response.get_json()
    assert [a["username"] for a in response.get_json()["data"]] == ["piet", "olga"]
    assert response.get_json()["meta"]["total"] == 2
    assert [a["username"] for a in client.get(f"{URL}/{notice['id']}/acks?username=olga",
                                                headers=auth_headers).get_json()["data"]] == ["olga"]
    assert anonymous_client.get(f"{URL}/{notice['id']}/acks").status_code == 401
    assert client.get(f"{URL}/{notice['id']}/acks?colour=red", headers=olga).status_code == 400
    assert client.get(f"{URL}/999/acks", headers=olga).status_code == 404


def test_bad_acknowledgements_are_refused_and_write_nothing(client, anonymous_client, auth_headers, make_notice,
                                                           count_rows):
    notice = make_notice()
    url = f"{URL}/{notice['id']}/ack"
    assert anonymous_client.post(url).status_code == 401
    assert client.post(f"{URL}/999/ack", headers=auth_headers).status_code == 404
    assert client.post(url, json={"user_id": 5}, headers=auth_headers).status_code == 422
    response = client.post(url, data="{", headers={**auth_headers, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert client.post(url, headers={"Authorization": "Bearer not-a-token"}).status_code == 401
    assert count_rows("notification_acks") == 0
    assert client.post(url, json={}, headers=auth_headers).status_code == 201
