"""``GET /api/v1/events/stream``: the live events a browser may see, as server-sent events.

Authenticated like every read (deny by default, ``shopdb.auth.access``): the session cookie works,
since the browser's ``EventSource`` cannot send a bearer header; a token works too. The user and the
sites they may see are read once, when the stream opens; the stream then holds no database
connection. It ends after its lifetime (``SHOPDB_LIVE_STREAM_SECONDS``, with some jitter so a plant's
tablets do not all come back at once) or when the worker stops, and the browser reconnects by itself
with ``Last-Event-ID``: a login that ended, a deactivated user or changed sites take effect then.

Not in the OpenAPI document: it is not a JSON operation (docs/adr/0021-live-events-over-sse.md has the
wire format; tests/test_access.py still sees the route and its 401).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator

from flask import Blueprint, Response, current_app, request

from ..api.errors import ApiError
from ..auth.current import current_user
from ..core.services import site_scope
from .broker import WAKE, Closed, LiveEvent, Opening

bp = Blueprint("live", __name__, url_prefix="/api/v1/events")

RETRY_MS = 3000  # how long the browser waits before it reconnects (the SSE ``retry:`` field)
PROBES, PROBE_WAIT_SECONDS = 2, 0.25  # a full worker asks its streams to write, twice, before it says 503


class LiveUnavailable(ApiError):
    """No stream now (this worker is full, or cannot hold streams); try again after ``Retry-After``."""

    status, code = 503, "live_unavailable"

    def __init__(self, message: str, retry_after: int):
        super().__init__(message, {"retry_after": retry_after})
        self.headers = {"Retry-After": str(retry_after)}


def frame(event: LiveEvent) -> str:
    """One SSE message: ``id:`` (when known), ``event:``, one ``data:`` line of JSON, a blank line."""
    head = f"id: {event.id}\n" if event.id else ""
    return f"{head}event: {event.name}\ndata: {json.dumps(event.data, separators=(',', ':'), default=str)}\n\n"


def _messages(opening: Opening, heartbeat: float, lifetime: float) -> Iterator[str]:
    """What the stream sends, until its lifetime ends, the worker stops or the client goes away."""
    subscriber = opening.subscriber
    deadline = time.monotonic() + lifetime
    try:
        first = "resync" if opening.resync else "ready"
        yield f"retry: {RETRY_MS}\n" + frame(LiveEvent(first, {"type": first}, id=opening.latest_id))
        for event in opening.missed:
            yield frame(event)
        while (left := deadline - time.monotonic()) > 0:
            try:
                event = subscriber.get(timeout=min(heartbeat, left))
            except Closed:
                return
            if subscriber.take_overflow():
                # Events were dropped for this stream: its last id would lie, so no id goes with this one.
                yield frame(LiveEvent("resync", {"type": "resync", "reason": "events_lost"}))
            elif event is None or event is WAKE:
                # A comment: proxies keep the connection, the browser ignores it, and a client that has
                # gone makes the write fail, which ends this stream (a probe wakes it for just that).
                yield ": keep-alive\n\n"
            else:
                yield frame(event)
    finally:  # also when the client went away (the server closes the generator)
        subscriber.close()


def _room_after_probing(live) -> bool:
    """Whether a place frees up once every stream has written. A page closed or reloaded leaves its
    stream waiting for the next heartbeat (the server learns that a client went away only by writing
    to it), so reloads could fill a worker with streams nobody reads. The first write to a closed
    connection may still succeed (the peer's reset comes back after it), hence two probes."""
    for _ in range(PROBES):
        live.broker.probe_streams()
        deadline = time.monotonic() + PROBE_WAIT_SECONDS
        while time.monotonic() < deadline:
            if live.broker.stream_count < live.max_streams:
                return True
            time.sleep(0.02)
    return False


@bp.get("/stream")
def stream() -> Response:
    """Server-sent events for the caller: machine status, custody, notices, assets (ADR 0021)."""
    live = current_app.extensions["shopdb.live"]
    if not request.environ.get("wsgi.multithread"):
        # A sync worker serves one request at a time: a stream would hold it (and gunicorn kills it at
        # its timeout). `make run` uses threaded workers (gthread).
        raise LiveUnavailable("Live events need a threaded server (gunicorn --worker-class gthread).", 60)
    if live.broker.stream_count >= live.max_streams and not _room_after_probing(live):
        raise LiveUnavailable("This server holds as many live streams as it may; try again shortly.",
                              random.randint(10, 30))
    user = current_user()
    sites = site_scope.visible_site_ids()
    try:
        opening = live.broker.open(user.id, tuple(sites) if sites else None,
                                   request.headers.get("Last-Event-ID") or None)
    except Closed:
        raise LiveUnavailable("This worker is stopping; reconnect.", 1) from None
    lifetime = live.lifetime * random.uniform(0.85, 1.0)
    response = Response(_messages(opening, live.heartbeat, lifetime), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache, no-store"
    response.headers["X-Accel-Buffering"] = "no"  # nginx: pass each message on at once
    return response
