"""computers: one site's PCs are read in hostname order from an index

Revision ID: 0004
Revises: 0003

The PC list is ordered by hostname, and a plant names its PCs by site (``p1-…``, ``p2-…``). Filtered to one
site (``?site_id=``, or a user limited to a site), every database walked the hostname index through the
other sites' PCs first: 100–280 ms a page at 814k assets. ``(site_id, hostname)`` serves that page and
its count (the list filters the site on this table's own copy of it, docs/adr/0008). The downgrade drops
it; no row changes.
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

INDEX = "ix_computers_site_id_hostname"


def upgrade() -> None:
    op.create_index(INDEX, "computers", ["site_id", "hostname"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name="computers")
