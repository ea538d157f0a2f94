"""Revision helpers that open a closed vocabulary column to a choice set (docs/adr/0013), and close it again.

``open_choice_column`` drops the column's ``CHECK (column IN (...))`` and widens it to the slug length
of ``choices``. Inside ``batch_alter_table`` SQLite copies the table: safe for the extension tables it is
meant for, which no other table references (copying a parent would cascade-delete its children while
foreign keys are on), and the other CHECK constraints of the table are carried over. A database built
from the current models (fresh installs, adopted tables) has neither the CHECK nor the narrow column:
it is left as it is.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

CHOICE_LENGTH = 64  # the slug length of core's ``choices`` table


def _check_names(table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(op.get_bind()).get_check_constraints(table) if c.get("name")}


def _referenced_by_others(table: str) -> list[str]:
    inspector = sa.inspect(op.get_bind())
    return [other for other in inspector.get_table_names() if other != table
            and any(fk["referred_table"] == table for fk in inspector.get_foreign_keys(other))]


def open_choice_column(table: str, column: str, check: str, *, old_length: int) -> None:
    """Let ``table.column`` hold any slug of its choice set: drop the CHECK named ``check``, widen it."""
    if op.get_bind().dialect.name == "sqlite" and _referenced_by_others(table):
        raise RuntimeError(f"{table} is referenced by other tables: copying it on SQLite would delete "
                           "their rows; this helper is for extension tables only")
    has_check = check in _check_names(table)
    with op.batch_alter_table(table) as batch:
        if has_check:
            batch.drop_constraint(op.f(check), type_="check")
        batch.alter_column(column, existing_type=sa.String(old_length), type_=sa.String(CHOICE_LENGTH),
                           existing_nullable=False)


def close_choice_column(table: str, column: str, check: str, *, allowed: Sequence[str], length: int) -> None:
    """The way back: refuse (changing nothing) while rows hold values outside ``allowed``, else narrow
    the column and put the CHECK back."""
    t = sa.table(table, sa.column(column))
    others = sorted(op.get_bind().execute(
        sa.select(t.c[column]).where(t.c[column].notin_(list(allowed))).distinct()).scalars())
    if others:
        raise RuntimeError(f"{table}.{column} holds values added as choices ({', '.join(map(repr, others))}): "
                           "change those rows to a bundled value first, then downgrade again. Nothing was changed.")
    values = ", ".join("'" + value.replace("'", "''") + "'" for value in allowed)
    with op.batch_alter_table(table) as batch:
        batch.alter_column(column, existing_type=sa.String(CHOICE_LENGTH), type_=sa.String(length),
                           existing_nullable=False)
        if check not in _check_names(table):
            batch.create_check_constraint(op.f(check), f"{column} IN ({values})")
