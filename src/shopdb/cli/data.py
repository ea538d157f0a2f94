"""``shopdb import`` and ``shopdb export``: assets in bulk, as CSV (or JSON for export).

Import policy (SPEC §8): every row is validated first and errors are reported per row with its
line number. If any row is bad, **nothing is written** unless ``--skip-bad`` is given, which writes
the good rows only. ``--dry-run`` validates and reports without writing anything. Rows match
existing assets by (site code, asset_tag): a match is updated (audited, version bumped), anything
else is created. Only the core asset fields are imported; assets of a type a plugin owns must
already exist (their plugin fields are edited through the plugin's API).
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext
from marshmallow import ValidationError
from sqlalchemy import func, select

from ..api.errors import ApiError
from ..core.models import Asset, AssetType, Site
from ..core.schemas import AssetSchema
from ..core.services import assets as asset_service
from ..core.services import audit, writes
from ..extensions import db
from .output import console, fail, progress

EXPORT_FIELDS = ["assetid", "asset_tag", "name", "asset_type", "status", "site", "location_id",
                 "manufacturer", "model", "serial_number", "notes", "version", "updated_at"]
IMPORT_FIELDS = {"asset_tag", "name", "asset_type", "status", "site", "manufacturer", "model",
                 "serial_number", "notes"}
BATCH = 1000


def _validate_row(row: dict[str, str], sites: dict[str, int], schema: AssetSchema) -> dict[str, Any]:
    unknown = set(row) - IMPORT_FIELDS
    if unknown:
        raise ValueError(f"unknown column(s): {', '.join(sorted(unknown))}")
    site_code = (row.get("site") or "").strip()
    if site_code.lower() not in sites:
        raise ValueError(f"unknown site {site_code!r}")
    data = {k: (v.strip() if v is not None else None) for k, v in row.items() if k != "site" and v not in ("", None)}
    data["site_id"] = sites[site_code.lower()]
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise ValueError("; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in exc.messages.items())) from None


def _apply(data: dict[str, Any]) -> str:
    type_name = data.pop("asset_type")
    existing = db.session.execute(select(Asset).where(
        Asset.site_id == data["site_id"], Asset.asset_tag == data["asset_tag"])).scalar_one_or_none()
    if existing is not None:
        if existing.asset_type.name != type_name:
            raise ValueError(f"{data['asset_tag']} exists as a {existing.asset_type.name}, not a {type_name}")
        asset_service.update_asset(existing, data)
        return "updated"
    asset_type = asset_service.asset_type_by_name(type_name)
    if asset_type.plugin:
        raise ValueError(f"{type_name!r} assets are created through /api/v1/{asset_type.plugin}")
    asset_service.create_asset(data, type_name=type_name)
    return "created"


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="validate and report; write nothing")
@click.option("--skip-bad", is_flag=True, help="write the good rows even if some rows are bad")
@click.option("--as-user", default="import", show_default=True, help="name recorded in the audit log")
@with_appcontext
def import_command(file: Path, dry_run: bool, skip_bad: bool, as_user: str) -> None:
    """Import assets from a CSV file with a header row (see `shopdb export` for the columns)."""
    audit.set_cli_actor(None, as_user)
    try:
        with file.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except (UnicodeDecodeError, csv.Error) as exc:
        fail(f"{file}: not a readable UTF-8 CSV file ({exc})")
    if not rows:
        fail(f"{file}: no rows (a header row and at least one data row are needed)")
    sites = {s.code.lower(): s.id for s in db.session.execute(select(Site)).scalars()}
    schema = AssetSchema()
    valid: list[tuple[int, dict]] = []
    errors: list[tuple[int, str]] = []
    seen: set[tuple[int, str]] = set()
    for line, row in enumerate(rows, start=2):
        try:
            data = _validate_row(row, sites, schema)
            key = (data["site_id"], data["asset_tag"].lower())
            if key in seen:
                raise ValueError(f"asset_tag {data['asset_tag']!r} appears twice in the file")
            seen.add(key)
            valid.append((line, data))
        except ValueError as exc:
            errors.append((line, str(exc)))
    for line, message in errors[:50]:
        console.print(f"line {line}: {message}")
    if len(errors) > 50:
        console.print(f"... and {len(errors) - 50} more bad rows")
    if dry_run:
        console.print(f"dry run: {len(valid)} good row(s), {len(errors)} bad row(s); nothing written")
        sys.exit(1 if errors else 0)
    if errors and not skip_bad:
        fail(f"{len(errors)} bad row(s); nothing written (fix them, or pass --skip-bad to write the good rows)")
    outcome = {"created": 0, "updated": 0}
    with progress() as bar:
        task = bar.add_task("import", total=len(valid))
        for start in range(0, len(valid), BATCH):
            chunk = valid[start:start + BATCH]
            try:
                with writes.transaction():
                    for line, data in chunk:
                        try:
                            outcome[_apply(dict(data))] += 1
                        except (ValueError, ApiError) as exc:
                            raise ValueError(f"line {line}: {getattr(exc, 'message', exc)}") from None
            except (ValueError, ApiError) as exc:
                fail(f"{exc}; rows before line {chunk[0][0]} were written, this batch was not")
            bar.update(task, advance=len(chunk))
    console.print(f"import: {outcome['created']} created, {outcome['updated']} updated, "
                  f"{len(errors)} bad row(s) skipped")


def _rows(type_name: str | None):
    """Assets in assetid order, fetched by keyset pagination (flat cost per batch at any size)."""
    last = 0
    while True:
        stmt = (select(Asset, AssetType.name, Site.code).join(AssetType).join(Site, Site.id == Asset.site_id)
                .where(Asset.assetid > last).order_by(Asset.assetid).limit(BATCH))
        if type_name:
            stmt = stmt.where(AssetType.name == type_name)
        batch = db.session.execute(stmt).all()
        if not batch:
            return
        for asset, kind, site_code in batch:
            yield {"assetid": asset.assetid, "asset_tag": asset.asset_tag, "name": asset.name,
                   "asset_type": kind, "status": asset.status, "site": site_code,
                   "location_id": asset.location_id, "manufacturer": asset.manufacturer,
                   "model": asset.model, "serial_number": asset.serial_number, "notes": asset.notes,
                   "version": asset.version, "updated_at": asset.updated_at.isoformat()}
        last = batch[-1][0].assetid
        db.session.expunge_all()


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="file to write (default: standard output)")
@click.option("--type", "type_name", default=None, help="only assets of this asset type")
@with_appcontext
def export_command(fmt: str, output: Path | None, type_name: str | None) -> None:
    """Export every asset (core fields) as CSV or JSON."""
    stmt = select(func.count()).select_from(Asset)
    if type_name:
        stmt = stmt.join(AssetType).where(AssetType.name == type_name)
    total = db.session.execute(stmt).scalar_one()
    handle = output.open("w", newline="", encoding="utf-8") if output else sys.stdout
    count = 0
    try:
        with progress() as bar:
            task = bar.add_task("export", total=total)
            if fmt == "csv":
                writer = csv.DictWriter(handle, fieldnames=EXPORT_FIELDS)
                writer.writeheader()
            else:
                handle.write("[")
            for row in _rows(type_name):
                if fmt == "csv":
                    writer.writerow(row)
                else:
                    handle.write(("," if count else "") + "\n" + json.dumps(row))
                count += 1
                if count % BATCH == 0:
                    bar.update(task, completed=count)
            bar.update(task, completed=count)
            if fmt == "json":
                handle.write("\n]\n")
    finally:
        if output:
            handle.close()
    if output:
        console.print(f"export: wrote {count} asset(s) to {output}")
