"""The notice banner on every page: its feed leaves out what the caller acknowledged, and every change of a
notice (edit, end, delete, acknowledgement) is announced on the bus, which live pages listen to."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shopdb.plugins.toolkit.testing import events

URL = "/api/v1/notifications"
NOTICE_EVENTS = ("notifications.created", "notifications.updated", "notifications.deleted",
                 "notifications.acknowledged")


@pytest.fixture
def heard(app) -> Iterator[list[tuple[str, dict]]]:
    """Every notice event the bus delivers during the test, as (event, payload)."""
    seen: list[tuple[str, dict]] = []
    bus = app.extensions[events.EXTENSION_KEY]
    for name in NOTICE_EVENTS:
        bus.subscribe(name, lambda _name=name, **payload: seen.append((_name, payload)), "banner-test")
    yield seen
    bus.unsubscribe_plugin("banner-test")


def titles(client, headers: dict, query: str) -> list[str]:
    response = client.get(f"{URL}/active{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return [n["title"] for n in response.get_json()["data"]]


def test_the_banner_feed_leaves_out_what_the_caller_acknowledged_and_only_for_them(client, make_notice,
                                                                                 user_headers):
    seen = make_notice(title="Seen", severity="warning")
    make_notice(title="Unseen", severity="critical")
    olga, piet = user_headers("viewer", name="olga"), user_headers("viewer", name="piet")
    assert client.post(f"{URL}/{seen['id']}/ack", headers=olga, json={}).status_code == 201

    assert titles(client, olga, "?acknowledged=false") == ["Unseen"]
    assert titles(client, olga, "?acknowledged=true") == ["Seen"]
    assert titles(client, piet, "?acknowledged=false") == ["Unseen", "Seen"]  # critical first, as the feed
    assert titles(client, olga, "") == ["Unseen", "Seen"]  # without the filter: the whole feed, flagged
    assert titles(client, olga, "?acknowledged=false&severity=warning") == []


def test_a_wrong_acknowledged_filter_is_a_400(client, auth_headers):
    response = client.get(f"{URL}/active?acknowledged=maybe", headers=auth_headers)
    assert response.status_code == 400
    assert "acknowledged" in response.get_json()["error"]["details"]["fields"]


def test_every_change_of_a_notice_is_announced_after_it_is_saved(client, auth_headers, make_notice, user_headers,
                                                                 heard, site):
    notice = make_notice(title="Crane inspection", site_id=site["id"])
    viewer = user_headers("viewer", name="olga")
    assert client.patch(f"{URL}/{notice['id']}", headers=auth_headers, json={"title": "Crane inspected"}
                        ).status_code == 200
    assert client.post(f"{URL}/{notice['id']}/ack", headers=viewer, json={}).status_code == 201
    assert client.post(f"{URL}/{notice['id']}/ack", headers=viewer, json={}).status_code == 200  # nothing new
    assert client.delete(f"{URL}/{notice['id']}", headers=auth_headers).status_code == 204

    assert [name for name, _ in heard] == ["notifications.created", "notifications.updated",
                                           "notifications.acknowledged", "notifications.deleted"]
    for _name, payload in heard:
        assert payload["id"] == notice["id"] and payload["site_id"] == site["id"]
    assert heard[1][1]["title"] == "Crane inspected"
    olga = client.get("/api/v1/auth/me", headers=viewer).get_json()["data"]
    assert heard[2][1]["user_id"] == olga["id"]  # whose banner drops it


def test_a_refused_edit_announces_nothing(client, auth_headers, make_notice, heard):
    notice = make_notice()
    stale = client.patch(f"{URL}/{notice['id']}", headers=auth_headers, json={"title": "Late", "version": 99})
    assert stale.status_code == 409
    assert [name for name, _ in heard] == ["notifications.created"]


def test_a_machine_running_again_announces_that_its_outage_notice_ended(client, auth_headers, make_machine, heard):
    machine = make_machine()
    for status in ("down", "running"):
        response = client.patch(f"/api/v1/equipment/{machine['assetid']}", json={"operational_status": status},
                                headers=auth_headers)
        assert response.status_code == 200, response.get_json()
    assert [name for name, _ in heard] == ["notifications.created", "notifications.updated"]
    assert heard[1][1]["ends_at"] is not None and heard[1][1]["assetid"] == machine["assetid"]
