"""Fan-out of live events to the streams this process serves, and the in-process broker.

A ``Hub`` holds the process's open streams (one ``Subscriber`` each) and the last events it saw, so a
browser that reconnects with ``Last-Event-ID`` gets what it missed instead of reloading everything.
Every broker delivers through a hub: the in-process broker straight from ``publish``, the Redis and
database brokers (``redis_broker.py``, ``database_broker.py``) from their reader thread, so events reach
the streams in one order per process.

Who may see an event is decided here, once per event and stream: ``site_ids`` (None: every site) must
meet the stream's visible sites, and ``user_id`` (None: everyone) must be the stream's user.
"""

from __future__ import annotations

import contextlib
import json
import queue
import secrets
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

RECENT = 1000  # events kept for replay: a reconnect after a few seconds never needs more
QUEUE_SIZE = 500  # events waiting for one slow stream; beyond that it is told to resync


@dataclass(frozen=True)
class LiveEvent:
    """One event as streams send it: ``name`` is the SSE ``event:`` field, ``data`` its JSON."""

    name: str
    data: dict[str, Any]
    site_ids: tuple[int, ...] | None = None  # None: not tied to a site (a notice for every site)
    user_id: int | None = None  # set: only this user's streams receive it (their acknowledgement)
    id: str = ""  # assigned by the broker

    def visible_to(self, user_id: int, site_ids: tuple[int, ...] | None) -> bool:
        if self.user_id is not None and self.user_id != user_id:
            return False
        if self.site_ids is None or site_ids is None:
            return True
        return not set(self.site_ids).isdisjoint(site_ids)

    def encode(self) -> dict[str, str]:
        """The event as flat strings (a Redis stream entry) — ``decode`` reads it back."""
        return {"e": self.name, "d": json.dumps(self.data, separators=(",", ":"), default=str),
                "s": "" if self.site_ids is None else ",".join(map(str, self.site_ids)),
                "u": "" if self.user_id is None else str(self.user_id)}

    @classmethod
    def decode(cls, event_id: str, fields: dict[str, str]) -> LiveEvent:
        sites = fields.get("s", "")
        user = fields.get("u", "")
        return cls(name=fields["e"], data=json.loads(fields["d"]),
                   site_ids=tuple(int(s) for s in sites.split(",") if s) if sites else None,
                   user_id=int(user) if user else None, id=event_id)


# Wakes a waiting stream so it looks at its flags (``take_overflow`` drops it with the rest).
WAKE = LiveEvent("wake", {})


class Closed(Exception):
    """The stream must end: the worker is shutting down."""


class Subscriber:
    """One open stream: its user, the sites it may see, and the events waiting for it."""

    def __init__(self, hub: Hub, user_id: int, site_ids: tuple[int, ...] | None):
        self.hub, self.user_id, self.site_ids = hub, user_id, site_ids
        self.queue: queue.Queue[LiveEvent | None] = queue.Queue(QUEUE_SIZE)
        self.overflowed = False  # events were dropped: the client must refetch
        self.closed = False

    def offer(self, event: LiveEvent) -> None:
        if self.closed or not event.visible_to(self.user_id, self.site_ids):
            return
        try:
            self.queue.put_nowait(event)
        except queue.Full:
            self.overflowed = True

    def get(self, timeout: float) -> LiveEvent | None:
        """The next event, or None after ``timeout`` seconds of silence; ``Closed`` when the stream must end."""
        if self.closed:
            raise Closed
        try:
            event = self.queue.get(timeout=timeout)
        except queue.Empty:
            return None
        if event is None or self.closed:
            raise Closed
        return event

    def take_overflow(self) -> bool:
        """Whether events were dropped since the last call; the waiting ones are dropped too."""
        if not self.overflowed:
            return False
        while True:
            try:
                self.queue.get_nowait()
            except queue.Empty:
                break
        self.overflowed = False
        return True

    def resync_soon(self) -> None:
        """Tell the client to refetch at once: mark it, and wake the stream if it is waiting."""
        self.overflowed = True
        with contextlib.suppress(queue.Full):  # a full queue wakes it anyway
            self.queue.put_nowait(WAKE)

    def probe(self) -> None:
        """Make the stream write now (a comment): one whose browser has gone fails the write and ends,
        giving up its place, instead of holding it until its next heartbeat."""
        with contextlib.suppress(queue.Full):  # a full queue: the stream is busy writing anyway
            self.queue.put_nowait(WAKE)

    def wake_closed(self) -> None:
        self.closed = True
        with contextlib.suppress(queue.Full):  # get() sees ``closed`` before it waits again
            self.queue.put_nowait(None)

    def close(self) -> None:
        self.hub.remove(self)


