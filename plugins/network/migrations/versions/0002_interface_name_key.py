"""network: an interface name is unique per device whatever its case; a management IP per site

Revision ID: 0002
Revises: 0001

Replaces ``UNIQUE (device_assetid, name)`` by ``UNIQUE (device_assetid, name_key)``, ``name_key`` the
folded name, and adds ``network_devices.site_id`` (the asset's, kept equal by the foreign key
(assetid, site_id) → assets ON UPDATE CASCADE) with ``UNIQUE (site_id, mgmt_ip)`` (docs/adr/0008).
Needs the core's revision 0002. Rows that already break a rule are listed and nothing is changed.
"""
from alembic import op

from shopdb.plugins.toolkit import (
    add_key_column,
    copy_asset_site,
    create_unique,
    has_constraint,
    key_length,
    planned_keys,
    refuse_duplicates,
    require_core_keys,
    tie_to_asset_site,
    untie_from_asset_site,
    write_keys,
)

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

KEY_LENGTH = key_length(64)


def upgrade() -> None:
    require_core_keys()
    refuse_duplicates("network_devices", "assetid", ["mgmt_ip"], per_asset_site=True)
    planned = planned_keys("interfaces", "id", ["name"], scope=["device_assetid"])
    add_key_column("interfaces", "name_key", KEY_LENGTH)
    write_keys("interfaces", "id", "name_key", planned, length=KEY_LENGTH)
    with op.batch_alter_table("interfaces") as batch:
        # The new one first: on MariaDB the device's foreign key needs an index led by device_assetid.
        create_unique(batch, "interfaces", "uq_interfaces_device_assetid_name_key", ["device_assetid", "name_key"])
        if has_constraint("interfaces", "uq_interfaces_device_assetid_name"):
            batch.drop_constraint("uq_interfaces_device_assetid_name", type_="unique")
    copy_asset_site("network_devices")
    with op.batch_alter_table("network_devices") as batch:
        tie_to_asset_site(batch, "network_devices")
        create_unique(batch, "network_devices", "uq_network_devices_site_id_mgmt_ip", ["site_id", "mgmt_ip"])


def downgrade() -> None:
    with op.batch_alter_table("network_devices") as batch:
        batch.drop_constraint("uq_network_devices_site_id_mgmt_ip", type_="unique")
        untie_from_asset_site(batch, "network_devices")
    with op.batch_alter_table("interfaces") as batch:
        create_unique(batch, "interfaces", "uq_interfaces_device_assetid_name", ["device_assetid", "name"])
        batch.drop_constraint("uq_interfaces_device_assetid_name_key", type_="unique")
        batch.drop_column("name_key")
