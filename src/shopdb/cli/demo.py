"""``shopdb demo``: placeholder until the demo generator lands."""

from __future__ import annotations

import click


@click.command("demo")
@click.option("--assets", default=200, show_default=True)
def demo_command(assets: int) -> None:
    """Create a believable demo plant."""
    raise click.ClickException("not yet")
