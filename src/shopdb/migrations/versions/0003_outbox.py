"""outbox: deliveries written with the change, sent by `shopdb worker` (issue 9 item 8, docs/adr/0006)

Revision ID: 0003
Revises: 0002

The columns are spelled out here, not taken from the model: this revision must keep creating the
table as it was at 0003 even after later revisions change the model. A database whose baseline ran
after the model gained the table (fresh installs, ADR 0003) already has it and is left alone.
"""
import sqlalchemy as sa
from alembic import context, op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BIGINT_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _exists() -> bool:
    return not context.is_offline_mode() and sa.inspect(op.get_bind()).has_table("outbox")


def upgrade() -> None:
    if _exists():
        return
    op.create_table(
        "outbox",
        sa.Column("id", BIGINT_PK, primary_key=True, autoincrement=True),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("dead_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sqlite_autoincrement=True,  # ids are receivers' keys to drop repeats: never hand one out twice
    )
    op.create_index("ix_outbox_next_attempt_at", "outbox", ["next_attempt_at"])
    op.create_index("ix_outbox_delivered_at", "outbox", ["delivered_at"])


def downgrade() -> None:
    op.drop_index("ix_outbox_delivered_at", table_name="outbox")
    op.drop_index("ix_outbox_next_attempt_at", table_name="outbox")
    op.drop_table("outbox")
