"""Live events shared by every worker through the database: the default when there is no Redis.

``make run`` serves two workers and a plant need not run Redis, so the in-process broker would let a
page held by one worker miss the changes the other saves. This broker relays events through the core
table ``live_events`` (docs/adr/0021-live-events-over-sse.md, addendum):

- **Publishing** hands the event to this process's publisher thread. Events are published after the
  change committed, from the request that made it; the thread appends them in batches, each batch one
  short transaction on a connection of its own — never the request's session, and not from the
  request's thread while its session may still hold SQLite's write lock (a plugin's handler or the
  response read something after the commit): it would wait on itself. The request waits for its events
  at its very end instead (``written_before_the_answer``, bounded by ``ANSWER_WAIT``), once its session
  is gone: as with Redis, a change's events are recorded when its answer leaves. A failure (the
  database away, SQLite's lock held past the busy timeout, a backlog beyond ``BACKLOG``) drops events
  and never fails the write: it is logged, this process's streams resync at once, and the next batch
  that is written starts with a ``resync`` row that tells every other worker's streams to refetch too.
- **Reading**: one poller thread per process, started by the first stream, reads
  ``WHERE id > last ORDER BY id LIMIT 500`` every ``SHOPDB_LIVE_POLL_SECONDS`` (one primary-key range
  read, read-only even on SQLite) and hands the rows to the process's hub. The row id is the SSE id.
- **Gaps**: on MariaDB/PostgreSQL ids are taken at insert and become visible at commit, so a smaller
  id may appear after a larger one was read. The poller remembers the ids it skipped for
  ``GAP_SECONDS`` and looks for them again; one that never appears was rolled back. SQLite has no
  gaps: its writers take turns.
- **Replay**: a browser that reconnects with ``Last-Event-ID`` gets the rows after it from the table,
  on any worker, as long as they are kept; else it is told to resync.
- **Retention**: rows older than ``RETENTION_SECONDS`` go, by the publisher, at most once a minute, in
  one ``DELETE ... WHERE id < x``; the newest row always stays, so the table says where it stands.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import queue
import threading
import time
import weakref
from collections.abc import Iterable
from datetime import timedelta

from flask import g, has_app_context
from sqlalchemy import Engine, delete, func, insert, or_, select
from sqlalchemy.exc import SQLAlchemyError

from ..core.models import LiveEventRecord
from ..core.models.base import utcnow
from ..extensions import db, reads_only
from .broker import RECENT, Broker, Hub, LiveEvent, Opening

log = logging.getLogger(__name__)
TABLE = LiveEventRecord.__table__
COLUMNS = (TABLE.c.id, TABLE.c.name, TABLE.c.data, TABLE.c.site_ids, TABLE.c.user_id)
BATCH = 500  # rows per insert and per read
BACKLOG = 10_000  # events waiting for the publisher; beyond (a big import) they are dropped for a resync
RETENTION_SECONDS = 600.0  # how long a row stays: a tablet off the network this long still replays
PRUNE_EVERY = 60.0  # seconds between two deletions of old rows by one process
GAP_SECONDS = 10.0  # how long a skipped id is looked for (an insert's transaction is milliseconds)
GAP_TRACK_MAX = 1000  # a bigger jump (a sequence that skipped ahead) is not tracked id by id
PLACE_TIMEOUT = 2.0  # how long the first stream waits for the poller to know where the table stands
ANSWER_WAIT = 2.0  # how long a request's end waits for its events to be recorded (SQLite: a long writer)
WARN_EVERY = 60.0  # seconds between two warnings of the same trouble
RESYNC = "resync"  # a row of this name: events were lost, every stream refetches
POLL_SECONDS = 0.5
_PUBLISHED = "shopdb_live_published"  # ``g``: the sequence number of the context's last queued event
_STOPPING = LiveEvent("stopping", {})  # wakes the publisher when the broker closes

_open_brokers: weakref.WeakSet[DatabaseBroker] = weakref.WeakSet()


def _order(event_id: str) -> int | None:
    return int(event_id) if event_id.isdigit() else None


def _as_row(event: LiveEvent) -> dict[str, object]:
    fields = event.encode()
    return {"created_at": utcnow(), "name": fields["e"], "data": fields["d"], "site_ids": fields["s"],
            "user_id": event.user_id}


def _as_event(row) -> LiveEvent:
    return LiveEvent.decode(str(row.id), {"e": row.name, "d": row.data, "s": row.site_ids,
                                          "u": "" if row.user_id is None else str(row.user_id)})


class DatabaseBroker(Broker):
    name = "database"

    def __init__(self, engine: Engine, poll_seconds: float = POLL_SECONDS):
        self.engine, self.poll_seconds = engine, poll_seconds
        self.hub = Hub(_order)
        self._outbox: queue.Queue[tuple[int, LiveEvent]] = queue.Queue(BACKLOG)
        self._queued = 0  # sequence number of the last event queued
        self._written = 0  # ... of the last one written (or given up)
        self._progress = threading.Condition()
        self._lost = threading.Event()  # events were dropped: the next batch starts with a resync row
        self._stop = threading.Event()
        self._placed = threading.Event()  # the poller knows where the table stands
        self._lock = threading.Lock()
        self._publisher: threading.Thread | None = None
        self._reader: threading.Thread | None = None
        self._pruned_at = time.monotonic() - PRUNE_EVERY / 2  # not at once: a fresh worker has little to prune
        self._warned_at: dict[str, float] = {}

    # -- publishing ---------------------------------------------------------------------------------------
    def publish(self, events: Iterable[LiveEvent]) -> None:
        for event in events:
            with self._progress:  # numbered in queue order
                try:
                    self._outbox.put_nowait((self._queued + 1, event))
                except queue.Full:
                    self._drop(1, "the backlog is full")
                    continue
                self._queued += 1
                if has_app_context():
                    setattr(g, _PUBLISHED, self._queued)
        self._start("_publisher", self._publish_loop, "shopdb-live-publish")

    def written_before_the_answer(self, _error: BaseException | None = None) -> None:
        """At the end of a request (or command) that published: wait until its events are recorded.

        Its session goes first: on SQLite it may hold the write lock the publisher needs.
        """
        number = g.pop(_PUBLISHED, None)
        if number is None:
            return
        db.session.remove()
        with self._progress:
            self._progress.wait_for(lambda: self._written >= number, ANSWER_WAIT)

    def _drop(self, count: int, why: str) -> None:
        self._lost.set()
        self._warn("drop", "live events: dropped %d event(s): %s; open pages will refetch", count, why)
        self.hub.tell_everyone_to_resync()

    def _publish_loop(self) -> None:
        while True:
            try:
                first = self._outbox.get(timeout=1.0)
            except queue.Empty:
                first = None
            if first is None or first[1] is _STOPPING:
                if self._stop.is_set() and self._outbox.empty():  # stopping, and everything queued was written
                    return
                continue
            batch = [first]
            while len(batch) < BATCH:
                try:
                    item = self._outbox.get_nowait()
                except queue.Empty:
                    break
                if item[1] is not _STOPPING:
                    batch.append(item)
            self._write([event for _, event in batch])
            with self._progress:
                self._written = batch[-1][0]
                self._progress.notify_all()
            if time.monotonic() - self._pruned_at >= PRUNE_EVERY:
                self.prune()

    def _write(self, batch: list[LiveEvent]) -> None:
        rows = [_as_row(event) for event in batch]
        if self._lost.is_set():
            self._lost.clear()
            rows.insert(0, _as_row(LiveEvent(RESYNC, {"type": RESYNC, "reason": "events_lost"})))
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(TABLE), rows)
        except SQLAlchemyError as error:
            self._drop(len(batch), f"could not record them ({type(error).__name__}: {error})")

    def prune(self) -> None:
        """Delete the rows older than the retention, the newest excepted, in one statement."""
        self._pruned_at = time.monotonic()
        cutoff = utcnow() - timedelta(seconds=RETENTION_SECONDS)
        try:
            with self.engine.begin() as conn:
                # The first row young enough to keep: the scan from the oldest stops there.
                keep = conn.scalar(select(TABLE.c.id).where(TABLE.c.created_at >= cutoff)
                                   .order_by(TABLE.c.id).limit(1))
                if keep is None:
                    keep = conn.scalar(select(func.max(TABLE.c.id)))
                if keep is not None:
                    conn.execute(delete(TABLE).where(TABLE.c.id < keep))
        except SQLAlchemyError as error:
            self._warn("prune", "live events: could not delete old rows (%s); trying again later", error)

    # -- reading ------------------------------------------------------------------------------------------
    def open(self, user_id: int, site_ids: tuple[int, ...] | None, last_event_id: str | None) -> Opening:
        self._start("_reader", self._read_loop, "shopdb-live-poll")  # lazily: the CLI and idle workers poll nothing
        self._placed.wait(PLACE_TIMEOUT)
        opening = self.hub.open(user_id, site_ids, None)  # subscribed first: nothing newer than latest_id is lost
        if last_event_id:
            missed, opening.resync = self._replay(last_event_id, opening.latest_id)
            opening.missed = [event for event in missed if event.visible_to(user_id, site_ids)]
        return opening

    def _replay(self, last_event_id: str, latest_id: str) -> tuple[list[LiveEvent], bool]:
        """The events after ``last_event_id`` up to where this process's streams stand; ([], True): resync."""
        seen, upto = _order(last_event_id), _order(latest_id)
        if seen is None or upto is None:  # not one of ours, or the poller is not placed (the database is away)
            return [], True
        if seen >= upto:  # what follows comes through the poller
            return [], False
        try:
            with self.engine.connect() as conn:
                oldest = conn.scalar(select(func.min(TABLE.c.id)))
                rows = conn.execute(select(*COLUMNS).where(TABLE.c.id > seen, TABLE.c.id <= upto)
                                    .order_by(TABLE.c.id).limit(RECENT + 1)).all()
        except SQLAlchemyError as error:
            self._warn("replay", "live events: could not read the missed events (%s)", error)
            return [], True
        # Complete only if nothing after ``seen`` was deleted (deletion takes the oldest ids), not too many
        # to send, and no events were lost meanwhile.
        if oldest is None or oldest > seen + 1 or len(rows) > RECENT or any(r.name == RESYNC for r in rows):
            return [], True
        return [_as_event(row) for row in rows], False

    def _read_loop(self) -> None:
        position: int | None = None
        gaps: dict[int, float] = {}  # ids skipped over → until when they are looked for
        failed = False
        while not self._stop.is_set():
            try:
                with reads_only(), self.engine.connect() as conn:
                    if position is None:
                        position = conn.scalar(select(func.max(TABLE.c.id))) or 0
                        self.hub.restart_at(str(position))
                        self._placed.set()
                    if failed:  # rows deleted while we could not read them are gone: refetch
                        oldest = conn.scalar(select(func.min(TABLE.c.id)))
                        if oldest is not None and oldest > position + 1:
                            self.hub.tell_everyone_to_resync()
                        failed = False
                    wanted = TABLE.c.id > position
                    if gaps:
                        wanted = or_(wanted, TABLE.c.id.in_(sorted(gaps)))
                    rows = conn.execute(select(*COLUMNS).where(wanted).order_by(TABLE.c.id).limit(BATCH)).all()
            except SQLAlchemyError as error:
                self._warn("read", "live events: reading from the database failed (%s); retrying", error)
                failed = position is not None
                self._stop.wait(max(self.poll_seconds, 1.0))
                continue
            position = self._deliver(rows, position, gaps)
            if len(rows) < BATCH:  # caught up: wait for the next poll
                self._stop.wait(self.poll_seconds)

    def _deliver(self, rows, position: int, gaps: dict[int, float]) -> int:
        """Hand the rows to the hub in id order; returns the new position, noting skipped ids in ``gaps``."""
        now = time.monotonic()
        for row in rows:
            if row.id > position:
                if 1 < row.id - position <= GAP_TRACK_MAX:
                    gaps.update(dict.fromkeys(range(position + 1, row.id), now + GAP_SECONDS))
                position = row.id
            elif gaps.pop(row.id, None) is None:
                continue  # delivered already
            if row.name == RESYNC:
                self.hub.tell_everyone_to_resync()
                continue
            try:
                self.hub.deliver(_as_event(row))
            except (KeyError, ValueError):
                log.warning("live events: skipped a malformed row %s of live_events", row.id)
        for missing in [gap for gap, until in gaps.items() if until <= now]:
            del gaps[missing]  # never committed: a rolled-back insert
        return position

    # -- life cycle ---------------------------------------------------------------------------------------
    def _start(self, attribute: str, target, name: str) -> None:
        if getattr(self, attribute) is not None:
            return
        with self._lock:
            if getattr(self, attribute) is None and not self._stop.is_set():
                thread = threading.Thread(target=target, name=name, daemon=True)
                setattr(self, attribute, thread)
                _open_brokers.add(self)
                thread.start()

    def close(self, wait: float = 2.0) -> None:
        """End every stream, stop polling, and write what is still queued (for up to ``wait`` seconds)."""
        self._stop.set()
        super().close()
        with contextlib.suppress(queue.Full):  # a full queue keeps the publisher awake anyway
            self._outbox.put_nowait((0, _STOPPING))
        if self._publisher is not None and self._publisher is not threading.current_thread():
            self._publisher.join(wait)

    def _warn(self, kind: str, message: str, *args) -> None:
        now = time.monotonic()
        if now - self._warned_at.get(kind, -WARN_EVERY) >= WARN_EVERY:
            self._warned_at[kind] = now
            log.warning(message, *args)


@atexit.register
def _write_what_is_queued() -> None:
    """A CLI command (an import, the demo) exits right after its last change: its events still go out."""
    for broker in list(_open_brokers):
        broker.close(wait=5.0)
