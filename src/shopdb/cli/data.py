"""``shopdb import`` / ``shopdb export``: placeholder."""

from __future__ import annotations

import click


@click.command("import")
@click.argument("file")
def import_command(file: str) -> None:
    """Import assets from CSV."""
    raise click.ClickException("not yet")


@click.command("export")
def export_command() -> None:
    """Export assets."""
    raise click.ClickException("not yet")
