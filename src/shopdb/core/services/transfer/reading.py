"""The files an import reads: CSV, a JSON list, JSON Lines — turned into ``(where, record)`` pairs.

``shopdb import`` and ``POST /api/v1/import`` both read through here, so a file means the same
thing whichever way it comes in. A file that cannot be read at all (not UTF-8, not the format, an
unknown or repeated column, no rows) raises ``UnreadableFile``; it may do so part-way through a
big file, while ``run_import`` is consuming it, which rolls the import back whole.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from itertools import chain
from typing import Any

from .layout import CORE_COLUMNS, META_COLUMNS, REFERENCE_COLUMNS, registered_kinds

FORMATS = ("csv", "json", "jsonl")
Records = Iterator[tuple[str, dict[str, Any]]]


class UnreadableFile(ValueError):
    """The file as a whole is refused (the message says why); nothing is written."""


def format_of(filename: str | None) -> str:
    """The format a file's name says: ``.jsonl``/``.ndjson``, ``.json``, anything else CSV."""
    name = (filename or "").lower()
    return "jsonl" if name.endswith((".jsonl", ".ndjson")) else "json" if name.endswith(".json") else "csv"


def known_columns() -> set[str]:
    """Every column a CSV header may name: the core's and those of every enabled plugin's kind."""
    known = {*CORE_COLUMNS, *REFERENCE_COLUMNS, *META_COLUMNS}
    for kind in registered_kinds():
        known.update(kind.columns)
    return known


def check_header(header: list[str]) -> None:
    unknown = [h for h in header if h not in known_columns()]
    if unknown:
        raise UnreadableFile(f"line 1: unknown column(s): {', '.join(unknown)}; nothing written")
    twice = sorted({h for h in header if header.count(h) > 1})
    if twice:
        raise UnreadableFile(f"line 1: column(s) named twice: {', '.join(twice)}; nothing written")


def csv_records(lines: Iterable[str]) -> Records:
    """Records with the line each starts on (a quoted value may span lines), one at a time.

    ``lines``: text lines read with ``newline=""`` and ``utf-8-sig`` (a decoding error surfaces here)."""
    try:
        reader = csv.reader(lines)
        header = [h.strip() for h in next(reader, [])]
        if not header:
            return
        check_header(header)
        start = reader.line_num + 1
        for values in reader:
            if any(v.strip() for v in values):
                record: dict[Any, Any] = dict(zip(header, values, strict=False))
                if len(values) > len(header):
                    record[None] = values[len(header):]
                yield f"line {start}", record
            start = reader.line_num + 1
    except (UnicodeDecodeError, csv.Error) as exc:
        raise UnreadableFile(f"not a readable UTF-8 CSV file ({exc})") from None


def json_records(raw: bytes) -> Records:
    """Items of a JSON list with their index (``index 0`` is the first); the list is parsed whole."""
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except ValueError as exc:  # UnicodeDecodeError is one
        raise UnreadableFile(f"not a readable UTF-8 JSON file ({exc})") from None
    if not isinstance(data, list):
        raise UnreadableFile("expected a JSON list of asset objects")
    return ((f"index {i}", item) for i, item in enumerate(data))


def jsonl_records(lines: Iterable[str]) -> Records:
    """JSON Lines: one object per line, read one at a time; blank lines are skipped."""
    try:
        for number, line in enumerate(lines, start=1):
            if line.strip():
                try:
                    yield f"line {number}", json.loads(line)
                except ValueError as exc:
                    raise UnreadableFile(f"line {number}: not a JSON object ({exc}); nothing written") from None
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"not a readable UTF-8 file ({exc})") from None


def with_rows(records: Records) -> Records:
    """``records`` unchanged, once it is known to hold at least one (reads the header and first row)."""
    first = next(records, None)
    if first is None:
        raise UnreadableFile("no rows (a header row and at least one data row are needed)")
    return chain([first], records)
