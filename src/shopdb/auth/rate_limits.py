"""Rate limits with Flask-Limiter: one limiter and one storage per app (ADR 0015).

The storage is Redis when ``SHOPDB_REDIS_URL`` is set, so every gunicorn worker counts against the
same numbers; otherwise the process's memory (one worker, tests). The general API limit
(``SHOPDB_RATE_LIMIT``, empty disables it) is one budget per logged-in user, else per client address,
across every ``/api/`` route. The failed-login limits (``shopdb.auth.throttle``) use the same storage.

Client addresses are ``request.remote_addr``, which ``X-Forwarded-For`` changes only through Werkzeug's
``ProxyFix`` with ``SHOPDB_TRUSTED_PROXIES`` hops (``init_app`` installs it; 0 ignores the header).
"""

from __future__ import annotations

import math
import time

from flask import Flask, current_app, request
from flask_limiter import ApplicationLimit, Limiter
from flask_limiter.errors import RateLimitExceeded
from werkzeug.middleware.proxy_fix import ProxyFix

from ..api.errors import error_response
from .current import current_user

API_PREFIX = "/api/"
EXTENSION_KEY = "shopdb.limiter"


def client_address() -> str:
    """The caller's address as the app sees it (after ``ProxyFix`` when proxies are trusted)."""
    return request.remote_addr or "unknown"


def _caller_key() -> str:
    """Whom the general limit counts: the logged-in user (wherever they come from), else the address."""
    user = current_user()
    return f"user:{user.id}" if user is not None else f"address:{client_address()}"


def _not_api() -> bool:
    # The UI's files are not API calls; only /api/ spends the budget.
    return not request.path.startswith(API_PREFIX)


def limiter_of(app: Flask | None = None) -> Limiter:
    """The app's limiter (its ``.limiter`` is the moving-window strategy over the app's one storage)."""
    return (app or current_app).extensions[EXTENSION_KEY]


def key_prefix(app: Flask | None = None) -> str:
    return (app or current_app).config.get("SHOPDB_RATE_LIMIT_KEY_PREFIX") or "shopdb"


def seconds_until(reset_at: float) -> int:
    """A ``Retry-After`` value: whole seconds until ``reset_at`` (epoch), at least 1."""
    return max(1, math.ceil(reset_at - time.time()))


def _render_limit_exceeded(error: RateLimitExceeded):
    """The general limit's 429 in the one error format, with ``Retry-After``."""
    limit = limiter_of().current_limit
    retry_after = seconds_until(limit.reset_at) if limit is not None else 60
    response = error_response(429, "too_many_requests",
                              f"Too many requests ({error.description}); slow down and retry later.",
                              {"retry_after": retry_after})
    response.headers["Retry-After"] = str(retry_after)
    return response


def init_app(app: Flask) -> None:
    """Install ``ProxyFix`` (when proxies are trusted) and the app's limiter.

    Register after the hook that loads the user, so the general limit can count per user.
    """
    hops = int(app.config.get("SHOPDB_TRUSTED_PROXIES") or 0)
    if hops > 0:
        # Each trusted proxy appends one address; only the last `hops` entries are believed.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    general = (app.config.get("SHOPDB_RATE_LIMIT") or "").strip()
    redis_url = app.config.get("SHOPDB_REDIS_URL")
    limiter = Limiter(
        _caller_key,
        application_limits=[ApplicationLimit(general)] if general else [],
        storage_uri=redis_url or "memory://",
        # Fail safe, not shut: if Redis goes away, each worker keeps counting in its own memory.
        in_memory_fallback_enabled=True,
        strategy="moving-window",  # no burst of twice the limit at a window's edge
        key_prefix=key_prefix(app),
        headers_enabled=False,  # no extra storage round trip per response; 429s carry Retry-After
    )
    limiter.request_filter(_not_api)
    limiter.init_app(app)
    app.extensions[EXTENSION_KEY] = limiter
    app.register_error_handler(RateLimitExceeded, _render_limit_exceeded)
