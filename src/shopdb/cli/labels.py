"""``shopdb labels``: the labels of ``/api/v1/labels`` written to a file, for a print run from a shell.

Tags are matched as the database keeps them unique: per site, whatever the case. A tag used at two
sites prints both unless ``--site`` says which. There is no request here, so the address the QR codes
open is ``--url`` or ``SHOPDB_PUBLIC_URL``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from ..core.models import Asset, Site
from ..core.models.keys import normal_key
from ..core.services import label_fonts, labels
from ..extensions import db


@click.command("labels")
@click.option("--tag", "tags", multiple=True, metavar="TAG", help="an asset tag; repeat for several")
@click.option("--site", "site_code", metavar="CODE", help="only assets of this site (a tag is unique per site)")
@click.option("--format", "kind", type=click.Choice(labels.FORMATS), default="pdf", show_default=True)
@click.option("--paper", type=click.Choice(sorted(labels.SHEETS)), default="a4", show_default=True,
              help="the PDF's sheet")
@click.option("--skip", type=click.IntRange(0, labels.SHEETS["a4"].per_page - 1), default=0,
              help="label positions already used on the first sheet")
@click.option("--url", "base_url", metavar="URL", help="the address people open ShopDB at [SHOPDB_PUBLIC_URL]")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), required=True,
              help="the file to write; - for standard output")
@with_appcontext
def labels_command(tags: tuple[str, ...], site_code: str | None, kind: str, paper: str, skip: int,
                   base_url: str | None, output: str) -> None:
    """Print labels (QR code to the asset's page, tag, name, place) as a PDF sheet or ZPL."""
    base_url = base_url or current_app.config.get("SHOPDB_PUBLIC_URL")
    if not base_url:
        raise click.UsageError("Give --url (e.g. https://shopdb.plant.example) or set SHOPDB_PUBLIC_URL.")
    if not tags:
        raise click.UsageError("Name the assets: --tag TAG (repeat for several).")
    stmt = select(Asset).where(Asset.asset_tag_key.in_([normal_key([t]) for t in tags]))
    if site_code:
        stmt = stmt.join(Site, Site.id == Asset.site_id).where(Site.code_key == normal_key([site_code]))
    found = db.session.execute(stmt.order_by(Asset.site_id, Asset.assetid)).scalars().all()
    by_tag: dict[str, list[Asset]] = {}
    for asset in found:
        by_tag.setdefault(normal_key([asset.asset_tag]) or "", []).append(asset)
    missing = [t for t in tags if normal_key([t]) not in by_tag]
    if missing:
        raise click.ClickException(f"no asset tagged {', '.join(missing)}" + (f" at {site_code}" if site_code else ""))
    chosen = list({a.assetid: a for t in tags for a in by_tag[normal_key([t]) or ""]}.values())
    printed = labels.labels_for(chosen, base_url)
    if kind == "pdf":
        sheet = labels.pdf(printed, paper, skip, current_app.config.get("SHOPDB_LABEL_FONTS"))
        data = sheet.data
        tags = {label.assetid: label.tag for label in printed}
        for assetid, characters in sheet.undrawn.items():  # written all the same: the rest of the label is right
            click.echo(f"warning: {tags[assetid]}: no font draws {characters} ({label_fonts.code_points(characters)}), "
                       "printed as \ufffd; name a font that has them in SHOPDB_LABEL_FONTS", err=True)
    else:
        data = labels.zpl(printed, current_app.config.get("SHOPDB_ZPL_FONT")).encode()
    if output == "-":
        sys.stdout.buffer.write(data)
    else:
        Path(output).write_bytes(data)
        click.echo(f"{len(printed)} label(s) written to {output}", err=True)
