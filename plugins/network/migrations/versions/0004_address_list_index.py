"""network: the address list's order is read from an index

Revision ID: 0004
Revises: 0003

``/api/v1/network/ip-addresses`` lists by site, IP version and numeric address (``sort_key``, fixed-width
lower-case hex), then id. No index held that order, so every page sorted every address of the plant
(153 ms a page at 100k addresses on SQLite). ``(site_id, ip_version, sort_key, id)`` serves it and its
cursor pages. The downgrade drops it; no row changes.
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

INDEX = "ix_ip_addresses_site_id_ip_version_sort_key_id"


def upgrade() -> None:
    op.create_index(INDEX, "ip_addresses", ["site_id", "ip_version", "sort_key", "id"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name="ip_addresses")
