"""A refused row's message, split by the column it is about (the HTTP import's ``field``).

The importer words every refusal for an operator reading a terminal: ``status: Must be one of...``,
``name: ...; status: ...`` (several fields), ``hostname, ip: not a field of fixture assets``, or a
sentence that starts with the column (``asset_tag 'M-1' appears twice in the file ...``). Only a
prefix that is a column of the file format counts as a field; any other message is about the row.
"""

from __future__ import annotations

import re

from .reading import known_columns

_NAMES = re.compile(r"([a-z_][a-z0-9_]*(?:, [a-z_][a-z0-9_]*)*): (.*)", re.DOTALL)
_SENTENCE = re.compile(r"([a-z_][a-z0-9_]*) '")


def error_fields(message: str) -> list[tuple[str | None, str]]:
    """``(field or None, message)`` pairs for one refused row: one per field the message names."""
    columns = known_columns()
    parts = message.split("; ")
    named = [_NAMES.fullmatch(part) for part in parts]
    if not all(m is not None and set(m.group(1).split(", ")) <= columns for m in named):
        named, parts = [_NAMES.fullmatch(message)], [message]
    found: list[tuple[str | None, str]] = []
    for match, part in zip(named, parts, strict=True):
        if match is not None and set(match.group(1).split(", ")) <= columns:
            found.extend((name, match.group(2)) for name in match.group(1).split(", "))
            continue
        sentence = _SENTENCE.match(part)
        found.append((sentence.group(1) if sentence and sentence.group(1) in columns else None, part))
    return found
