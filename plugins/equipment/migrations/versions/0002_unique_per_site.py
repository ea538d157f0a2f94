"""equipment: machine_number unique per site whatever its case, enforced by the database

Revision ID: 0002
Revises: 0001

``site_id`` (the asset's, kept equal by the foreign key (assetid, site_id) → assets ON UPDATE CASCADE)
and the folded ``machine_number_key`` make ``UNIQUE (site_id, machine_number_key)`` possible
(docs/adr/0008). Needs the core's revision 0002. Rows that already break the rule are listed and
nothing is changed.
"""
from alembic import op

from shopdb.plugins.toolkit import (
    add_key_column,
    copy_asset_site,
    create_unique,
    key_length,
    planned_keys,
    require_core_keys,
    tie_to_asset_site,
    untie_from_asset_site,
    write_keys,
)

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

KEY_LENGTH = key_length(32)


def upgrade() -> None:
    require_core_keys()
    planned = planned_keys("equipment", "assetid", ["machine_number"], per_asset_site=True)
    copy_asset_site("equipment")
    add_key_column("equipment", "machine_number_key", KEY_LENGTH)
    write_keys("equipment", "assetid", "machine_number_key", planned, length=KEY_LENGTH)
    with op.batch_alter_table("equipment") as batch:
        tie_to_asset_site(batch, "equipment")
        create_unique(batch, "equipment", "uq_equipment_site_id_machine_number_key",
                                       ["site_id", "machine_number_key"])


def downgrade() -> None:
    with op.batch_alter_table("equipment") as batch:
        batch.drop_constraint("uq_equipment_site_id_machine_number_key", type_="unique")
        batch.drop_column("machine_number_key")
        untie_from_asset_site(batch, "equipment")
