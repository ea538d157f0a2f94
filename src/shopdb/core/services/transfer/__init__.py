"""Assets out and back in: ``shopdb export`` writes every asset of every type as flat records, and
``shopdb import`` reads them back through the same schemas and service layer as the API.

See docs/IMPORT-EXPORT.md for the file format and the rules; ``shopdb.cli.data`` holds the commands.
"""

from .export import Exporter, count_assets
from .importer import ImportReport, run_import
from .layout import cell_text, csv_columns, registered_kinds

__all__ = ["Exporter", "ImportReport", "cell_text", "count_assets", "csv_columns", "registered_kinds", "run_import"]
