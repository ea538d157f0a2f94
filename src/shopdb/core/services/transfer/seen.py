"""What an import has written so far, kept on disk: which tags (site, tag key) and which plugin values
appeared on which line, so a later duplicate names the earlier line (``line 4 of this file has it``)
however big the file is.

Dicts in memory grew by a few hundred bytes per row (a million-row file: gigabytes); this is a
private SQLite file in the temporary directory, with a small page cache, dropped at the end. The
importer keeps the current chunk in memory and moves it here once the chunk is settled.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterable
from pathlib import Path


class SeenIndex:
    def __init__(self) -> None:
        self._directory = tempfile.TemporaryDirectory(prefix="shopdb-import-")
        self._db = sqlite3.connect(Path(self._directory.name) / "seen.sqlite", isolation_level=None)
        self._db.executescript("""
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            PRAGMA cache_size = -4000;
            CREATE TABLE tags (site INTEGER NOT NULL, key TEXT NOT NULL, line TEXT NOT NULL,
                               PRIMARY KEY (site, key)) WITHOUT ROWID;
            CREATE TABLE value_holders (field TEXT NOT NULL, key TEXT NOT NULL, line TEXT NOT NULL,
                                        site INTEGER NOT NULL, type TEXT NOT NULL);
            CREATE INDEX value_holders_field_key ON value_holders (field, key);
        """)

    def close(self) -> None:
        self._db.close()
        self._directory.cleanup()

    # -- tags ----------------------------------------------------------------------------------------
    def add_tags(self, tags: Iterable[tuple[tuple[int, str], str]]) -> None:
        """``((site id, tag key), where)`` of written rows."""
        self._db.execute("BEGIN")
        self._db.executemany("INSERT OR IGNORE INTO tags VALUES (?, ?, ?)",
                             ((site, key, where) for (site, key), where in tags))
        self._db.execute("COMMIT")

    def tags_among(self, keys: Iterable[tuple[int, str]]) -> dict[tuple[int, str], str]:
        """Where each of ``keys`` was written, for those that were: per site, ``key IN (...)`` in pages
        (a range of primary-key lookups; SQLite does not use the key for a row-value ``IN`` list)."""
        by_site: dict[int, list[str]] = {}
        for site, key in set(keys):
            by_site.setdefault(site, []).append(key)
        found: dict[tuple[int, str], str] = {}
        for site, site_keys in by_site.items():
            for start in range(0, len(site_keys), 500):
                page = site_keys[start:start + 500]
                marks = ", ".join("?" * len(page))
                for key, line in self._db.execute(
                        f"SELECT key, line FROM tags WHERE site = ? AND key IN ({marks})",  # noqa: S608 - only marks
                        (site, *page)):
                    found[(site, key)] = line
        return found

    # -- plugin values -------------------------------------------------------------------------------
    def add_values(self, values: Iterable[tuple[tuple[str, str], str, int, str]]) -> None:
        """``((field, value key), where, site id, type name)`` of written rows."""
        self._db.execute("BEGIN")
        self._db.executemany("INSERT INTO value_holders VALUES (?, ?, ?, ?, ?)",
                             ((field, key, where, site, type_name)
                              for (field, key), where, site, type_name in values))
        self._db.execute("COMMIT")

    def value_holders(self, field: str, key: str) -> list[tuple[str, int, str]]:
        """``(where, site id, type name)`` of the rows that had ``key`` in ``field``, in file order."""
        return list(self._db.execute(
            "SELECT line, site, type FROM value_holders WHERE field = ? AND key = ? ORDER BY rowid", (field, key)))
