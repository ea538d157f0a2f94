"""equipment: floor_plans, the image drawn under a site's floor map (issue 13 item 8)

Revision ID: 0004
Revises: 0003

The columns are spelled out here, not taken from the model, so this revision keeps creating the table
as it was at 0004. A database whose baseline ran after the model gained the table (fresh installs,
docs/adr/0003) already has it and is left alone. The image lives in the database (MariaDB: LONGBLOB,
as BLOB stops at 64 KB) so every worker serves it and every backup holds it. Markers keep their floor
coordinates: nothing is rewritten.
"""
import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import mysql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

IMAGE = sa.LargeBinary().with_variant(mysql.LONGBLOB(), "mysql")


def _exists() -> bool:
    return not context.is_offline_mode() and sa.inspect(op.get_bind()).has_table("floor_plans")


def upgrade() -> None:
    if _exists():
        return
    op.create_table(
        "floor_plans",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("content_type", sa.String(32), nullable=False),
        sa.Column("image", IMAGE, nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("floor_width", sa.Float(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.Column("uploaded_by", sa.String(64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_floor_plans"),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name="fk_floor_plans_site_id_sites", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["location_id"], ["locations.id"], name="fk_floor_plans_location_id_locations",
                                ondelete="SET NULL"),
        sa.UniqueConstraint("site_id", name="uq_floor_plans_site_id"),
        sa.CheckConstraint("width > 0 AND height > 0", name="ck_floor_plans_size"),
        sa.CheckConstraint("floor_width > 0", name="ck_floor_plans_floor_width"),
    )
    op.create_index("ix_floor_plans_location_id", "floor_plans", ["location_id"])


def downgrade() -> None:
    op.drop_table("floor_plans")
