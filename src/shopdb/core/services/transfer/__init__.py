"""Assets out and back in: ``shopdb export`` writes every asset of every type as flat records, and
``shopdb import`` (or ``POST /api/v1/import``) reads them back through the same schemas and service
layer as the API.

See docs/IMPORT-EXPORT.md for the file format and the rules; ``shopdb.cli.data`` holds the commands,
``shopdb.core.api.imports`` the HTTP endpoint.
"""

from .export import Exporter, count_assets
from .importer import ImportPermits, ImportReport, run_import
from .layout import cell_text, csv_columns, registered_kinds
from .messages import error_fields
from .reading import (
    FORMATS,
    UnreadableFile,
    csv_records,
    format_of,
    json_records,
    jsonl_records,
    with_rows,
)

__all__ = ["FORMATS", "Exporter", "ImportPermits", "ImportReport", "UnreadableFile", "cell_text", "count_assets",
           "csv_columns", "csv_records", "error_fields", "format_of", "json_records", "jsonl_records",
           "registered_kinds", "run_import", "with_rows"]
