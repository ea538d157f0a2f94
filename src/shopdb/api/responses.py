"""Response envelopes (SPEC §5): ``{"data": ...}`` and ``{"data": [...], "meta": {...}}``."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify


def single(data: Any, status: int = 200, etag_version: int | None = None) -> Response:
    """One object. With ``etag_version`` the response carries ``ETag: "<version>"`` for If-Match."""
    response = jsonify({"data": data})
    response.status_code = status
    if etag_version is not None:
        response.headers["ETag"] = f'"{etag_version}"'
    return response


def listing(items: list[Any], page: int, per_page: int, total: int) -> Response:
    pages = (total + per_page - 1) // per_page if per_page else 0
    meta = {"page": page, "per_page": per_page, "total": total, "pages": pages}
    return jsonify({"data": items, "meta": meta})


def no_content() -> Response:
    return Response(status=204)
