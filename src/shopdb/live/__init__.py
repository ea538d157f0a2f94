"""Live plant: changes reach open pages as server-sent events (docs/adr/0021-live-events-over-sse.md).

- ``broker``: the process's open streams, replay of recent events, and the in-process broker;
- ``redis_broker``: the same events shared by every worker through Redis when ``SHOPDB_REDIS_URL`` is set;
- ``database_broker``: shared through the core table ``live_events`` otherwise (the default install);
- ``publish``: which bus events go live, as what;
- ``stream``: ``GET /api/v1/events/stream``;
- ``shutdown``: streams end when a gunicorn worker stops.

Sits beside the core: it imports the bus, the auth helpers and the site scope, and no plugin.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask

from .. import events
from ..extensions import db
from .broker import Broker, InProcessBroker
from .database_broker import POLL_SECONDS, DatabaseBroker
from .publish import subscribe_all
from .redis_broker import RedisBroker
from .shutdown import end_streams_on_worker_exit
from .stream import bp

EXTENSION_KEY = "shopdb.live"
HEARTBEAT_SECONDS = 15.0


@dataclass
class Live:
    broker: Broker
    heartbeat: float
    lifetime: float
    max_streams: int


BROKERS = ("redis", "database", "memory")


def make_broker(app: Flask) -> Broker:
    """``SHOPDB_LIVE_BROKER``, else Redis when ``SHOPDB_REDIS_URL`` is set, else the database: every
    worker sees every event either way. ``memory`` (this process only) is for one process: the tests."""
    url = app.config.get("SHOPDB_REDIS_URL")
    kind = (app.config.get("SHOPDB_LIVE_BROKER") or ("redis" if url else "database")).strip().lower()
    if kind not in BROKERS:
        raise ValueError(f"SHOPDB_LIVE_BROKER must be one of {', '.join(BROKERS)}, not {kind!r}")
    if kind == "memory":
        return InProcessBroker()
    if kind == "database":
        with app.app_context():
            engine = db.engine
        return DatabaseBroker(engine, float(app.config.get("SHOPDB_LIVE_POLL_SECONDS") or POLL_SECONDS))
    if not url:
        raise ValueError("SHOPDB_LIVE_BROKER=redis needs SHOPDB_REDIS_URL")
    prefix = app.config.get("SHOPDB_RATE_LIMIT_KEY_PREFIX") or "shopdb"
    return RedisBroker(url, f"{prefix}:live")


def init_app(app: Flask) -> Live:
    """Choose the broker, forward the bus's events to it, serve the stream. After ``events.init_app``."""
    broker = make_broker(app)
    live = Live(broker=broker,
                heartbeat=float(app.config.get("SHOPDB_LIVE_HEARTBEAT_SECONDS", HEARTBEAT_SECONDS)),
                lifetime=float(app.config.get("SHOPDB_LIVE_STREAM_SECONDS", 300)),
                max_streams=int(app.config.get("SHOPDB_LIVE_MAX_STREAMS", 24)))
    app.extensions[EXTENSION_KEY] = live
    subscribe_all(app.extensions[events.EXTENSION_KEY], broker)
    app.register_blueprint(bp)
    if isinstance(broker, DatabaseBroker):  # a change's events are recorded before its answer leaves
        app.teardown_appcontext(broker.written_before_the_answer)
    end_streams_on_worker_exit(broker.close)
    return live
