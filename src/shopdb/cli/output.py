"""Console output for commands: one console, clear one-line failures, progress bars."""

from __future__ import annotations

import sys

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

console = Console(highlight=False, soft_wrap=True)


def fail(message: str, code: int = 1) -> None:
    """Print ``Error: message`` to stderr and exit non-zero (no traceback for operator mistakes)."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=Console(stderr=True), transient=False,
    )


def rate(count: int, seconds: float) -> str:
    """``24,300/s``: the figure bulk commands end with (what the bench reads)."""
    return f"{count / seconds:,.0f}/s" if seconds > 0 else "-/s"
