"""Maintenance records of a machine, and downtime totals per machine and plant-wide."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event

URL = "/api/v1/equipment"


@pytest.fixture
def machine(make_machine) -> dict:
    return make_machine()


def post_record(client, headers, assetid: int, **fields):
    body = {"performed_on": "2024-03-01", "kind": "preventive", **fields}
    return client.post(f"{URL}/{assetid}/maintenance", json=body, headers=headers)


def test_maintenance_is_recorded_with_its_author_and_audited(client, auth_headers, machine):
    response = post_record(client, auth_headers, machine["assetid"], downtime_minutes=90,
                           notes="  Spindle bearings greased  ")
    assert response.status_code == 201, response.get_json()
    record = response.get_json()["data"]
    assert record["assetid"] == machine["assetid"] and record["kind"] == "preventive"
    assert record["performed_on"] == "2024-03-01" and record["downtime_minutes"] == 90
    assert record["notes"] == "Spindle bearings greased" and record["created_by"] == "admin"
    assert client.get(f"{URL}/{machine['assetid']}/maintenance/{record['id']}").get_json()["data"] == record
    assert post_record(client, auth_headers, machine["assetid"]).get_json()["data"]["downtime_minutes"] == 0

    history = client.get(f"/api/v1/assets/{machine['assetid']}/history?table_name=maintenance_records")
    assert [e["action"] for e in history.get_json()["data"]] == ["create", "create"]
    assert client.get(f"{URL}/{machine['assetid']}").get_json()["data"]["last_maintenance_on"] == "2024-03-01"


def test_the_history_lists_newest_first_in_pages(client, auth_headers, machine):
    for day in ("2024-01-10", "2024-03-05", "2024-02-01", "2024-03-05"):
        assert post_record(client, auth_headers, machine["assetid"], performed_on=day).status_code == 201
    response = client.get(f"{URL}/{machine['assetid']}/maintenance?per_page=3")
    body = response.get_json()
    assert [(r["performed_on"], r["id"]) for r in body["data"]] == [
        ("2024-03-05", 4), ("2024-03-05", 2), ("2024-02-01", 3)]
    assert body["meta"] == {"page": 1, "per_page": 3, "total": 4, "pages": 2, "total_is_exact": True,
                            "next": body["meta"]["next"]}
    assert body["meta"]["next"]  # the cursor of page 2 (ADR 0019)
    assert client.get(f"{URL}/{machine['assetid']}/maintenance?kind=breakdown").get_json()["meta"]["total"] == 0
    assert client.get(f"{URL}/{machine['assetid']}/maintenance?wrong=1").status_code == 400


def test_a_record_can_be_deleted_and_is_then_gone(client, auth_headers, machine, count_rows):
    record = post_record(client, auth_headers, machine["assetid"]).get_json()["data"]
    url = f"{URL}/{machine['assetid']}/maintenance/{record['id']}"
    assert client.delete(url, headers=auth_headers).status_code == 204
    assert client.get(url).status_code == 404
    assert client.delete(url, headers=auth_headers).status_code == 404
    assert count_rows("maintenance_records") == 0
    history = client.get(f"/api/v1/assets/{machine['assetid']}/history?table_name=maintenance_records")
    assert [e["action"] for e in history.get_json()["data"]] == ["delete", "create"]


def test_a_record_is_only_reachable_through_its_own_machine(client, auth_headers, make_machine):
    first, second = make_machine(), make_machine()
    record = post_record(client, auth_headers, first["assetid"]).get_json()["data"]
    assert client.get(f"{URL}/{second['assetid']}/maintenance/{record['id']}").status_code == 404
    assert client.delete(f"{URL}/{second['assetid']}/maintenance/{record['id']}",
                         headers=auth_headers).status_code == 404
    assert client.get(f"{URL}/999/maintenance").status_code == 404
    assert post_record(client, auth_headers, 999).status_code == 404


TOMORROW_FAR = (dt.date.today() + dt.timedelta(days=3)).isoformat()
BAD_RECORDS = {
    "unknown kind": {"kind": "repainting"},
    "missing kind": {"kind": None},
    "missing date": {"performed_on": None},
    "not a date": {"performed_on": "yesterday"},
    "impossible date": {"performed_on": "2024-02-30"},
    "future date": {"performed_on": TOMORROW_FAR},
    "ancient date": {"performed_on": "1969-12-31"},
    "negative downtime": {"downtime_minutes": -1},
    "downtime over a year": {"downtime_minutes": 525_601},
    "downtime as a string": {"downtime_minutes": "60"},
    "downtime as a fraction": {"downtime_minutes": 1.5},
    "notes of 10,000 characters": {"notes": "n" * 10_000},
    "unknown field": {"technician": "Bob"},
    "created_by is not the client's to say": {"created_by": "someone"},
}


@pytest.mark.parametrize("change", BAD_RECORDS.values(), ids=BAD_RECORDS.keys())
def test_bad_records_are_422_and_write_nothing(client, auth_headers, machine, count_rows, change):
    body = {"performed_on": "2024-03-01", "kind": "preventive", **change}
    body = {k: v for k, v in body.items() if v is not None}
    response = client.post(f"{URL}/{machine['assetid']}/maintenance", json=body, headers=auth_headers)
    assert response.status_code == 422, response.get_json()
    assert count_rows("maintenance_records") == 0


def test_a_year_of_downtime_in_one_record_is_the_limit(client, auth_headers, machine):
    assert post_record(client, auth_headers, machine["assetid"], downtime_minutes=525_600).status_code == 201


def test_malformed_json_and_wrong_roles_are_refused(client, anonymous_client,
                                                    auth_headers, machine, user_headers, count_rows):
    url = f"{URL}/{machine['assetid']}/maintenance"
    response = client.post(url, data="{", headers={**auth_headers, "Content-Type": "application/json"})
    assert response.status_code == 400
    body = {"performed_on": "2024-03-01", "kind": "inspection"}
    assert anonymous_client.post(url, json=body).status_code == 401
    assert client.post(url, json=body, headers=user_headers("viewer")).status_code == 403
    assert count_rows("maintenance_records") == 0


def downtime_fixture(client, headers, assetid: int) -> None:
    for day, kind, minutes in (("2024-01-31", "breakdown", 1000), ("2024-02-01", "breakdown", 120),
                               ("2024-02-10", "preventive", 60), ("2024-02-29", "corrective", 30),
                               ("2024-03-01", "breakdown", 500)):
        assert post_record(client, headers, assetid, performed_on=day, kind=kind,
                           downtime_minutes=minutes).status_code == 201


def test_downtime_of_a_machine_totals_the_range_with_both_ends_included(client, auth_headers, machine):
    downtime_fixture(client, auth_headers, machine["assetid"])
    response = client.get(f"{URL}/{machine['assetid']}/downtime?from=2024-02-01&to=2024-02-29")
    assert response.status_code == 200, response.get_json()
    data = response.get_json()["data"]
    assert data["total_minutes"] == 210 and data["count"] == 3
    assert data["from"] == "2024-02-01" and data["to"] == "2024-02-29"
    assert data["by_kind"]["breakdown"] == {"minutes": 120, "count": 1}
    assert data["by_kind"]["calibration"] == {"minutes": 0, "count": 0}
    one_day = client.get(f"{URL}/{machine['assetid']}/downtime?from=2024-03-01&to=2024-03-01").get_json()["data"]
    assert one_day["total_minutes"] == 500


BAD_RANGES = {
    "missing from": "to=2024-02-01",
    "missing to": "from=2024-02-01",
    "empty from": "from=&to=2024-02-01",
    "not a date": "from=last-week&to=2024-02-01",
    "impossible date": "from=2024-02-30&to=2024-03-01",
    "compact date": "from=20240201&to=2024-03-01",
    "reversed": "from=2024-03-01&to=2024-02-01",
    "unknown parameter": "from=2024-02-01&to=2024-03-01&kind=breakdown",
}


@pytest.mark.parametrize("query", BAD_RANGES.values(), ids=BAD_RANGES.keys())
def test_bad_date_ranges_are_400(client, machine, query):
    for url in (f"{URL}/{machine['assetid']}/downtime", f"{URL}/downtime"):
        response = client.get(f"{url}?{query}")
        assert response.status_code == 400, (url, response.get_json())
        assert response.get_json()["error"]["code"] == "bad_request"


def test_downtime_of_an_unknown_machine_is_404(client):
    assert client.get(f"{URL}/999/downtime?from=2024-01-01&to=2024-12-31").status_code == 404


def test_plant_downtime_ranks_machines_with_one_grouped_query(app, client, auth_headers, make_machine, other_site):
    quiet, busy, far = make_machine(), make_machine(), make_machine(site_id=other_site["id"])
    idle = make_machine()
    downtime_fixture(client, auth_headers, busy["assetid"])
    post_record(client, auth_headers, quiet["assetid"], performed_on="2024-02-15", downtime_minutes=15)
    post_record(client, auth_headers, far["assetid"], performed_on="2024-02-15", downtime_minutes=400)
    post_record(client, auth_headers, idle["assetid"], performed_on="2023-02-15", downtime_minutes=999)

    from shopdb.plugins.toolkit import db

    statements: list[str] = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731 - (conn, cursor, statement, ...)
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = client.get(f"{URL}/downtime?from=2024-02-01&to=2024-02-29")
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 200, response.get_json()
    rows = response.get_json()["data"]
    assert [(r["assetid"], r["total_minutes"], r["count"]) for r in rows] == [
        (far["assetid"], 400, 1), (busy["assetid"], 210, 3), (quiet["assetid"], 15, 1)]
    assert rows[1]["machine_number"] == busy["machine_number"] and rows[1]["asset_tag"] == busy["asset_tag"]
    grouped = [s for s in statements if "GROUP BY" in s.upper()]
    assert len(grouped) == 1  # the page, nothing per row (it holds every row: it is its own count)

    site_only = client.get(f"{URL}/downtime?from=2024-02-01&to=2024-02-29&site_id={busy['site_id']}&per_page=1")
    body = site_only.get_json()
    assert [r["assetid"] for r in body["data"]] == [busy["assetid"]]
    assert body["meta"]["total"] == 2 and body["meta"]["pages"] == 2
    assert client.get(f"{URL}/downtime?from=2024-02-01&to=2024-02-29&site_id=one").status_code == 400
    assert client.get(f"{URL}/downtime?from=2024-02-01&to=2024-02-29&page=0").status_code == 400


def test_a_site_limited_editor_records_maintenance_only_at_their_sites(client, make_machine, other_site,
                                                                      user_headers, site, count_rows):
    here, there = make_machine(), make_machine(site_id=other_site["id"])
    editor = user_headers("editor", (site["id"],))
    assert post_record(client, editor, there["assetid"]).status_code == 404  # not theirs to see
    assert count_rows("maintenance_records") == 0
    record = post_record(client, editor, here["assetid"]).get_json()["data"]
    assert record["created_by"] == "editor1user"
