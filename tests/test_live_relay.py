"""Live events without Redis: every worker hears of every change through the ``live_events`` table.

``make run`` serves two gunicorn workers and needs no Redis; the database broker (the default without
``SHOPDB_REDIS_URL``, docs/adr/0021-live-events-over-sse.md, addendum) relays each event through the
database. Two app instances, each with its own engine, stand for two workers: a change saved through
one reaches a stream held by the other (on SQLite, MariaDB and PostgreSQL). The last test starts
gunicorn as ``make run`` does, on SQLite, without Redis, and repeats the Redis test's scenario.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import insert, select, text
from test_live_events import STREAM, THREADED, EventReader
from test_live_events import a_change_saved_by_either_worker_reaches_a_stream_held_by_one as two_worker_scenario

from shopdb.core.models import LiveEventRecord
from shopdb.extensions import db
from shopdb.live.database_broker import RETENTION_SECONDS, DatabaseBroker
from shopdb.testing import admin_token_for, make_app, migrate_database

from helpers import served_by_gunicorn

TABLE = LiveEventRecord.__table__


class Worker:
    """One app instance (a gunicorn worker's own engine, broker and poller) on the shared database."""

    def __init__(self, db_url: str):
        self.app: Flask = make_app(db_url, SHOPDB_LIVE_BROKER="database", SHOPDB_LIVE_POLL_SECONDS=0.1)
        self.live = self.app.extensions["shopdb.live"]
        self.live.heartbeat = 0.2  # a reader thread notices soon that it should stop
        self.client = self.app.test_client()
        self.headers = {"Authorization": f"Bearer {admin_token_for(self.app)}"}
        self.streams: list[tuple[Any, EventReader]] = []

    def post(self, path: str, body: dict, headers: dict | None = None) -> dict:
        response = self.client.post(path, json=body, headers=headers or self.headers)
        assert response.status_code == 201, response.get_json()
        return response.get_json()["data"]

    def set_status(self, machine: dict, status: str) -> None:
        response = self.client.patch(f"/api/v1/equipment/{machine['assetid']}",
                                     json={"operational_status": status}, headers=self.headers)
        assert response.status_code == 200, response.get_json()

    def open_stream(self, headers: dict | None = None, last_event_id: str | None = None) -> EventReader:
        headers = dict(headers or self.headers)
        if last_event_id:
            headers["Last-Event-ID"] = last_event_id
        response = self.client.get(STREAM, headers=headers, buffered=False, environ_overrides=THREADED)
        assert response.status_code == 200, response.get_json()
        reader = EventReader(response.response)
        self.streams.append((response, reader))
        return reader

    def rows(self) -> list[Any]:
        with self.app.app_context():
            return list(db.session.execute(select(TABLE).order_by(TABLE.c.id)))

    def close(self) -> None:
        self.live.broker.close()  # ends the streams, stops the poller, writes what is queued
        for response, reader in self.streams:
            reader.stop.set()
            reader.thread.join(timeout=20)
            response.close()
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def workers(db_url) -> Iterator[tuple[Worker, Worker]]:
    migrate_database(db_url)
    pair = Worker(db_url), Worker(db_url)
    yield pair
    for worker in pair:
        worker.close()


def make_machine(worker: Worker, site_id: int, tag: str) -> dict:
    return worker.post("/api/v1/equipment", {"asset_tag": tag, "name": f"Mill {tag}", "site_id": site_id,
                                             "machine_number": tag, "operational_status": "running"})


def test_a_change_saved_by_one_worker_reaches_a_page_the_other_serves_and_a_reconnect_elsewhere_replays_it(
        workers):
    saver, streamer = workers
    assert isinstance(saver.live.broker, DatabaseBroker) and isinstance(streamer.live.broker, DatabaseBroker)
    site = saver.post("/api/v1/sites", {"code": "P1", "name": "Plant 1"})
    machine = make_machine(saver, site["id"], "M-1")
    stream = streamer.open_stream()
    position = stream.next("ready")["id"]

    saver.set_status(machine, "down")

    event = stream.next("machine.status")
    assert event["data"]["asset_id"] == machine["assetid"] and event["data"]["new_status"] == "down"
    assert event["id"].isdigit() and int(event["id"]) > int(position)  # the row id: one order for every worker
    notice = stream.next("notice.changed")["data"]  # the plugin's reaction, saved by the same worker
    assert notice["action"] == "created" and notice["asset_id"] == machine["assetid"]

    # The browser reconnects to the worker that saved the change, from where it was before: the table replays.
    again = saver.open_stream(last_event_id=position)
    again.next("ready")
    replayed = again.next("machine.status")
    assert (replayed["id"], replayed["data"]) == (event["id"], event["data"])
    # A position that is not one of the table's ids cannot be placed: refetch everything.
    assert streamer.open_stream(last_event_id="a1b2c3d4-7").next("resync")["id"]


def test_site_scope_and_a_user_s_acknowledgement_hold_across_workers(workers):
    saver, streamer = workers
    ours = saver.post("/api/v1/sites", {"code": "P1", "name": "Plant 1"})
    theirs = saver.post("/api/v1/sites", {"code": "P2", "name": "Plant 2"})
    their_machine, our_machine = make_machine(saver, theirs["id"], "T-1"), make_machine(saver, ours["id"], "O-1")
    saver.post("/api/v1/users", {"username": "local", "password": "A-long-password-1", "role": "viewer",
                                 "site_ids": [ours["id"]]})
    login = streamer.client.post("/api/v1/auth/tokens", json={"username": "local", "password": "A-long-password-1"})
    local = {"Authorization": f"Bearer {login.get_json()['data']['token']}"}
    local_stream, admin_stream = streamer.open_stream(local), streamer.open_stream()
    local_stream.next("ready")
    admin_stream.next("ready")

    saver.set_status(their_machine, "down")  # first: the local viewer must not hear of it
    saver.set_status(our_machine, "idle")

    assert local_stream.next("machine.status")["data"]["asset_id"] == our_machine["assetid"]
    assert all(m["data"].get("site_id") == ours["id"] for m in local_stream.skipped), local_stream.skipped
    assert admin_stream.next("machine.status")["data"]["asset_id"] == their_machine["assetid"]

    notice = saver.post("/api/v1/notifications", {"title": "Compressed air off", "severity": "warning"})
    assert local_stream.next("notice.changed")["data"]["action"] == "created"
    assert saver.client.post(f"/api/v1/notifications/{notice['id']}/ack", headers=local, json={}).status_code == 201
    event = local_stream.next("notice.changed")["data"]
    assert (event["action"], event["notice_id"]) == ("acknowledged", notice["id"])
    # The admin's stream hears of the next change to the notice, not of the viewer's acknowledgement.
    response = saver.client.patch(f"/api/v1/notifications/{notice['id']}", headers=saver.headers,
                                  json={"title": "Compressed air back"})
    assert response.status_code == 200, response.get_json()
    actions = [admin_stream.next("notice.changed")["data"]["action"]]
    while actions[-1] != "updated":  # the outage notice of their machine, ours, then the edit
        actions.append(admin_stream.next("notice.changed")["data"]["action"])
    assert "acknowledged" not in actions, actions


def test_events_that_could_not_be_recorded_never_fail_the_write_and_make_every_page_refetch(workers):
    saver, streamer = workers
    site = saver.post("/api/v1/sites", {"code": "P1", "name": "Plant 1"})
    machine = make_machine(saver, site["id"], "M-1")
    here, there = saver.open_stream(), streamer.open_stream()
    here.next("ready")
    there.next("ready")
    with saver.app.app_context(), db.engine.begin() as conn:  # the relay table is away
        conn.execute(text("ALTER TABLE live_events RENAME TO live_events_away"))

    saver.set_status(machine, "down")  # saved all the same
    assert here.next("resync")["data"]["reason"] == "events_lost"  # this worker's pages refetch at once

    with saver.app.app_context(), db.engine.begin() as conn:
        conn.execute(text("ALTER TABLE live_events_away RENAME TO live_events"))
    saver.set_status(machine, "running")
    # The other worker's pages are told to refetch (what was queued for them goes with it), and hear of
    # the changes after that.
    assert there.next("resync")["data"]["reason"] == "events_lost"
    saver.set_status(machine, "maintenance")
    statuses = [there.next("machine.status")["data"]["new_status"]]
    if statuses[-1] == "running":
        statuses.append(there.next("machine.status")["data"]["new_status"])
    assert statuses[-1] == "maintenance"


def test_old_events_are_deleted_but_the_newest_stays_so_a_reconnect_is_still_placed(workers):
    saver, _ = workers
    long_ago = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(seconds=RETENTION_SECONDS + 60)
    with saver.app.app_context(), db.engine.begin() as conn:
        conn.execute(insert(TABLE), [{"created_at": long_ago, "name": "asset.changed", "data": "{}", "site_ids": ""}
                                     for _ in range(5)])
    broker = saver.live.broker
    broker.prune()
    rows = saver.rows()
    assert len(rows) == 1, "the newest row stays even when it is old"
    newest = rows[0].id

    site = saver.post("/api/v1/sites", {"code": "P1", "name": "Plant 1"})
    make_machine(saver, site["id"], "M-1")
    stream = saver.open_stream(last_event_id=str(newest))  # a browser that saw the old row reconnects
    stream.next("ready")
    assert stream.next("asset.changed")["data"]["asset_type"] == "equipment"
    broker.prune()  # the new event is recorded (the stream heard of it): the old row may go now
    assert [row.id for row in saver.rows() if row.id <= newest] == []


def test_two_gunicorn_workers_on_sqlite_without_redis_share_every_change(tmp_path):
    # `make run` as a plant installs it: two gthread workers, SQLite, no Redis.
    with served_by_gunicorn(tmp_path, f"sqlite:///{tmp_path / 'shopdb.sqlite'}", threads=8,
                            SHOPDB_REDIS_URL="", SHOPDB_LIVE_BROKER="") as served:
        two_worker_scenario(served.port, served.process, served.access_log)