@dataclass
class Opening:
    """What a new stream starts with: its subscriber, the events it missed, or that it must resync."""

    subscriber: Subscriber
    missed: list[LiveEvent] = field(default_factory=list)
    resync: bool = False
    latest_id: str = ""  # the newest event id this process knows (a resync or fresh start carries it)


class Hub:
    """The open streams of this process and the recent events, for replay.

    ``order`` turns an event id into something comparable, or None for an id this hub cannot place
    (another process's in-memory id, garbage): such a client resyncs.
    """

    def __init__(self, order, start_id: str = ""):
        self._order = order
        self._lock = threading.Lock()
        self._subscribers: set[Subscriber] = set()
        self._recent: deque[LiveEvent] = deque(maxlen=RECENT)
        self._complete_after = start_id  # every event after this id is in _recent (or was dropped from it)
        self._latest_id = start_id
        self._closed = False

    @property
    def count(self) -> int:
        return len(self._subscribers)

    def restart_at(self, start_id: str) -> None:
        """Replay is complete only after ``start_id`` (the Redis reader's first position)."""
        with self._lock:
            self._complete_after = self._latest_id = start_id
            self._recent.clear()

    def deliver(self, event: LiveEvent) -> None:
        with self._lock:
            if len(self._recent) == self._recent.maxlen:
                self._complete_after = self._recent[0].id
            self._recent.append(event)
            if self._is_newest(event.id):  # a late event (the database broker's gaps) does not move it back
                self._latest_id = event.id
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            subscriber.offer(event)

    def _is_newest(self, event_id: str) -> bool:
        newest = self._order(self._latest_id) if self._latest_id else None
        order = self._order(event_id)
        return newest is None or order is None or order > newest

    def tell_everyone_to_resync(self) -> None:
        """Events may have been lost (Redis was away): every stream's client refetches."""
        with self._lock:
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            subscriber.resync_soon()

    def open(self, user_id: int, site_ids: tuple[int, ...] | None, last_event_id: str | None) -> Opening:
        subscriber = Subscriber(self, user_id, site_ids)
        with self._lock:
            if self._closed:
                raise Closed
            self._subscribers.add(subscriber)
            opening = Opening(subscriber, latest_id=self._latest_id)
            if last_event_id:
                opening.missed, opening.resync = self._since(last_event_id)
        opening.missed = [e for e in opening.missed if e.visible_to(user_id, site_ids)]
        return opening

    def _since(self, last_event_id: str) -> tuple[list[LiveEvent], bool]:
        """Events after ``last_event_id`` when this hub has all of them; else ([], True): resync."""
        seen = self._order(last_event_id)
        floor = self._order(self._complete_after) if self._complete_after else None
        if seen is None or floor is None or seen < floor:  # no floor yet: the Redis reader is not placed
            return [], True
        return [e for e in self._recent if self._order(e.id) > seen], False

    def remove(self, subscriber: Subscriber) -> None:
        with self._lock:
            self._subscribers.discard(subscriber)

    def probe_all(self) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            subscriber.probe()

    def close_all(self) -> None:
        """End every stream now (worker shutdown); new ones are refused."""
        with self._lock:
            self._closed = True
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            subscriber.wake_closed()


class Broker:
    """Publishes events and opens streams; each subclass (in-process, Redis, database) says how events travel."""

    name = "broker"
    hub: Hub

    def publish(self, events: Iterable[LiveEvent]) -> None:
        raise NotImplementedError

    def open(self, user_id: int, site_ids: tuple[int, ...] | None, last_event_id: str | None) -> Opening:
        return self.hub.open(user_id, site_ids, last_event_id)

    @property
    def stream_count(self) -> int:
        return self.hub.count

    def probe_streams(self) -> None:
        """Every open stream writes now, so those whose browser went away end (see ``Subscriber.probe``)."""
        self.hub.probe_all()

    def close(self) -> None:
        self.hub.close_all()


class InProcessBroker(Broker):
    """Events reach the streams of this process only (one worker, tests, ``flask run``).

    Ids are ``<process token>-<n>``: a reconnect that lands on another process (or a restarted one)
    cannot be placed and resyncs.
    """

    name = "in-process"

    def __init__(self) -> None:
        self._token = secrets.token_hex(4)
        self._next = 0
        self._lock = threading.Lock()
        self.hub = Hub(self._order, start_id=f"{self._token}-0")

    def _order(self, event_id: str) -> int | None:
        token, _, number = event_id.partition("-")
        return int(number) if token == self._token and number.isdigit() else None

    def publish(self, events: Iterable[LiveEvent]) -> None:
        for event in events:
            with self._lock:  # ids and delivery in one order, whichever thread publishes
                self._next += 1
                self.hub.deliver(_with_id(event, f"{self._token}-{self._next}"))


def _with_id(event: LiveEvent, event_id: str) -> LiveEvent:
    return LiveEvent(event.name, event.data, event.site_ids, event.user_id, event_id)
