"""notifications: the notice list's order is read from an index

Revision ID: 0002
Revises: 0001

``/api/v1/notifications`` lists the newest first (``starts_at`` descending, then id). The index on
``(starts_at, ends_at)`` gave the first key only, so every page sorted the notices of its start time;
``(starts_at, id)``, read backwards, serves the order and its cursor pages. The downgrade drops it; no row
changes.
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

INDEX = "ix_notifications_starts_at_id"


def upgrade() -> None:
    op.create_index(INDEX, "notifications", ["starts_at", "id"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name="notifications")
