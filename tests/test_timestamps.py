"""A client in another time zone reads every ShopDB time unambiguously: each carries its offset."""

from __future__ import annotations

import datetime as dt

from shopdb.core.models import AuditLog
from shopdb.extensions import db

from helpers import make_asset


def _is_rfc3339_utc(value: str) -> bool:
    return value.endswith("Z") and dt.datetime.fromisoformat(value).utcoffset() == dt.timedelta(0)


def test_an_asset_its_history_and_its_links_show_times_with_their_offset(client, auth_headers, site):
    asset = make_asset(client, auth_headers, site["id"], "T-1")
    other = make_asset(client, auth_headers, site["id"], "T-2")
    client.patch(f"/api/v1/assets/{asset['assetid']}", json={"name": "Renamed"}, headers=auth_headers)
    link = client.post(f"/api/v1/assets/{asset['assetid']}/relationships",
                       json={"kind": "feeds", "target_assetid": other["assetid"]}, headers=auth_headers)
    assert link.status_code == 201, link.get_json()

    shown = client.get(f"/api/v1/assets/{asset['assetid']}").get_json()["data"]
    history = client.get(f"/api/v1/assets/{asset['assetid']}/history").get_json()["data"]
    links = client.get(f"/api/v1/assets/{asset['assetid']}/relationships").get_json()["data"]
    times = [site["created_at"], shown["created_at"], shown["updated_at"], links[0]["created_at"],
             link.get_json()["data"]["created_at"]]
    times += [entry["at"] for entry in history]
    times += [entry["after"]["updated_at"] for entry in history if entry["table_name"] == "assets"]
    assert len(times) >= 8 and all(_is_rfc3339_utc(t) for t in times), times


def test_history_recorded_before_times_had_offsets_shows_them_with_one(app, client, auth_headers, site):
    asset = make_asset(client, auth_headers, site["id"], "T-1")
    with app.app_context():  # what the audit log held before: naive UTC text
        db.session.add(AuditLog(action="update", table_name="assets", row_id=str(asset["assetid"]),
                                assetid=asset["assetid"], username="admin",
                                before={"name": "2026-01-01T00:00:00", "updated_at": "2026-01-01T00:00:00"},
                                after={"name": "x", "updated_at": "2026-01-02T03:04:05.123456"}))
        db.session.commit()
    old = client.get(f"/api/v1/assets/{asset['assetid']}/history?action=update").get_json()["data"][0]
    assert old["after"]["updated_at"] == "2026-01-02T03:04:05.123456Z"
    assert old["before"]["updated_at"] == "2026-01-01T00:00:00Z"
    assert old["before"]["name"] == "2026-01-01T00:00:00"  # text that only looks like a time is left alone


def test_a_time_copied_from_an_answer_filters_a_list(client, auth_headers, site):
    asset = make_asset(client, auth_headers, site["id"], "T-1")
    shown = client.get(f"/api/v1/assets?created_at={asset['created_at'].replace('+', '%2B')}")
    assert [a["assetid"] for a in shown.get_json()["data"]] == [asset["assetid"]]
    same_instant = dt.datetime.fromisoformat(asset["created_at"]).astimezone(dt.timezone(dt.timedelta(hours=2)))
    shown = client.get("/api/v1/assets", query_string={"created_at": same_instant.isoformat()})
    assert [a["assetid"] for a in shown.get_json()["data"]] == [asset["assetid"]]
