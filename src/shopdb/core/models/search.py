"""One search document per asset (docs/adr/0018-one-search-index.md).

``content`` is every searchable value of the asset — the core fields and what its plugin declared —
lower-cased, one line per field in the order ``field_names`` lists them (so the field a hit matched
is read back from the page's rows). ``exact_keys`` holds the values an exact hit ranks first on
(tag, hostname, IP, MAC), each between two newlines. ``site_id`` copies the asset's, so site scoping
(docs/adr/0017) restricts documents like any table with a ``site_id``.

The index over ``content`` is per database, and exists on both bootstrap paths (docs/adr/0004)
because the table's own DDL events create it:

* SQLite: an external-content FTS5 table ``search_fts`` with the ``trigram`` tokenizer, kept in
  step by triggers (so bulk ``INSERT ... SELECT`` and ``ON DELETE CASCADE`` keep it right too);
* PostgreSQL: a ``pg_trgm`` GIN index (the extension is created first);
* MariaDB: a FULLTEXT index over ``fragments`` — every word's suffixes of three characters or more,
  each marked (``x08266 x8266 x266``) — whose boolean-mode prefix matches (``+x8266*``) find any part of
  a word; the other databases leave ``fragments`` empty (ADR 0018, addendum).
"""

from __future__ import annotations

from sqlalchemy import DDL, ForeignKey, Index, Integer, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from ...extensions import db

FTS_TABLE = "search_fts"
LINE = "\n"  # separates fields in ``content`` and keys in ``exact_keys``


class SearchDocument(db.Model):
    """What ``/api/v1/search`` and every asset list's ``?q=`` look in; written only by ``search_index``."""

    __tablename__ = "search_documents"
    __table_args__ = (
        Index("ix_search_documents_content_trgm", "content", postgresql_using="gin",
              postgresql_ops={"content": "gin_trgm_ops"}).ddl_if(dialect="postgresql"),
        Index("ft_search_documents_fragments", "fragments", mysql_prefix="FULLTEXT").ddl_if(dialect="mysql"),
    )

    assetid: Mapped[int] = mapped_column(ForeignKey("assets.assetid", ondelete="CASCADE"), primary_key=True)
    site_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    asset_type_id: Mapped[int] = mapped_column(Integer, nullable=False)
    content: Mapped[str] = mapped_column(Text, nullable=False)
    exact_keys: Mapped[str] = mapped_column(Text, nullable=False)
    field_names: Mapped[str] = mapped_column(Text, nullable=False)
    fragments: Mapped[str | None] = mapped_column(Text, nullable=True)  # MariaDB only (see above)


# SQLite: the trigram FTS5 index reads ``content`` from ``search_documents`` (external content) and the
# triggers below keep it in step with every insert, update and delete, whoever runs it.
SQLITE_CREATE = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "content, content='search_documents', content_rowid='assetid', tokenize='trigram')",
    f"CREATE TRIGGER IF NOT EXISTS search_documents_ai AFTER INSERT ON search_documents BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, content) VALUES (new.assetid, new.content); END",
    f"CREATE TRIGGER IF NOT EXISTS search_documents_ad AFTER DELETE ON search_documents BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, content) VALUES ('delete', old.assetid, old.content); END",
    f"CREATE TRIGGER IF NOT EXISTS search_documents_au AFTER UPDATE ON search_documents BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, content) VALUES ('delete', old.assetid, old.content); "
    f"INSERT INTO {FTS_TABLE}(rowid, content) VALUES (new.assetid, new.content); END",
)
SQLITE_DROP = (f"DROP TABLE IF EXISTS {FTS_TABLE}",)
SQLITE_TRIGGERS = ("search_documents_ai", "search_documents_ad", "search_documents_au")
POSTGRES_CREATE = ("CREATE EXTENSION IF NOT EXISTS pg_trgm",)

for _statement in POSTGRES_CREATE:
    event.listen(SearchDocument.__table__, "before_create", DDL(_statement).execute_if(dialect="postgresql"))
for _statement in SQLITE_CREATE:
    event.listen(SearchDocument.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in SQLITE_DROP:
    event.listen(SearchDocument.__table__, "after_drop", DDL(_statement).execute_if(dialect="sqlite"))
