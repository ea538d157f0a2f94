"""live events: the table through which every worker hears of the changes the others saved

Revision ID: 0008
Revises: 0007

Issue 13 item 7, docs/adr/0021 (addendum). Without Redis, the database broker of ``shopdb.live``
appends each live event here after the change committed, and a poller in each worker reads what is
new by id. The columns are spelled out, not taken from the model, so this revision keeps creating
the table as it was at 0008. A database whose baseline ran after the model gained the table (fresh
installs, ADR 0004) already has it and is left alone.
"""
import sqlalchemy as sa
from alembic import context, op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BIGINT_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _exists() -> bool:
    return not context.is_offline_mode() and sa.inspect(op.get_bind()).has_table("live_events")


def upgrade() -> None:
    if _exists():
        return
    op.create_table(
        "live_events",
        sa.Column("id", BIGINT_PK, primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("site_ids", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_live_events"),
        sqlite_autoincrement=True,  # ids are the browsers' Last-Event-ID: never hand one out twice
    )


def downgrade() -> None:
    op.drop_table("live_events")
