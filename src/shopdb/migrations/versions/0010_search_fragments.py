"""search fragments: MariaDB finds any part of a word, as SQLite and PostgreSQL do

Revision ID: 0010
Revises: 0009

Issue 12 item 1, docs/adr/0018 (addendum). Adds ``search_documents.fragments`` (every database; only
MariaDB fills it): every suffix of three characters or more of each word of the document, marked so that
InnoDB indexes each one. On MariaDB the FULLTEXT index moves from ``content`` (word starts only: ``8266``
did not find ``p2-sf-08266``) to ``fragments``, and the documents are written again to fill them. A
database whose baseline already has the column and index (built from today's models) is only filled.
"""
import sqlalchemy as sa
from alembic import context, op

from shopdb.core.services import search_index
from shopdb.plugins.key_migrations import has_column, has_constraint

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TABLE = "search_documents"
WORD_STARTS = "ft_search_documents_content"
FRAGMENTS = "ft_search_documents_fragments"


def upgrade() -> None:
    offline = context.is_offline_mode()
    if offline or not has_column(TABLE, "fragments"):
        op.add_column(TABLE, sa.Column("fragments", sa.Text(), nullable=True))
    if context.get_context().dialect.name != "mysql":
        return
    if offline:
        op.execute(f"DROP INDEX {WORD_STARTS} ON {TABLE}")
        op.execute(f"CREATE FULLTEXT INDEX {FRAGMENTS} ON {TABLE} (fragments)")
        return  # ``shopdb search reindex`` fills the fragments
    if has_constraint(TABLE, WORD_STARTS):
        op.execute(f"DROP INDEX {WORD_STARTS} ON {TABLE}")
    if not has_constraint(TABLE, FRAGMENTS):
        op.execute(f"CREATE FULLTEXT INDEX {FRAGMENTS} ON {TABLE} (fragments)")
    search_index.rebuild(executor=op.get_bind())


def downgrade() -> None:
    if context.get_context().dialect.name == "mysql":
        op.execute(f"DROP INDEX {FRAGMENTS} ON {TABLE}")
        op.execute(f"CREATE FULLTEXT INDEX {WORD_STARTS} ON {TABLE} (content)")
    op.drop_column(TABLE, "fragments")
