"""Request bodies: what webargs' JSON loading lets through that no database can store.

Installed as flask-smorest's ``ARGUMENTS_PARSER`` (its documented extension point) for every
blueprint, the core's and the plugins'. A body nested too deeply to parse, or holding text with a
NUL character or a lone UTF-16 surrogate (valid JSON, not storable text), is malformed JSON: 400. (webargs reads an
empty ``doc`` as "no body", hence the placeholder.)
"""

from __future__ import annotations

import json
from typing import Any

from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request


def _bad_text(value: Any) -> bool:
    """True when some string in ``value`` cannot be stored as UTF-8 text by every database."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


class ShopdbParser(FlaskParser):
    def _raw_load_json(self, req) -> Any:
        if not is_json_request(req):
            return core.missing
        raw = req.get_data(cache=True)
        try:
            data = core.parse_json(raw)
        except RecursionError:
            raise json.JSONDecodeError("JSON nested too deeply", "<body>", 0) from None
        if _bad_text(data):
            raise json.JSONDecodeError("text must be valid Unicode without NUL characters", "<body>", 0)
        return data
