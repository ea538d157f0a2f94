"""list indexes: every list order of assets served by one index ending in the primary key

Revision ID: 0007
Revises: 0006

Issue 12 item 2, docs/adr/0019. The single-column indexes on ``asset_tag``, ``name``, ``status``,
``asset_type_id``, ``location_id`` and the ``(site_id, status)`` one become composites ending in
``assetid`` (the lists' tiebreak), so a page — first, last or by cursor at any depth — is one index range
scan with LIMIT and no sort. Each new index starts with the column of the one it replaces, so the
foreign keys MariaDB backs with an index keep one; the new ones are created before the old ones go.
Indexes are created only when missing: a database whose baseline ran after the models gained them
(fresh installs, ADR 0004) already has them.
"""

from shopdb.plugins.key_migrations import swap_indexes

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

LIST_INDEXES = {
    "ix_assets_asset_tag_assetid": ["asset_tag", "assetid"],
    "ix_assets_name_assetid": ["name", "assetid"],
    "ix_assets_site_id_asset_tag_assetid": ["site_id", "asset_tag", "assetid"],
    "ix_assets_site_id_status_asset_tag_assetid": ["site_id", "status", "asset_tag", "assetid"],
    "ix_assets_status_asset_tag_assetid": ["status", "asset_tag", "assetid"],
    "ix_assets_asset_type_id_asset_tag_assetid": ["asset_type_id", "asset_tag", "assetid"],
    "ix_assets_location_id_asset_tag_assetid": ["location_id", "asset_tag", "assetid"],
}
REPLACED = {
    "ix_assets_asset_tag": ["asset_tag"],
    "ix_assets_name": ["name"],
    "ix_assets_status": ["status"],
    "ix_assets_asset_type_id": ["asset_type_id"],
    "ix_assets_location_id": ["location_id"],
    "ix_assets_site_id_status": ["site_id", "status"],
}


def upgrade() -> None:
    swap_indexes("assets", LIST_INDEXES, REPLACED)


def downgrade() -> None:
    swap_indexes("assets", REPLACED, LIST_INDEXES)
