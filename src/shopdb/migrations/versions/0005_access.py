"""access: where a user's password is checked, ending sessions, token scope and use, who did what from where

Revision ID: 0005
Revises: 0004

Issue 11 (deny by default). Adds ``users.auth_source`` (local or ldap) and ``users.session_epoch``
(raised to end a user's sessions), ``api_tokens.write_enabled``/``last_used_address``/``revoked_at``,
and ``audit_log.site_id``/``address`` with an index for reading one site's history. Existing audit rows
get the site of their asset where the asset still exists. Every column is added only when missing:
a database whose baseline ran after the models gained them (fresh installs, ADR 0003) already has them.
"""
import sqlalchemy as sa
from alembic import context, op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _columns() -> dict[str, tuple[sa.Column, ...]]:
    """Fresh ``Column`` objects per call: alembic binds each one to a table."""
    return {
        "users": (
            sa.Column("auth_source", sa.String(16), nullable=False, server_default="local"),
            sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="1"),
        ),
        "api_tokens": (
            sa.Column("last_used_address", sa.String(45), nullable=True),
            sa.Column("write_enabled", sa.Boolean(), nullable=False, server_default=sa.true()),
            sa.Column("revoked_at", sa.DateTime(), nullable=True),
        ),
        "audit_log": (
            sa.Column("site_id", sa.Integer(), nullable=True),
            sa.Column("address", sa.String(45), nullable=True),
        ),
    }


SITE_INDEX = "ix_audit_log_site_id_id"


def _existing(table: str) -> set[str]:
    if context.is_offline_mode():
        return set()
    return {c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)}


def upgrade() -> None:
    added = set()
    for table, columns in _columns().items():
        present = _existing(table)
        for column in columns:
            if column.name not in present:
                op.add_column(table, column)
                added.add((table, column.name))
    if ("audit_log", "site_id") in added:
        op.execute(
            "UPDATE audit_log SET site_id = "
            "(SELECT assets.site_id FROM assets WHERE assets.assetid = audit_log.assetid) "
            "WHERE assetid IS NOT NULL"
        )
        op.create_index(SITE_INDEX, "audit_log", ["site_id", "id"])


def downgrade() -> None:
    op.drop_index(SITE_INDEX, table_name="audit_log")
    for table, columns in reversed(_columns().items()):
        for column in reversed(columns):
            op.drop_column(table, column.name)
