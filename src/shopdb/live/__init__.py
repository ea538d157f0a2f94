"""Live plant: changes reach open pages as server-sent events (docs/adr/0021-live-events-over-sse.md).

- ``broker``: the process's open streams, replay of recent events, and the in-process broker;
- ``redis_broker``: the same events shared by every worker through Redis when ``SHOPDB_REDIS_URL`` is set;
- ``publish``: which bus events go live, as what;
- ``stream``: ``GET /api/v1/events/stream``;
- ``shutdown``: streams end when a gunicorn worker stops.

Sits beside the core: it imports the bus, the auth helpers and the site scope, and no plugin.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask

from .. import events
from .broker import Broker, InProcessBroker
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


def make_broker(app: Flask) -> Broker:
    """Redis when ``SHOPDB_REDIS_URL`` is set (every worker sees every event), else this process only."""
    url = app.config.get("SHOPDB_REDIS_URL")
    if not url:
        return InProcessBroker()
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
    end_streams_on_worker_exit(broker.close)
    return live
