"""``shopdb search reindex``: rebuild every asset's search document (docs/adr/0018-one-search-index.md).

The service layer keeps documents in step with every write; a full rebuild is for after bulk loads
that write rows directly (``shopdb demo``, which calls ``reindex`` itself), after enabling or
disabling a plugin (its fields join or leave the documents) and after restoring a database.
"""

from __future__ import annotations

import datetime as dt
import time

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from ..core.models import Asset
from ..core.services import search_index
from ..extensions import db
from .output import console, progress, rate


def reindex(since: dt.datetime | None = None, quiet: bool = False) -> int:
    """Rebuild the documents of every asset (or of those written since ``since``) and commit, with a
    progress bar on stderr. Bulk commands call this once at their end."""
    started = time.perf_counter()
    ids = None
    if since is not None:
        ids = db.session.execute(select(Asset.assetid).where(Asset.updated_at >= since)).scalars().all()
    with progress() as bar:
        task = bar.add_task("search index", total=None)
        written = search_index.rebuild(ids, progress=lambda done, total: bar.update(task, completed=done,
                                                                                   total=total))
        db.session.commit()
    if not quiet:
        console.print(f"search index: {written:,} asset(s) indexed in {time.perf_counter() - started:.1f} s "
                      f"({rate(written, time.perf_counter() - started)})")
    return written


@click.group("search")
def search_group() -> None:
    """The search index behind /api/v1/search and every asset list's ?q=."""


@search_group.command("reindex")
@with_appcontext
def reindex_command() -> None:
    """Rebuild every asset's search document from the rows as they are now."""
    reindex()
