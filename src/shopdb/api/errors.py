"""Typed API errors and the one place every error is rendered.

Every error, whether raised by a view, by validation, by Werkzeug (404/405) or by a bug (500),
leaves as ``{"error": {"code", "message", "details"}}`` with the matching status.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify
from sqlalchemy.exc import DataError, OperationalError, StatementError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from ..extensions import db

log = logging.getLogger(__name__)
MAX_INT = 2**31 - 1  # INTEGER on MySQL/MariaDB and PostgreSQL


class ApiError(Exception):
    """Base of the framework's typed errors. Raise a subclass; never build a response by hand."""

    status = 400
    code = "bad_request"
    headers: dict[str, str] = {}  # extra response headers (``Retry-After`` on a 429)

    def __init__(self, message: str, details: dict[str, Any] | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or {}
        if code:
            self.code = code


class BadRequest(ApiError):
    status, code = 400, "bad_request"


class Unauthorized(ApiError):
    status, code = 401, "unauthorized"


class Forbidden(ApiError):
    status, code = 403, "forbidden"


class NotFound(ApiError):
    status, code = 404, "not_found"


class Conflict(ApiError):
    status, code = 409, "conflict"


class PreconditionFailed(ApiError):
    status, code = 412, "precondition_failed"


class ValidationFailed(ApiError):
    """Field-level validation errors: ``details`` maps field → list of messages."""

    status, code = 422, "validation_error"

    def __init__(self, fields: dict[str, Any], message: str = "The request has invalid fields."):
        super().__init__(message, {"fields": fields})


class TooManyRequests(ApiError):
    """Slow down: ``retry_after`` seconds go out as the ``Retry-After`` header and in ``details``."""

    status, code = 429, "too_many_requests"

    def __init__(self, message: str, retry_after: int | None = None):
        super().__init__(message, {"retry_after": retry_after} if retry_after else None)
        self.headers = {"Retry-After": str(retry_after)} if retry_after else {}


class RuleFailed(ApiError):
    """A plugin's validation rule crashed: the write is refused, since nothing vouched for it."""

    status, code = 500, "rule_failed"

    def __init__(self, plugin: str, event: str, error: BaseException):
        super().__init__(
            f"Plugin {plugin!r} could not check this change ({event}: {type(error).__name__}); "
            "nothing was written. The server log has the details.",
            {"plugin": plugin, "event": event},
        )


_HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 503: "database_unavailable", 409: "conflict", 412: "precondition_failed",
    413: "payload_too_large", 415: "unsupported_media_type", 422: "validation_error",
    429: "too_many_requests",
}


def error_response(status: int, code: str, message: str, details: dict | None = None):
    response = jsonify({"error": {"code": code, "message": message, "details": details or {}}})
    response.status_code = status
    return response


def render_http_exception(error: HTTPException):
    """Werkzeug/webargs errors → the one format. webargs puts field errors in ``error.data``."""
    status = error.code or 500
    details: dict[str, Any] = {}
    message = error.description or error.name
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") if isinstance(data, dict) else None
    if messages:
        # webargs nests messages by location ({"json": {...}}); callers want the fields only.
        if isinstance(messages, dict) and len(messages) == 1:
            location, fields = next(iter(messages.items()))
            if location == "json" and isinstance(fields, list):
                # Malformed JSON or a body that is not an object.
                return error_response(400, "malformed_json", "; ".join(map(str, fields)))
            messages = fields
        details = {"fields": messages}
        message = "The request has invalid fields." if status == 422 else message
    return error_response(status, _HTTP_CODES.get(status, "error"), message, details)


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` that stops at the largest INTEGER every database stores: a bigger id is a 404."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - Werkzeug's signature
        kwargs.setdefault("max", MAX_INT)
        super().__init__(map, *args, **kwargs)


def register_error_handlers(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedIntConverter

    @app.errorhandler(DataError)
    @app.errorhandler(OverflowError)
    def _out_of_range(error: Exception):
        # A value the database cannot store (a number too large...) that validation let through.
        db.session.rollback()
        log.warning("value refused by the database: %s", error)
        return error_response(422, "validation_error",
                              "A value cannot be stored or compared by the database (out of range or invalid).")

    @app.errorhandler(OperationalError)
    def _database_unavailable(error: OperationalError):
        # The database is down, locked or not set up: the client may retry; the operator must act.
        db.session.rollback()
        log.error("database unavailable: %s", error)
        return error_response(503, "database_unavailable", "The database is not available; try again later.")

    @app.errorhandler(StatementError)
    def _statement_error(error: StatementError):
        if isinstance(error.orig, OverflowError | ValueError):
            return _out_of_range(error)
        return _unexpected(error)

    @app.errorhandler(ApiError)
    def _api_error(error: ApiError):
        response = error_response(error.status, error.code, error.message, error.details)
        response.headers.update(error.headers)
        return response

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        return render_http_exception(error)

    @app.errorhandler(Exception)
    def _unexpected_error(error: Exception):
        return _unexpected(error)


def _unexpected(error: Exception):
    log.exception("unhandled error: %s", error)
    db.session.rollback()
    return error_response(500, "internal_error", "An unexpected error occurred; it is logged.")
