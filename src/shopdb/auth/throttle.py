"""Failed logins, counted per username (any case) and per client address, each against its own limit.

Both counts live in the app's rate-limit storage (Redis when ``SHOPDB_REDIS_URL`` is set, so all
workers agree), as moving windows (``SHOPDB_LOGIN_FAILURES_PER_USER``, ``..._PER_ADDRESS``). Only
failures are counted; a success neither counts nor resets.

Why concurrency cannot buy extra guesses: a failure is recorded with the storage's atomic
``hit`` (one Lua script in Redis), which refuses once the window is full, and that answer decides
between 401 and 429. A correct password is checked against the counts again *after* verifying, so
guesses sent in parallel learn "wrong" for at most the limit's number of them and "right" only
while the limit is not reached. The check before verifying only spares the hash work when the
limit is already reached.

The per-user limit is higher than the per-address one, so a single address cannot lock a user out;
it takes several addresses, and then only for the window's length after the last failure
(docs/SECURITY.md, "Throttling and rate limits").
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import current_app
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter, RateLimiter

from ..api.errors import TooManyRequests
from .rate_limits import client_address, key_prefix, limiter_of, seconds_until

log = logging.getLogger(__name__)
FALLBACK_KEY = "shopdb.login_throttle_fallback"
REFUSAL = "Too many failed logins; wait and try again."


def _limits(username: str) -> list[tuple[RateLimitItem, tuple[str, ...]]]:
    config = current_app.config
    prefix = key_prefix()
    return [
        (parse(config["SHOPDB_LOGIN_FAILURES_PER_USER"]), (prefix, "login-user", username.casefold())),
        (parse(config["SHOPDB_LOGIN_FAILURES_PER_ADDRESS"]), (prefix, "login-address", client_address())),
    ]


def _strategy() -> RateLimiter:
    return limiter_of().limiter


def _fallback() -> RateLimiter:
    """Per-process counts for when the shared storage is unreachable: still a limit, never none."""
    extensions = current_app.extensions
    if FALLBACK_KEY not in extensions:
        extensions[FALLBACK_KEY] = MovingWindowRateLimiter(MemoryStorage())
    return extensions[FALLBACK_KEY]


Full = list[tuple[RateLimitItem, tuple[str, ...]]]


def _with_storage(action: Callable[[RateLimiter], Full]) -> None:
    """Run ``action`` on the shared counts (the local ones if those are unreachable); 429 for what is full."""
    strategy = _strategy()
    try:
        full = action(strategy)
    except Exception as error:  # noqa: BLE001 - any storage failure: count locally rather than not at all
        log.error("rate-limit storage unreachable, counting failed logins in this process: %s", error)
        strategy = _fallback()
        full = action(strategy)
    if full:
        retry_after = max(seconds_until(strategy.get_window_stats(item, *ids).reset_time) for item, ids in full)
        raise TooManyRequests(REFUSAL, retry_after=retry_after)


def refuse_if_locked(username: str) -> None:
    """429 (with ``Retry-After``) when this username or this address has used up its failures."""
    _with_storage(lambda strategy: [(item, ids) for item, ids in _limits(username) if not strategy.test(item, *ids)])


def record_failure(username: str) -> None:
    """Count one failed login for the username and the address; 429 if either was already full."""
    _with_storage(lambda strategy: [(item, ids) for item, ids in _limits(username) if not strategy.hit(item, *ids)])
