"""The events of an import's written rows, kept on disk until the commit.

``asset_created`` and friends reach subscribers only after the transaction commits; a big import
would hold a million payloads in memory until then. The importer moves the events its chunks
queued (``writes.emit_after_commit`` and its own) into a temporary file as each chunk settles and
delivers them from there, one at a time, once the commit succeeded. A rolled-back import drops the
file: nothing is delivered.
"""

from __future__ import annotations

import pickle
import tempfile
from typing import Any

from .... import events
from ....extensions import db
from .. import writes


class EventSpool:
    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile(prefix="shopdb-import-events-")  # noqa: SIM115 - lives with the import
        self.count = 0
        self._page: list[tuple[str, dict[str, Any]]] = []  # this chunk's events, written as one pickle
        self._pages = 0

    def add(self, event: str, payload: dict[str, Any]) -> None:
        self._page.append((event, payload))
        self.count += 1

    def _flush(self) -> None:
        # One pickle per chunk, not per event: a pickle call per event cost more than the event's row.
        if self._page:
            pickle.dump(self._page, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self._pages += 1
            self._page = []

    def take_queued(self) -> None:
        """Move the events the session queued for after the commit (settled rows only) into the file."""
        queued = db.session.info.get(writes.PENDING_EVENTS)
        if queued:
            for event, payload in queued:
                self.add(event, payload)
            queued.clear()
        self._flush()

    def deliver(self) -> None:
        """After the commit: every spooled event to its subscribers, in the order the rows were written."""
        self._flush()
        self._file.seek(0)
        for _ in range(self._pages):
            for event, payload in pickle.load(self._file):  # noqa: S301 - our own file, written above
                events.emit(event, **payload)
        self.close()

    def close(self) -> None:
        self._file.close()
