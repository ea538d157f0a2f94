"""case-insensitive order: lists sort text by its case-folded key, and the list indexes hold the keys

Revision ID: 0009
Revises: 0008

Issue 13 item 4, docs/adr/0026. Adds ``assets.name_key`` (the case-folded name, filled by the model layer
on every write like ``asset_tag_key``), fills it for the rows already stored, and rebuilds the list
indexes of revision 0007 on the keys: ``(asset_tag_key, assetid)`` instead of ``(asset_tag, assetid)``, and
so on. The new indexes are created before the old ones go. Keys are computed in Python (``casefold``,
as the model does: SQL ``LOWER`` is ASCII-only on SQLite), a page of rows at a time; offline (``--sql``)
the script can only say ``LOWER(name)``, which is the same for the ASCII names most plants use.
"""
import sqlalchemy as sa
from alembic import context, op

from shopdb.core.models.keys import key_length, normal_key
from shopdb.plugins.key_migrations import add_key_column, has_column, swap_indexes

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

NAME_KEY_LENGTH = key_length(200)
PAGE = 5000

BY_TEXT = {
    "ix_assets_asset_tag_assetid": ["asset_tag", "assetid"],
    "ix_assets_name_assetid": ["name", "assetid"],
    "ix_assets_site_id_asset_tag_assetid": ["site_id", "asset_tag", "assetid"],
    "ix_assets_site_id_status_asset_tag_assetid": ["site_id", "status", "asset_tag", "assetid"],
    "ix_assets_status_asset_tag_assetid": ["status", "asset_tag", "assetid"],
    "ix_assets_asset_type_id_asset_tag_assetid": ["asset_type_id", "asset_tag", "assetid"],
    "ix_assets_location_id_asset_tag_assetid": ["location_id", "asset_tag", "assetid"],
}
BY_KEY = {
    "ix_assets_asset_tag_key_assetid": ["asset_tag_key", "assetid"],
    "ix_assets_name_key_assetid": ["name_key", "assetid"],
    "ix_assets_site_id_asset_tag_key_assetid": ["site_id", "asset_tag_key", "assetid"],
    "ix_assets_site_id_status_asset_tag_key_assetid": ["site_id", "status", "asset_tag_key", "assetid"],
    "ix_assets_status_asset_tag_key_assetid": ["status", "asset_tag_key", "assetid"],
    "ix_assets_asset_type_id_asset_tag_key_assetid": ["asset_type_id", "asset_tag_key", "assetid"],
    "ix_assets_location_id_asset_tag_key_assetid": ["location_id", "asset_tag_key", "assetid"],
}

assets = sa.table("assets", sa.column("assetid"), sa.column("name"), sa.column("name_key"))


def _fill_name_keys() -> None:
    """Every stored name's key, a page at a time (a plant of a million assets never sits in memory)."""
    if context.is_offline_mode():
        op.execute(assets.update().values(name_key=sa.func.lower(assets.c.name)))
        return
    bind = op.get_bind()
    update = (assets.update().where(assets.c.assetid == sa.bindparam("_id"))
              .values(name_key=sa.bindparam("_key")))
    last = 0
    while True:
        rows = bind.execute(sa.select(assets.c.assetid, assets.c.name).where(assets.c.assetid > last)
                            .order_by(assets.c.assetid).limit(PAGE)).all()
        if not rows:
            return
        bind.execute(update, [{"_id": assetid, "_key": normal_key([name])} for assetid, name in rows])
        last = rows[-1][0]


def upgrade() -> None:
    offline = context.is_offline_mode()
    if offline:
        op.add_column("assets", sa.Column("name_key", sa.String(NAME_KEY_LENGTH), nullable=True))
    elif has_column("assets", "name_key"):  # a baseline built from today's models has the keys already
        swap_indexes("assets", BY_KEY, BY_TEXT)
        return
    else:
        add_key_column("assets", "name_key", NAME_KEY_LENGTH)
    _fill_name_keys()
    if context.get_context().dialect.name != "sqlite":
        op.alter_column("assets", "name_key", existing_type=sa.String(NAME_KEY_LENGTH), nullable=False)
    swap_indexes("assets", BY_KEY, BY_TEXT)


def downgrade() -> None:
    swap_indexes("assets", BY_TEXT, BY_KEY)
    op.drop_column("assets", "name_key")
