"""printers: ip_address unique per site, enforced by the database; hostnames stored lower-case

Revision ID: 0002
Revises: 0001

``site_id`` (the asset's, kept equal by the foreign key (assetid, site_id) → assets ON UPDATE CASCADE)
makes ``UNIQUE (site_id, ip_address)`` possible (docs/adr/0008). Needs the core's revision 0002.
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
    refuse_duplicates("printers", "assetid", ["ip_address"], per_asset_site=True)
    lower_case_column("printers", "assetid", "hostname")  # refuses hostnames differing only by case
    copy_asset_site("printers")
    with op.batch_alter_table("printers") as batch:
        tie_to_asset_site(batch, "printers")
        create_unique(batch, "printers", "uq_printers_site_id_ip_address", ["site_id", "ip_address"])


def downgrade() -> None:
    with op.batch_alter_table("printers") as batch:
        batch.drop_constraint("uq_printers_site_id_ip_address", type_="unique")
        untie_from_asset_site(batch, "printers")
