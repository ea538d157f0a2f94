"""``shopdb export`` and ``shopdb import``: the plant's assets out to a CSV/JSON file and back.

The logic lives in ``shopdb.core.services.transfer``; these commands read and write the files,
show progress and turn the outcome into a summary line and an exit code. The file format and the
import's rules (matching, all-or-nothing, ``--dry-run``, ``--skip-bad``) are in docs/IMPORT-EXPORT.md.

Both stream: export writes each record as it is read, import reads CSV and JSON Lines record by
record (a JSON list is parsed whole: use ``.jsonl`` for big files). Both end with their rate.
"""

from __future__ import annotations

import csv
import json
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import IO

import click
from flask.cli import with_appcontext

from ..api.errors import ApiError
from ..core.services import audit, table_statistics, transfer
from ..core.services.assets import asset_type_by_name
from ..core.services.transfer.layout import kind_of
from ..extensions import db
from .output import console, fail, progress, rate

# An import that creates this many assets has the database measure its tables again afterwards.
STATISTICS_AFTER = 1000

FORMATS = transfer.FORMATS


# -- export ------------------------------------------------------------------------------------------
@click.command("export")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="csv, json or jsonl (JSON Lines) (default: from the --output extension, else csv)")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="file to write (default: standard output)")
@click.option("--type", "type_name", default=None, help="only assets of this asset type")
@with_appcontext
def export_command(fmt: str | None, output: Path | None, type_name: str | None) -> None:
    """Export every asset with its plugin's fields (CSV: one column per field; JSON: a list of objects;
    JSON Lines: one object per line)."""
    fmt = fmt or _format_of(output)
    kinds = transfer.registered_kinds()
    if type_name:
        try:
            asset_type = asset_type_by_name(type_name)
        except ApiError:
            fail(f"unknown asset type {type_name!r}")
        kind = kind_of(asset_type.name, asset_type.plugin)
        kinds = [kind] if kind is not None else []
    total = transfer.count_assets(type_name)
    exporter = transfer.Exporter(type_name)
    handle = output.open("w", newline="", encoding="utf-8") if output else sys.stdout
    count = 0
    started = time.perf_counter()
    try:
        with progress() as bar:
            task = bar.add_task("export", total=total)
            if fmt == "csv":
                writer = csv.writer(handle)
                columns = transfer.csv_columns(kinds)
                writer.writerow(columns)
                page: list[list[str]] = []
                for cells in exporter.csv_rows(columns):
                    page.append(cells)
                    if len(page) == 500:
                        writer.writerows(page)
                        count += len(page)
                        page = []
                        bar.update(task, completed=count)
                writer.writerows(page)
                count += len(page)
            else:
                if fmt == "json":
                    handle.write("[")
                for record in exporter.records():
                    if fmt == "jsonl":
                        handle.write(json.dumps(record, ensure_ascii=False) + "\n")
                    else:
                        handle.write(("," if count else "") + "\n" + json.dumps(record, ensure_ascii=False))
                    count += 1
                    if count % 500 == 0:
                        bar.update(task, completed=count)
            bar.update(task, completed=count)
            if fmt == "json":
                handle.write("\n]\n")
    finally:
        if output:
            handle.close()
    for name, n in sorted(exporter.core_only.items()):
        console.print(f"warning: {n} {name} asset(s) written with their core fields only: the plugin that "
                      f"serves {name!r} is not enabled (import refuses them until it is)", style="yellow")
    if output:
        seconds = time.perf_counter() - started
        console.print(f"export: wrote {count:,} asset(s) to {output} in {seconds:.1f} s ({rate(count, seconds)})")


# -- import ------------------------------------------------------------------------------------------
@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="csv, json or jsonl (JSON Lines) (default: from the file's extension)")
@click.option("--dry-run", is_flag=True, help="validate every row exactly as the import would; write nothing")
@click.option("--skip-bad", is_flag=True, help="write the good rows even if some rows are bad")
@click.option("--as-user", default="import", show_default=True, help="name recorded in the audit log")
@with_appcontext
def import_command(file: Path, fmt: str | None, dry_run: bool, skip_bad: bool, as_user: str) -> None:
    """Import assets from a file `shopdb export` wrote (or one like it): create new ones, update the
    ones that differ (matched by site + asset_tag); all in one transaction."""
    fmt = fmt or _format_of(file)
    source = _Source(file)
    # The file is read as the import goes: an unreadable part (found late in a big file) ends it whole.
    with ExitStack() as stack:
        try:
            if fmt == "json":
                records = transfer.json_records(file.read_bytes())
            else:
                handle = stack.enter_context(file.open(newline="" if fmt == "csv" else None, encoding="utf-8-sig"))
                lines = source.lines(handle)
                records = transfer.csv_records(lines) if fmt == "csv" else transfer.jsonl_records(lines)
            records = transfer.with_rows(records)
            clock = time.perf_counter()
            audit.set_cli_actor(None, as_user)
            with progress() as bar:
                # Progress by the share of the file read: the number of records is not known before the end.
                task = bar.add_task("dry run" if dry_run else "import", total=source.size)
                report = transfer.run_import(records, text_cells=fmt == "csv", dry_run=dry_run, skip_bad=skip_bad,
                                             advance=lambda: bar.update(task, completed=source.read))
                bar.update(task, completed=source.size)
        except transfer.UnreadableFile as exc:
            fail(f"{file}: {exc}")
    seconds = time.perf_counter() - clock
    done = report.good + len(report.errors)
    for where, message in report.errors:
        console.print(f"{where}: {message}", markup=False)
    summary = _summary(report)
    bad = len(report.errors)
    if dry_run:
        console.print(f"dry run: {summary}; nothing written; {done:,} row(s) in {seconds:.1f} s "
                      f"({rate(done, seconds)})")
        if bad:
            fail(f"{bad} bad row(s); the import would write nothing (or, with --skip-bad, only the good rows)")
        return
    if not report.written:
        fail(f"{bad} bad row(s); nothing written (fix them, or pass --skip-bad to write the good rows)")
    console.print(f"import: {summary}" + (f"; the {bad} bad row(s) were skipped" if bad else "")
                  + f"; {done:,} row(s) in {seconds:.1f} s ({rate(done, seconds)})")
    if report.created >= STATISTICS_AFTER:
        # Many new rows: measured again, or the planner keeps planning the tables it saw (ADR 0019, add. 3).
        measured = table_statistics.refresh(db.engine)
        if measured:
            console.print(f"import: statistics of {len(measured)} table(s) refreshed")


def _summary(report: transfer.ImportReport) -> str:
    parts = [f"{report.created} created", f"{report.updated} updated", f"{report.unchanged} unchanged",
             f"{len(report.errors)} bad"]
    made = [f"{n} {what}{'s' if n != 1 else ''}" for what, n in report.places_created.items() if n]
    if made:
        parts.append("new " + ", ".join(made))
    return ", ".join(parts)


def _format_of(path: Path | None) -> str:
    return transfer.format_of(path.name if path is not None else None)


class _Source:
    """The file being imported, read line by line; ``read`` counts the characters read so far (the
    progress bar's position against ``size``, the file's length in bytes: close enough for a bar)."""

    def __init__(self, file: Path):
        self.file = file
        self.size = file.stat().st_size
        self.read = 0

    def lines(self, handle: IO[str]) -> Iterator[str]:
        for line in handle:
            self.read += len(line)
            yield line
