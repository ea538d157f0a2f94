"""usb baseline: the tables PLUGIN_TABLE_OWNERS gives this plugin, built from its models

Revision ID: 0001
Revises:
"""
from shopdb.plugins.toolkit import create_plugin_tables, drop_plugin_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_plugin_tables("usb")


def downgrade() -> None:
    drop_plugin_tables("usb")
