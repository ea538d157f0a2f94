"""The core outbox (docs/adr/0006): deliveries commit with the change, are claimed once by any number of
workers, retried with growing waits, and kept as dead for the operator. SQLite, MariaDB, PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from shopdb.api.errors import Conflict
from shopdb.cli.db import core_chain
from shopdb.core.models import OutboxMessage, Site, utcnow
from shopdb.core.services import outbox, writes
from shopdb.extensions import db
from shopdb.testing import make_app

CHANNEL = "plant.erp"


class Receiver:
    """A channel's sender that records what it was given, and fails while ``down``."""

    def __init__(self, pause: float = 0.0, meet: threading.Barrier | None = None):
        self.sent: list[tuple[int, str]] = []  # (outbox id, thread name)
        self.down = False
        self.pause = pause
        self.lock = threading.Lock()
        self.meet = meet  # each sending thread's first message waits here for the others' first
        self.met: set[str] = set()

    def __call__(self, message: outbox.Message) -> None:
        if self.down:
            raise ConnectionError("ERP gateway unreachable")
        name = threading.current_thread().name
        if self.meet is not None and name not in self.met:
            self.met.add(name)
            self.meet.wait(timeout=30)
        time.sleep(self.pause)
        with self.lock:
            self.sent.append((message.id, threading.current_thread().name))


def core_app(db_url: str, **config) -> Flask:
    """The core alone on ``db_url`` (no plugins): the outbox is the core's."""
    app = make_app(db_url, SHOPDB_PLUGIN_PATH=[], SHOPDB_PLUGIN_ENTRY_POINTS=False, **config)
    with app.app_context():
        core_chain().upgrade(db.engine)
    return app


@pytest.fixture
def receiver() -> Receiver:
    return Receiver()


@pytest.fixture
def plant(db_url, receiver) -> Iterator[Flask]:
    app = core_app(db_url, SHOPDB_OUTBOX_MAX_ATTEMPTS=6, SHOPDB_OUTBOX_BACKOFF_SECONDS=10,
                   SHOPDB_OUTBOX_BACKOFF_MAX_SECONDS=60)
    outbox.register_channel(CHANNEL, receiver, app=app)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def enqueue_orders(app: Flask, count: int) -> list[int]:
    ids = []
    with app.app_context():
        for number in range(count):
            with writes.transaction():
                ids.append(outbox.enqueue(CHANNEL, {"order": number}))
        return [row.id for row in ids]


def rows(app: Flask) -> list[OutboxMessage]:
    """The outbox table as the database holds it now (its own session: never the caller's transaction)."""
    with app.app_context(), Session(db.engine, expire_on_commit=False) as session:
        return list(session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars())


def test_a_rolled_back_write_leaves_no_delivery_behind(plant):
    with plant.app_context():
        with writes.transaction():
            writes.create(Site, code="P1", name="Plant 1")
            outbox.enqueue(CHANNEL, {"site": "P1"})
        with pytest.raises(Conflict), writes.transaction():  # the second P1 is refused by the database
            outbox.enqueue(CHANNEL, {"site": "P1 again"})
            writes.create(Site, code="P1", name="Plant 1 again")
    assert [row.payload for row in rows(plant)] == [{"site": "P1"}]


def test_a_delivery_to_an_unknown_channel_or_of_non_json_is_refused_in_the_writers_transaction(plant):
    with plant.app_context():
        with pytest.raises(LookupError, match="plant.typo"):
            outbox.enqueue("plant.typo", {"order": 1})
        with pytest.raises(ValueError, match="not JSON"):
            outbox.enqueue(CHANNEL, {"when": dt.datetime(2025, 1, 1)})
        db.session.rollback()
    assert rows(plant) == []


def test_a_delivery_waits_while_the_receiver_is_down_and_arrives_once_it_is_back(plant, receiver):
    [order] = enqueue_orders(plant, 1)
    receiver.down = True
    with plant.app_context():
        [failed] = outbox.deliver_due()
        assert failed.status == "retry" and "ERP gateway unreachable" in failed.error
        assert outbox.deliver_due() == []  # not due again before its retry time
        receiver.down = False
        [delivered] = outbox.deliver_due(now=failed.next_attempt_at + dt.timedelta(seconds=1))
        assert outbox.deliver_due(now=failed.next_attempt_at + dt.timedelta(hours=1)) == []
    assert (delivered.id, delivered.status, delivered.attempt) == (order, "delivered", 2)
    assert [sent for sent, _ in receiver.sent] == [order]
    [row] = rows(plant)
    assert row.delivered_at is not None and row.next_attempt_at is None and row.last_error is None


def test_the_wait_between_attempts_grows_up_to_its_cap_and_then_the_delivery_is_dead(plant, receiver):
    enqueue_orders(plant, 1)
    receiver.down = True
    waits = []
    with plant.app_context():
        now = utcnow()
        for _ in range(5):
            [outcome] = outbox.deliver_due(now=now)
            assert outcome.status == "retry"
            waits.append((outcome.next_attempt_at - now).total_seconds())
            now = rows(plant)[0].next_attempt_at  # the clock moves on to the stored retry time
        [last] = outbox.deliver_due(now=now)
    # base 10 s doubled each time, capped at 60 s (this plant's settings); each shortened by up to a quarter
    for wait, full in zip(waits, [10, 20, 40, 60, 60], strict=True):
        assert full * 0.75 <= wait <= full, waits
    assert waits[0] < waits[1] < waits[2] < 60
    assert last.status == "dead" and last.attempt == 6 and "ERP gateway unreachable" in last.error
    [row] = rows(plant)
    assert row.dead_at is not None and row.next_attempt_at is None and row.attempts == 6
    with plant.app_context():
        assert outbox.deliver_due(now=now + dt.timedelta(days=30)) == []  # dead is dead: no more tries
        [status] = outbox.status()
        assert (status.pending, status.dead, status.delivered) == (0, 1, 0)
        assert "ERP gateway unreachable" in status.last_error
        receiver.down = False
        assert outbox.retry_dead() == 1  # the operator fixed the gateway and sends it again
        [delivered] = outbox.deliver_due()
    assert delivered.status == "delivered" and [sent for sent, _ in receiver.sent] == [row.id]


