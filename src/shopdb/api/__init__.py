"""API conventions shared by the core and plugins: errors, envelopes, pagination, OpenAPI."""

from .errors import (
    ApiError,
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    PreconditionFailed,
    Unauthorized,
    ValidationFailed,
)
from .matches import search_matches
from .openapi import LIST_PARAMETERS, envelope, list_envelope
from .pagination import LIKE_ESCAPE, ListSpec, apply_list_args, like_pattern, list_response, paginate
from .responses import listing, no_content, single
from .smorest import Api

__all__ = [
    "ApiError", "BadRequest", "Conflict", "Forbidden", "NotFound", "PreconditionFailed",
    "Unauthorized", "ValidationFailed", "LIST_PARAMETERS", "envelope", "list_envelope",
    "LIKE_ESCAPE", "like_pattern", "ListSpec", "apply_list_args", "list_response", "paginate",
    "listing", "no_content", "single", "search_matches", "Api",
]
