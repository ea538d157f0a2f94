"""search index: one search document per asset, indexed for substring search on each database

Revision ID: 0006
Revises: 0005

Issue 12 (docs/adr/0018-one-search-index.md). Creates ``search_documents`` with its index — SQLite: the
trigram FTS5 table ``search_fts`` and the triggers that keep it in step; PostgreSQL: ``pg_trgm`` and a
GIN index; MariaDB: a FULLTEXT index — through the table's own DDL (``shopdb.core.models.search``), the
same DDL a fresh install runs. Then fills it from the existing rows, set-based, with the fields of the
plugins the running app has enabled (without an app: the core fields; ``shopdb search reindex`` adds
the rest). A database whose baseline already made the table (a fresh install) is only filled.
"""
from alembic import context, op
from sqlalchemy import inspect
from sqlalchemy.schema import CreateTable, DropTable

from shopdb.core.models.search import SearchDocument
from shopdb.core.services import search_index

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TABLE = SearchDocument.__table__


def upgrade() -> None:
    if context.is_offline_mode():  # ``--sql``: the table; its index is per database, see the model
        op.execute(CreateTable(TABLE))
        return
    bind = op.get_bind()
    if TABLE.name not in inspect(bind).get_table_names():
        TABLE.create(bind)
    search_index.rebuild(executor=bind)


def downgrade() -> None:
    if context.is_offline_mode():
        op.execute(DropTable(TABLE))
        return
    TABLE.drop(op.get_bind())  # SQLite's FTS table goes with it (the model's after_drop DDL)
