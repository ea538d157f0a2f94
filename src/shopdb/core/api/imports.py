"""``POST /api/v1/import``: the file ``shopdb export`` writes, imported over HTTP (issue 13, the UI's import).

The same reading and the same import as ``shopdb import`` (``shopdb.core.services.transfer``): every
row through the API's schemas and rules, in one transaction, all or nothing (no ``--skip-bad``
here: a file with a refused row writes nothing). ``dry_run`` (the default) checks and rolls back.
What the CLI's operator may do and an API user may not is the ``ImportPermits``: only an admin
creates the sites and asset types a file names; a user limited to sites imports only their rows.
The writes are audited as the requesting user's, as any API write.

The upload is read as it is imported (a temporary file beyond a few hundred kB), up to
``SHOPDB_IMPORT_MAX_BYTES`` instead of the app's small ``MAX_CONTENT_LENGTH``.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from flask import current_app, request
from flask_smorest import Blueprint
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge

from ...api import BadRequest, envelope, single
from ...api.errors import ApiError
from ...api.pagination import refuse_unknown_args
from ...auth import current_user, require_role
from ..schemas.imports import ImportResultSchema
from ..services import transfer

blp = Blueprint("imports", __name__, url_prefix="/api/v1/import",
                description="Assets from a file as `shopdb export` writes it (CSV, JSON, JSON Lines)")

DEFAULT_MAX_BYTES = 32 * 1024 * 1024
MAX_ERRORS = 1000  # a file of bad rows still answers in a size a browser shows
TRUE, FALSE = frozenset({"true", "1", "yes"}), frozenset({"false", "0", "no"})
PARAMETERS = [
    {"in": "query", "name": "dry_run", "schema": {"type": "boolean", "default": True},
     "description": "`true` (the default): check every row exactly as the import would and write nothing; "
                    "`false`: import (nothing is written if any row is refused)"},
]
REQUEST_BODY = {
    "required": True,
    "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file"],
        "properties": {"file": {"type": "string", "format": "binary", "description":
                                "UTF-8 CSV with a header row (`.json`: a JSON list, `.jsonl`: JSON Lines, by the "
                                "file name), the columns of docs/IMPORT-EXPORT.md"}},
    }}},
}


class PayloadTooLarge(ApiError):
    status, code = 413, "payload_too_large"


def _bad_file(message: str) -> BadRequest:
    return BadRequest(message, {"fields": {"file": [message]}})


def _dry_run() -> bool:
    raw = request.args.get("dry_run", "true").strip().lower()
    if raw not in TRUE | FALSE:
        message = "'dry_run' is true or false."
        raise BadRequest(message, {"fields": {"dry_run": [message]}})
    return raw in TRUE


def _upload() -> FileStorage:
    limit = int(current_app.config.get("SHOPDB_IMPORT_MAX_BYTES") or DEFAULT_MAX_BYTES)
    request.max_content_length = limit  # this view's own cap (Flask 3.1), above the app's MAX_CONTENT_LENGTH
    try:
        upload = request.files.get("file")
    except RequestEntityTooLarge:
        raise PayloadTooLarge(f"The file is larger than {limit:,} bytes; import it with `shopdb import` on "
                              "the server, or in parts.", {"max_bytes": limit}) from None
    if upload is None:
        raise _bad_file("Send the file as the multipart/form-data part 'file'.")
    return upload


def _records(upload: FileStorage, fmt: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if fmt == "json":
        return transfer.json_records(upload.stream.read())
    lines = io.TextIOWrapper(upload.stream, encoding="utf-8-sig", newline="" if fmt == "csv" else None)
    return transfer.csv_records(lines) if fmt == "csv" else transfer.jsonl_records(lines)


def _errors(report: transfer.ImportReport) -> list[dict[str, Any]]:
    found = []
    for where, message in report.errors:
        line = int(where.removeprefix("line ")) if where.startswith("line ") else None
        for field, text in transfer.error_fields(message):
            found.append({"line": line, "where": where, "field": field, "message": text})
    return found[:MAX_ERRORS]


@blp.route("", methods=["POST"])
@require_role("editor")
@blp.doc(parameters=PARAMETERS, requestBody=REQUEST_BODY)
@blp.response(200, envelope(ImportResultSchema))
def import_assets():
    """Import assets from a file (dry run by default): creates new ones and updates those that differ,
    matched by site + asset_tag; every refused row is reported with its line and field."""
    refuse_unknown_args({"dry_run"})
    dry_run = _dry_run()
    upload = _upload()
    fmt = transfer.format_of(upload.filename)
    user = current_user()
    site_ids = frozenset(site.id for site in user.sites) or None
    permits = transfer.ImportPermits(create_sites=user.has_role("admin") and site_ids is None,
                                     create_asset_types=user.has_role("admin"), site_ids=site_ids)
    try:
        report = transfer.run_import(transfer.with_rows(_records(upload, fmt)), text_cells=fmt == "csv",
                                     dry_run=dry_run, permits=permits)
    except transfer.UnreadableFile as exc:
        raise _bad_file(str(exc)) from None
    return single({
        "rows": report.good + len(report.errors), "created": report.created, "updated": report.updated,
        "unchanged": report.unchanged, "refused": len(report.errors), "written": report.written,
        "dry_run": dry_run, "places_created": report.places_created, "errors": _errors(report),
    })
