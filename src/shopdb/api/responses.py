"""Response envelopes (SPEC §5): ``{"data": ...}`` and ``{"data": [...], "meta": {...}}``.

These helpers shape *what a view returns*, not the JSON: the view's ``@blp.response(status,
envelope(Schema))`` / ``list_envelope(Schema)`` dumps the envelope through the declared schema, once
(docs/adr/0011). So the data handed in is raw — model objects or dicts of Python values (``datetime``,
``date``, ``None``), never text a schema already dumped — and a field the schema does not declare is
dropped instead of published undocumented.
"""

from __future__ import annotations

from typing import Any

from flask import Response


def single(data: Any, status: int = 200, etag_version: int | None = None) -> tuple[dict[str, Any], int, dict]:
    """One object, for ``@blp.response(status, envelope(Schema))`` to dump. With ``etag_version``
    the response carries ``ETag: "<version>"`` for If-Match."""
    headers = {"ETag": f'"{etag_version}"'} if etag_version is not None else {}
    return {"data": data}, status, headers


def listing(items: list[Any], page: int | None, per_page: int, total: int, *, total_is_exact: bool = True,
            next_cursor: str | None = None) -> dict[str, Any]:
    """One page of objects, for ``@blp.response(200, list_envelope(Schema))`` to dump.

    ``page`` is None for a page asked for by cursor (``?after=``); ``next_cursor`` is the ``after`` of the
    following page, None on the last; ``total`` is a lower bound when ``total_is_exact`` is False.
    """
    pages = (total + per_page - 1) // per_page if per_page else 0
    return {"data": items, "meta": {"page": page, "per_page": per_page, "total": total, "pages": pages,
                                    "total_is_exact": total_is_exact, "next": next_cursor}}


def no_content() -> Response:
    return Response(status=204)
