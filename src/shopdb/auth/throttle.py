"""Login throttling: after repeated failures for one username+address, refuse for a while.

State is in-process here; with ``SHOPDB_REDIS_URL`` set, it is shared through Redis so every
gunicorn worker sees the same counts.
"""

from __future__ import annotations

import time

from flask import current_app

from ..api.errors import TooManyRequests

MAX_FAILURES = 5
WINDOW_SECONDS = 300
_local: dict[str, list[float]] = {}


def _redis():
    url = current_app.config.get("SHOPDB_REDIS_URL")
    if not url:
        return None
    try:
        import redis  # optional dependency: only deploys that share state need it
    except ImportError:
        return None
    return redis.Redis.from_url(url, socket_timeout=1)


def check(key: str) -> None:
    client = _redis()
    if client is not None:
        count = int(client.get(f"shopdb:throttle:{key}") or 0)
    else:
        now = time.monotonic()
        hits = [t for t in _local.get(key, []) if now - t < WINDOW_SECONDS]
        _local[key] = hits
        count = len(hits)
    if count >= MAX_FAILURES:
        raise TooManyRequests("Too many failed attempts; wait a few minutes and try again.")


def failed(key: str) -> None:
    client = _redis()
    if client is not None:
        pipe = client.pipeline()
        pipe.incr(f"shopdb:throttle:{key}")
        pipe.expire(f"shopdb:throttle:{key}", WINDOW_SECONDS)
        pipe.execute()
    else:
        _local.setdefault(key, []).append(time.monotonic())


def reset(key: str) -> None:
    client = _redis()
    if client is not None:
        client.delete(f"shopdb:throttle:{key}")
    else:
        _local.pop(key, None)
