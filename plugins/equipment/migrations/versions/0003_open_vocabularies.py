"""equipment: equipment_type and maintenance kind become open choice sets (docs/adr/0013)

Revision ID: 0003
Revises: 0002

The CHECK constraints that allowed only the bundled values are dropped and the columns widened to the
slug length of the core's ``choices`` (core revision 0004): an admin adds a type (``shopdb choices add
equipment_type injection_moulding --label "Injection moulding"``) and the schema validates against the
set. Rows are kept. The downgrade puts the CHECKs back, and refuses while rows use an added value.
"""
from shopdb.plugins.toolkit import close_choice_column, open_choice_column

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# The vocabularies as they were closed at revision 0002.
EQUIPMENT_TYPES = ("cnc_mill", "cnc_lathe", "grinder", "edm", "press", "robot", "cmm", "saw", "other")
MAINTENANCE_KINDS = ("preventive", "corrective", "breakdown", "calibration", "inspection")


def upgrade() -> None:
    open_choice_column("equipment", "equipment_type", "ck_equipment_equipment_type", old_length=16)
    open_choice_column("maintenance_records", "kind", "ck_maintenance_records_kind", old_length=16)


def downgrade() -> None:
    close_choice_column("maintenance_records", "kind", "ck_maintenance_records_kind",
                        allowed=MAINTENANCE_KINDS, length=16)
    close_choice_column("equipment", "equipment_type", "ck_equipment_equipment_type",
                        allowed=EQUIPMENT_TYPES, length=16)
