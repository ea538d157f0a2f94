"""choices: open vocabularies (equipment types, PC types...) kept as data (issue 10 item 7, docs/adr/0013)

Revision ID: 0004
Revises: 0003

The columns are spelled out here, not taken from the model, so this revision keeps creating the table
as it was at 0004. A database whose baseline ran after the model gained the table (fresh installs,
ADR 0003) already has it and is left alone. The plugins fill it (``register_defaults``) when they are
installed, upgraded or started.
"""
import sqlalchemy as sa
from alembic import context, op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _exists() -> bool:
    return not context.is_offline_mode() and sa.inspect(op.get_bind()).has_table("choices")


def upgrade() -> None:
    if _exists():
        return
    op.create_table(
        "choices",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("set_name", sa.String(64), nullable=False),
        sa.Column("slug", sa.String(64), nullable=False),
        sa.Column("label", sa.String(120), nullable=False),
        sa.Column("plugin", sa.String(64), nullable=True),
        sa.Column("built_in", sa.Boolean(), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_choices"),
        sa.UniqueConstraint("set_name", "slug", name="uq_choices_set_name_slug"),
    )


def downgrade() -> None:
    op.drop_table("choices")
