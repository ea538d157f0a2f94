"""Live events shared by every worker through Redis (``SHOPDB_REDIS_URL``), as a Redis stream.

``publish`` appends each event to one stream (``XADD``, trimmed to about the last ``RECENT`` entries);
each process runs one reader thread (``XREAD BLOCK``) that hands what it reads to the process's hub, so
a status change saved by one worker reaches the browsers another worker streams to. A stream rather
than ``PUBLISH``: its entry ids are one order for every worker, so a browser that reconnects to another
worker with ``Last-Event-ID`` is placed exactly, and the reader resumes where it stopped after a
dropped connection instead of losing what was published meanwhile.

Redis being away never fails a write: publishing gives up after ``TIMEOUT`` seconds and logs; the
streams of this process are told to resync, and so is every stream once the reader is back.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable

import redis

from .broker import RECENT, Broker, Hub, LiveEvent

log = logging.getLogger(__name__)
TIMEOUT = 2.0  # seconds a publish may wait for Redis: it runs inside the request that made the change
BLOCK_MS = 5000  # how long one XREAD waits for news; also how soon the reader notices it must stop
WARN_EVERY = 60.0  # seconds between two warnings that Redis is away (not one per event)


def _order(event_id: str) -> tuple[int, int] | None:
    millis, _, sequence = event_id.partition("-")
    return (int(millis), int(sequence)) if millis.isdigit() and sequence.isdigit() else None


class RedisBroker(Broker):
    name = "redis"

    def __init__(self, url: str, key: str):
        self.url, self.key = url, key
        self.hub = Hub(_order)
        self._client = redis.Redis.from_url(url, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT,
                                            decode_responses=True)
        self._reader: threading.Thread | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._placed = threading.Event()  # the reader knows where the stream stands
        self._warned_at = 0.0

    def publish(self, events: Iterable[LiveEvent]) -> None:
        events = list(events)
        if not events:
            return
        try:
            with self._client.pipeline(transaction=False) as pipe:
                for event in events:
                    pipe.xadd(self.key, event.encode(), maxlen=RECENT, approximate=True)
                pipe.execute()
        except redis.RedisError as error:
            self._warn("could not publish %d live event(s) to Redis: %s", len(events), error)
            self.hub.tell_everyone_to_resync()

    def open(self, user_id, site_ids, last_event_id):
        self._start_reader()  # lazily: a CLI command or a worker nobody streams from reads nothing
        # The first stream waits (briefly) until the reader is placed, so its Last-Event-ID can be honoured.
        self._placed.wait(TIMEOUT)
        return super().open(user_id, site_ids, last_event_id)

    def _start_reader(self) -> None:
        with self._lock:
            if self._reader is None and not self._stop.is_set():
                self._reader = threading.Thread(target=self._read, name="shopdb-live-redis", daemon=True)
                self._reader.start()

    def _read(self) -> None:
        reader = redis.Redis.from_url(self.url, socket_timeout=BLOCK_MS / 1000 + TIMEOUT,
                                      socket_connect_timeout=TIMEOUT, decode_responses=True)
        position: str | None = None
        failed = False
        while not self._stop.is_set():
            try:
                if position is None:
                    newest = reader.xrevrange(self.key, count=1)
                    position = newest[0][0] if newest else "0-0"
                    self.hub.restart_at(position)
                    self._placed.set()
                replies = reader.xread({self.key: position}, block=BLOCK_MS, count=200)
            except redis.RedisError as error:
                self._warn("live events: reading from Redis failed (%s); retrying", error)
                failed = True
                self._stop.wait(1.0)
                continue
            if failed:  # what was published while we could not read may be gone: refetch
                failed = False
                self.hub.tell_everyone_to_resync()
            for _stream, entries in replies or []:
                for entry_id, fields in entries:
                    position = entry_id
                    try:
                        self.hub.deliver(LiveEvent.decode(entry_id, fields))
                    except (KeyError, ValueError):
                        log.warning("live events: skipped a malformed entry %s in %s", entry_id, self.key)
        reader.close()

    def _warn(self, message: str, *args) -> None:
        now = time.monotonic()
        if now - self._warned_at >= WARN_EVERY:
            self._warned_at = now
            log.warning(message, *args)

    def close(self) -> None:
        self._stop.set()
        super().close()
