"""Cross-plugin: a machine going down raises a critical notice, coming back ends it — through the
event bus only. And equipment works the same whether or not this plugin is enabled."""

from __future__ import annotations

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.pool import NullPool

from shopdb.plugins.toolkit import db
from shopdb.plugins.toolkit.testing import admin_client, events, get_manager, make_app, migrate_database, token_for

URL = "/api/v1/notifications"


def set_status(client, headers, machine: dict, status: str) -> dict:
    response = client.patch(f"/api/v1/equipment/{machine['assetid']}", json={"operational_status": status},
                            headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["data"]


def active_for(client, assetid: int) -> list[dict]:
    return [n for n in client.get(f"{URL}/active").get_json()["data"] if n["assetid"] == assetid]


def test_a_machine_going_down_shows_a_critical_notice_until_it_runs_again(client, auth_headers, make_machine, site):
    machine = make_machine()
    set_status(client, auth_headers, machine, "down")
    notices = active_for(client, machine["assetid"])
    assert len(notices) == 1
    notice = notices[0]
    assert notice["severity"] == "critical" and notice["title"] == "M-2001 is down"
    assert notice["source"] == "equipment" and notice["site_id"] == site["id"]
    assert "DMU 50" in notice["message"] and notice["created_by"] == "admin"  # the actor who changed the status
    site_feed = client.get(f"{URL}/active?site_id={site['id']}").get_json()["data"]
    assert [n["id"] for n in site_feed] == [notice["id"]]

    set_status(client, auth_headers, machine, "running")
    assert active_for(client, machine["assetid"]) == []
    ended = client.get(f"{URL}/{notice['id']}").get_json()["data"]
    assert ended["ends_at"] is not None and ended["version"] == 2  # ended, not deleted: the history stays


def test_one_outage_raises_one_notice_and_the_next_outage_a_new_one(client, auth_headers, make_machine, count_rows):
    machine = make_machine()
    set_status(client, auth_headers, machine, "down")
    set_status(client, auth_headers, machine, "running")
    set_status(client, auth_headers, machine, "down")
    assert len(active_for(client, machine["assetid"])) == 1
    assert count_rows("notifications") == 2


def test_any_status_other_than_down_ends_the_outage_notice(client, auth_headers, make_machine):
    machine = make_machine()
    set_status(client, auth_headers, machine, "down")
    set_status(client, auth_headers, machine, "maintenance")
    assert active_for(client, machine["assetid"]) == []


def test_a_status_repeated_by_another_sender_does_not_duplicate_the_notice(app, client, auth_headers, make_machine):
    machine = make_machine()
    set_status(client, auth_headers, machine, "down")
    with app.test_request_context():
        events.emit("equipment.status_changed", assetid=machine["assetid"], site_id=machine["site_id"],
                   asset_tag="M-2001", name="DMU 50", old_status="down", new_status="down")
    assert len(active_for(client, machine["assetid"])) == 1


def test_a_machine_created_down_raises_a_notice_right_away(client, auth_headers, site):
    response = client.post("/api/v1/equipment", json={"asset_tag": "M-7", "name": "Saw", "site_id": site["id"],
                                                      "machine_number": "7", "operational_status": "down"},
                           headers=auth_headers)
    assert response.status_code == 201
    assert [n["title"] for n in active_for(client, response.get_json()["data"]["assetid"])] == ["M-7 is down"]


def test_manual_notices_about_a_machine_are_left_alone_when_it_runs_again(client, auth_headers, make_machine,
                                                                          make_notice):
    machine = make_machine()
    manual = make_notice(title="Door sensor flaky", assetid=machine["assetid"])
    set_status(client, auth_headers, machine, "down")
    set_status(client, auth_headers, machine, "running")
    assert [n["id"] for n in active_for(client, machine["assetid"])] == [manual["id"]]


def test_an_event_about_a_machine_that_no_longer_exists_raises_nothing(app, count_rows):
    with app.app_context():
        events.emit("equipment.status_changed", assetid=4242, site_id=None, asset_tag="M-0", name="Ghost",
                   old_status="running", new_status="down")
        assert app.extensions[events.EXTENSION_KEY].errors == []
    assert count_rows("notifications") == 0


def test_equipment_changes_status_fine_with_notifications_disabled(tmp_path):
    url = f"sqlite:///{tmp_path / 'no-notices.sqlite'}"
    migrate_database(url)
    setup = make_app(url)
    with setup.app_context():
        get_manager(setup).disable("notifications")
        db.engine.dispose()

    app = make_app(url)
    assert "notifications" not in app.blueprints
    assert all(s.plugin != "notifications" for subs in app.extensions[events.EXTENSION_KEY].subscriptions.values()
               for s in subs)
    client = admin_client(app)
    headers = {"Authorization": f"Bearer {token_for(client)}"}
    site = client.post("/api/v1/sites", json={"code": "P1", "name": "Plant 1"}, headers=headers).get_json()["data"]
    created = client.post("/api/v1/equipment", json={"asset_tag": "M-1", "name": "Mill", "site_id": site["id"],
                                                     "machine_number": "1"}, headers=headers)
    assert created.status_code == 201, created.get_json()
    machine = created.get_json()["data"]
    for status in ("down", "running", "down"):
        assert set_status(client, headers, machine, status)["operational_status"] == status
    assert client.get(f"{URL}/active").status_code == 404
    health = client.get("/api/v1/health").get_json()["data"]["plugins"]["notifications"]
    assert health["state"] == "disabled"

    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(text("notifications"))).scalar_one() == 0
    engine.dispose()
    with app.app_context():
        db.engine.dispose()


def test_deleting_a_machine_that_is_down_ends_its_outage_notice(client, auth_headers, make_machine, make_notice, site):
    machine = make_machine()
    set_status(client, auth_headers, machine, "down")
    unrelated = make_notice(title="Other machine is down", site_id=site["id"], source="equipment")
    outage = active_for(client, machine["assetid"])[0]
    assert client.delete(f"/api/v1/equipment/{machine['assetid']}", headers=auth_headers).status_code == 204
    assert [n["id"] for n in client.get(f"{URL}/active").get_json()["data"]] == [unrelated["id"]]
    ended = client.get(f"{URL}/{outage['id']}").get_json()["data"]
    assert ended["assetid"] is None and ended["ends_at"] is not None
