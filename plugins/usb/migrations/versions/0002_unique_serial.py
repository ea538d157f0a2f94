"""usb: a serial is unique per model of stick (vendor_id, product_id), whatever its case

Revision ID: 0002
Revises: 0001

``serial_key`` folds (vendor_id, product_id, serial) into one column with a unique constraint; it is
NULL while the serial is unknown, so any number of sticks may lack one (docs/adr/0008, README).
Sticks that already share a serial are listed and nothing is changed.
"""
from alembic import op

from shopdb.plugins.toolkit import add_key_column, create_unique, key_length, planned_keys, write_keys

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

KEY_LENGTH = key_length(4, 4, 128)


def upgrade() -> None:
    planned = planned_keys("usb_devices", "assetid", ["vendor_id", "product_id", "serial"])
    add_key_column("usb_devices", "serial_key", KEY_LENGTH, nullable=True)
    write_keys("usb_devices", "assetid", "serial_key", planned, length=KEY_LENGTH, nullable=True)
    with op.batch_alter_table("usb_devices") as batch:
        create_unique(batch, "usb_devices", "uq_usb_devices_serial_key", ["serial_key"])


def downgrade() -> None:
    with op.batch_alter_table("usb_devices") as batch:
        batch.drop_constraint("uq_usb_devices_serial_key", type_="unique")
        batch.drop_column("serial_key")
