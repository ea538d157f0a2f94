"""computers: pc_type becomes an open choice set (docs/adr/0013)

Revision ID: 0003
Revises: 0002

The CHECK constraint that allowed only the bundled values is dropped and the column widened to the slug
length of the core's ``choices`` (core revision 0004): an admin adds a value (``shopdb choices add
pc_type ...``) and the schema validates against the set. Rows are kept. The downgrade puts the CHECK
back, and refuses while rows use an added value.
"""
from shopdb.plugins.toolkit import close_choice_column, open_choice_column

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# The vocabulary as it was closed at revision 0002.
PC_TYPES = ("shopfloor", "cmm", "engineering", "office", "server")


def upgrade() -> None:
    open_choice_column("computers", "pc_type", "ck_computers_pc_type", old_length=16)


def downgrade() -> None:
    close_choice_column("computers", "pc_type", "ck_computers_pc_type", allowed=PC_TYPES, length=16)
