"""computers: primary_ip unique per site, enforced by the database; hostnames stored lower-case

Revision ID: 0002
Revises: 0001

``site_id`` (the asset's, kept equal by the foreign key (assetid, site_id) → assets ON UPDATE CASCADE)
makes ``UNIQUE (site_id, primary_ip)`` possible (docs/adr/0008). Needs the core's revision 0002.
Rows that already break a rule are listed and nothing is changed.
"""
from alembic import op

from shopdb.plugins.toolkit import (
    copy_asset_site,
    create_unique,
    lower_case_column,
    refuse_duplicates,
    require_core_keys,
    tie_to_asset_site,
    untie_from_asset_site,
)

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    require_core_keys()
    refuse_duplicates("computers", "assetid", ["primary_ip"], per_asset_site=True)
    lower_case_column("computers", "assetid", "hostname")  # refuses hostnames differing only by case
    copy_asset_site("computers")
    with op.batch_alter_table("computers") as batch:
        tie_to_asset_site(batch, "computers")
        create_unique(batch, "computers", "uq_computers_site_id_primary_ip", ["site_id", "primary_ip"])


def downgrade() -> None:
    with op.batch_alter_table("computers") as batch:
        batch.drop_constraint("uq_computers_site_id_primary_ip", type_="unique")
        untie_from_asset_site(batch, "computers")
