"""Optimistic concurrency over HTTP: ``If-Match: "<version>"`` (412) or ``version`` in the body (409)."""

from __future__ import annotations

from typing import Any

from flask import request

from .errors import BadRequest, PreconditionFailed


def expected_version(body: dict[str, Any], obj: Any) -> int | None:
    """Pop ``version`` from ``body`` and check ``If-Match``; returns the version the service checks."""
    header = request.headers.get("If-Match")
    if header and header.strip() != "*":
        raw = header.strip().removeprefix("W/").strip('"')
        try:
            wanted = int(raw)
        except ValueError:
            raise BadRequest('If-Match must be an ETag like "3".') from None
        if wanted != obj.version:
            raise PreconditionFailed(
                f"If-Match {wanted} is stale; the current version is {obj.version}.",
                {"current_version": obj.version, "your_version": wanted},
            )
    return body.pop("version", None)
