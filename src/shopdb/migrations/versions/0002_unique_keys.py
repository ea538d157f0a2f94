"""unique keys enforced by the database: tags per site, site codes and usernames, whatever their case

Revision ID: 0002
Revises: 0001

Adds the normalised key columns ``assets.asset_tag_key``, ``sites.code_key``, ``users.username_key``
with their unique indexes, and the unique index on ``assets (assetid, site_id)`` that the plugins'
extension tables reference (docs/adr/0008). Rows are kept; if two of them differ only by case the
revision stops before changing anything and lists them.
"""
from alembic import op

from shopdb.core.models.keys import key_length
from shopdb.plugins.key_migrations import add_key_column, has_constraint, planned_keys, write_keys

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# table, primary key, source, key column, source length, scope
KEYS = (
    ("assets", "assetid", "asset_tag", "asset_tag_key", 64, ("site_id",)),
    ("sites", "id", "code", "code_key", 16, ()),
    ("users", "id", "username", "username_key", 64, ()),
)
INDEXES = {
    "assets": (("uq_assets_site_id_asset_tag_key", ["site_id", "asset_tag_key"]),),
    "sites": (("uq_sites_code_key", ["code_key"]),),
    "users": (("uq_users_username_key", ["username_key"]),),
}


def upgrade() -> None:
    # Every check first (reads only): MariaDB commits each DDL statement, so fail before the first one.
    planned = {table: planned_keys(table, pk, [source], scope=scope)
               for table, pk, source, _key, _length, scope in KEYS}
    # Plain unique indexes, not table constraints: SQLite adds them without copying the table, and
    # copying ``assets`` would cascade-delete its children (foreign keys are on inside the migration).
    for table, pk, _source, key, length, _scope in KEYS:
        add_key_column(table, key, key_length(length))
        write_keys(table, pk, key, planned[table], length=key_length(length))
        for name, columns in INDEXES[table]:
            if not has_constraint(table, name):
                op.create_index(name, table, columns, unique=True)
    if not has_constraint("assets", "uq_assets_assetid_site_id"):
        op.create_index("uq_assets_assetid_site_id", "assets", ["assetid", "site_id"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_assets_assetid_site_id", table_name="assets")
    for table, _pk, _source, key, _length, _scope in reversed(KEYS):
        for name, _columns in INDEXES[table]:
            op.drop_index(name, table_name=table)
        op.drop_column(table, key)
