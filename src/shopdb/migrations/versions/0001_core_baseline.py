"""core baseline: sites, locations, asset types, assets, relationships, audit, users, tokens, plugin state

Revision ID: 0001
Revises:
"""
from shopdb.plugins.alembic_template import CORE_OWNER, create_tables_of, drop_tables_of

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_tables_of(CORE_OWNER)


def downgrade() -> None:
    drop_tables_of(CORE_OWNER)
