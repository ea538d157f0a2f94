"""flask-smorest wired to ShopDB's conventions: its errors rendered in the one format, its arguments
parsed by ``ShopdbParser``.

Imported by ``shopdb.api`` itself, so the parser is in place before any blueprint (core or plugin)
declares its arguments — flask-smorest reads ``ARGUMENTS_PARSER`` when a view is decorated.
"""

from __future__ import annotations

from flask_smorest import Api as _SmorestApi
from flask_smorest import Blueprint as _SmorestBlueprint

from .errors import render_http_exception
from .openapi import ErrorSchema
from .parsing import ShopdbParser


class Api(_SmorestApi):
    """flask-smorest's Api, rendering and documenting its errors in ShopDB's one error format."""

    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error):
        return render_http_exception(error)


# flask-smorest's documented extension point: every blueprint (core and plugins) parses with ours.
_SmorestBlueprint.ARGUMENTS_PARSER = ShopdbParser()