def test_the_default_wait_starts_at_ten_seconds_and_never_exceeds_an_hour():
    waits = [outbox.retry_delay(attempt, 10, 3600) for attempt in range(1, 30)]
    assert 7.5 <= waits[0] <= 10 and 15 <= waits[1] <= 20
    assert max(waits) <= 3600 and min(waits[12:]) >= 2700


def test_two_workers_at_once_deliver_every_row_exactly_once(plant):
    # Each worker's first send waits for the other's: both are delivering at the same time, however the
    # machine schedules them (a loaded CI once let one worker send all 30 before the other claimed any).
    slow = Receiver(pause=0.01, meet=threading.Barrier(2))
    outbox.channels(plant)[CHANNEL] = slow
    ids = enqueue_orders(plant, 30)
    start = threading.Barrier(2)

    def worker() -> None:
        with plant.app_context():
            start.wait()
            while outbox.deliver_due(3):
                pass

    threads = [threading.Thread(target=worker, name=f"worker-{n}") for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    sent = [message_id for message_id, _ in slow.sent]
    assert sorted(sent) == ids  # every row, none twice
    assert {name for _, name in slow.sent} == {"worker-1", "worker-2"}  # and both really worked
    assert all(row.delivered_at is not None and row.attempts == 1 for row in rows(plant))


def test_a_stopping_worker_hands_back_what_it_claimed_but_did_not_send(plant, receiver):
    ids = enqueue_orders(plant, 3)
    with plant.app_context():
        outcomes = outbox.deliver_due(should_stop=lambda: len(receiver.sent) >= 1)
        assert [o.status for o in outcomes] == ["delivered", "released", "released"]
        later = outbox.deliver_due()  # due at once, and the hand-back did not count as an attempt
    assert [o.id for o in later] == ids[1:] and all(o.attempt == 1 for o in later)


def test_delivered_rows_are_removed_after_their_keeping_time_and_dead_ones_are_kept(plant, receiver):
    enqueue_orders(plant, 2)
    with plant.app_context():
        outbox.deliver_due(1)
        receiver.down = True
        plant.config["SHOPDB_OUTBOX_MAX_ATTEMPTS"] = 1
        [dead] = outbox.deliver_due()
        assert dead.status == "dead"
        assert outbox.purge_delivered() == 0  # delivered just now: kept for 7 days
        assert outbox.purge_delivered(now=utcnow() + dt.timedelta(days=8)) == 1
    assert [row.id for row in rows(plant)] == [dead.id]


def test_a_database_from_before_the_outbox_gets_it_from_revision_0003(db_url):
    app = make_app(db_url, SHOPDB_PLUGIN_PATH=[], SHOPDB_PLUGIN_ENTRY_POINTS=False)
    with app.app_context():
        chain = core_chain()
        chain.upgrade(db.engine)
        with db.engine.begin() as conn:  # what a database installed before 0003 looks like
            conn.execute(text("DROP TABLE outbox"))
        chain.stamp(db.engine, "0002")
        result = chain.upgrade(db.engine)
        assert (result.before, result.after) == ("0002", chain.head())
        assert inspect(db.engine).has_table("outbox")
        outbox_drift = [d for d in chain.diff(db.engine) if "outbox" in repr(d)]
        assert outbox_drift == []
        chain.downgrade(db.engine, "0002")
        assert not inspect(db.engine).has_table("outbox")
        chain.upgrade(db.engine)
        assert inspect(db.engine).has_table("outbox")
        db.engine.dispose()


def test_the_operator_sees_a_dead_delivery_and_sends_it_again_from_the_shell(plant, receiver):
    [order] = enqueue_orders(plant, 1)
    plant.config["SHOPDB_OUTBOX_MAX_ATTEMPTS"] = 1
    receiver.down = True
    shell = plant.test_cli_runner()
    worked = shell.invoke(args=["worker", "--once"])
    assert worked.exit_code == 0 and f"dead #{order} {CHANNEL} (attempt 1)" in worked.output
    status = shell.invoke(args=["outbox"]).output
    assert f"{CHANNEL}: 0 pending (0 due now), 1 dead, 0 delivered" in status
    assert f"#{order} {CHANNEL}" in status and "ERP gateway unreachable" in status
    refused = shell.invoke(args=["outbox", "retry"])
    assert refused.exit_code == 1 and "--all" in refused.output
    receiver.down = False
    assert "1 dead row(s) queued again" in shell.invoke(args=["outbox", "retry", "--id", str(order)]).output
    assert "1 delivered, 0 to retry, 0 dead" in shell.invoke(args=["worker", "--once"]).output
    assert [sent for sent, _ in receiver.sent] == [order]
