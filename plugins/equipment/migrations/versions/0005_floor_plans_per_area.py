"""equipment: a floor plan per site and per area (issue 13: "a floor-plan image per site/area")

Revision ID: 0005
Revises: 0004

Until 0004 a site had one plan (``UNIQUE (site_id)``) and ``location_id`` only said which hall it
showed. Now a site has one plan of its whole floor (``location_id`` NULL) and one per area. NULLs
repeat in a UNIQUE constraint on every database, so ``area_key`` — the location's id, 0 for the whole
site — carries ``UNIQUE (site_id, area_key)`` (docs/adr/0008). ``origin_x``/``origin_y`` say where an
area's drawing lies on the site's floor, so a machine keeps one position for every plan.

Every existing plan stays the site's whole-floor plan — that is what the floor map drew it as — so its
``location_id`` is cleared (it was a caption, not an address). ``location_id`` now cascades: a deleted
area takes its drawing with it instead of turning it into a second whole-site plan.

Downgrade: only the whole-site plans survive (a site had room for one); area plans are deleted.
"""
import sqlalchemy as sa
from alembic import op

from shopdb.plugins.toolkit import create_unique, has_column

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SITE_UNIQUE = "uq_floor_plans_site_id"
AREA_UNIQUE = "uq_floor_plans_site_id_area_key"
LOCATION_FK = "fk_floor_plans_location_id_locations"
ORIGIN_CHECK = "origin"  # ck_floor_plans_origin by the naming convention


def upgrade() -> None:
    if has_column("floor_plans", "area_key"):
        return  # created by a baseline that ran after the model gained the columns (docs/adr/0003)
    plans = sa.table("floor_plans", sa.column("location_id", sa.Integer))
    op.execute(plans.update().values(location_id=None))
    with op.batch_alter_table("floor_plans") as batch:
        batch.add_column(sa.Column("area_key", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("origin_x", sa.Float(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("origin_y", sa.Float(), nullable=False, server_default="0"))
    with op.batch_alter_table("floor_plans") as batch:
        # The models carry no server defaults: the model layer fills every write.
        batch.alter_column("area_key", server_default=None, existing_type=sa.Integer(), existing_nullable=False)
        batch.alter_column("origin_x", server_default=None, existing_type=sa.Float(), existing_nullable=False)
        batch.alter_column("origin_y", server_default=None, existing_type=sa.Float(), existing_nullable=False)
        # The new unique first: its index (site_id leading) serves the site's foreign key on MariaDB,
        # which refuses to drop the old one while it is the only index there.
        create_unique(batch, "floor_plans", AREA_UNIQUE, ["site_id", "area_key"])
        batch.drop_constraint(SITE_UNIQUE, type_="unique")
        batch.drop_constraint(LOCATION_FK, type_="foreignkey")
        batch.create_foreign_key(LOCATION_FK, "locations", ["location_id"], ["id"], ondelete="CASCADE")
        batch.create_check_constraint(ORIGIN_CHECK, "origin_x >= 0 AND origin_y >= 0")


def downgrade() -> None:
    plans = sa.table("floor_plans", sa.column("location_id", sa.Integer))
    op.execute(plans.delete().where(plans.c.location_id.is_not(None)))
    with op.batch_alter_table("floor_plans") as batch:
        batch.drop_constraint(ORIGIN_CHECK, type_="check")
        batch.drop_constraint(LOCATION_FK, type_="foreignkey")
        batch.create_foreign_key(LOCATION_FK, "locations", ["location_id"], ["id"], ondelete="SET NULL")
        batch.create_unique_constraint(SITE_UNIQUE, ["site_id"])
        batch.drop_constraint(AREA_UNIQUE, type_="unique")
        batch.drop_column("origin_y")
        batch.drop_column("origin_x")
        batch.drop_column("area_key")
