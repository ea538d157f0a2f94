"""Revision helpers for database-enforced uniqueness (docs/adr/0008), for the core's and plugins' chains.

A revision that adds a unique rule to a table that already holds rows must first find the rows that
break it and say which, in words an operator can act on, *before* any DDL runs: MariaDB commits each
DDL statement, so a revision that fails half-way leaves the database between two revisions.
The order is therefore: ``refuse_duplicates`` / ``planned_keys`` (reads only), then the DDL.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from alembic import context, op

from ..core.models.keys import normal_key

SHOWN = 10  # groups named in the error; the count says how many more there are


class DuplicateRows(RuntimeError):
    """Rows already break the rule a revision is about to enforce (the first line says which)."""


def _table(name: str, *columns: str) -> sa.TableClause:
    return sa.table(name, *[sa.column(c) for c in columns])


def _describe(groups: list[tuple[tuple, list[tuple]]], scope: Sequence[str], what: str) -> str:
    parts = []
    for scope_values, rows in groups[:SHOWN]:
        where = ", ".join(f"{s}={v}" for s, v in zip(scope, scope_values, strict=True))
        listed = ", ".join(f"{value!r} (id {pk})" for pk, value in rows)
        parts.append(f"[{where + ': ' if where else ''}{listed}]")
    more = f" and {len(groups) - SHOWN} more" if len(groups) > SHOWN else ""
    return f"{len(groups)} group(s) of rows share {what}: {'; '.join(parts)}{more}"


def _fail(table: str, field: str, description: str) -> None:
    raise DuplicateRows(
        f"{table}.{field} must be unique but {description}. Nothing was changed: give each of these a "
        f"distinct {field} (or clear it where it may be empty), then run the upgrade again."
    )


def planned_keys(table: str, pk: str, sources: Sequence[str], *, scope: Sequence[str] = (),
                 per_asset_site: bool = False, field: str | None = None) -> list[dict]:
    """The normalised key of every row, computed in Python exactly as the model does (SQL ``LOWER`` is
    ASCII-only on SQLite); refuses with ``DuplicateRows`` when two rows of one scope share a key.
    ``per_asset_site`` scopes an extension table by its asset's site."""
    field = field or sources[-1]
    t = _table(table, pk, *scope, *sources)
    scoped = [t.c[s] for s in scope] + ([asset_site_of(t)] if per_asset_site else [])
    names = [*scope, *(["site_id"] if per_asset_site else [])]
    stmt = sa.select(t.c[pk], *[t.c[s] for s in sources], *[c.label(f"_s{i}") for i, c in enumerate(scoped)])
    groups: dict[tuple, list[tuple]] = defaultdict(list)
    planned = []
    for row in op.get_bind().execute(stmt.order_by(t.c[pk])).mappings():
        key = normal_key([row[s] for s in sources])
        planned.append({"_pk": row[pk], "_key": key})
        if key is not None:
            groups[(tuple(row[f"_s{i}"] for i in range(len(scoped))), key)].append((row[pk], row[field]))
    clashes = [(scope_values, rows) for (scope_values, _key), rows in groups.items() if len(rows) > 1]
    if clashes:
        what = f"one {field} (differing at most in case)" if len(sources) == 1 else f"one {', '.join(sources)}"
        _fail(table, field, _describe(clashes, names, what))
    return planned


def refuse_duplicates(table: str, pk: str, columns: Sequence[str], *, scope: Sequence[str] = (),
                      per_asset_site: bool = False) -> None:
    """Refuse when rows share ``columns`` (NULLs never clash) within ``scope``; ``per_asset_site`` scopes
    an extension table by its asset's site (its own ``site_id`` column does not exist yet)."""
    t = _table(table, pk, *scope, *[c for c in columns if c != pk])
    scoped = [t.c[s] for s in scope] + ([asset_site_of(t)] if per_asset_site else [])
    names = [*scope, *(["site_id"] if per_asset_site else [])]
    stmt = sa.select(t.c[pk], *[c.label(f"_s{i}") for i, c in enumerate(scoped)], *[t.c[c] for c in columns])
    for c in columns:
        stmt = stmt.where(t.c[c].isnot(None))
    groups: dict[tuple, list[tuple]] = defaultdict(list)
    for row in op.get_bind().execute(stmt.order_by(t.c[pk])).mappings():
        scope_values = tuple(row[f"_s{i}"] for i in range(len(scoped)))
        groups[(scope_values, tuple(row[c] for c in columns))].append((row[pk], row[columns[-1]]))
    clashes = [(s, rows) for (s, _v), rows in groups.items() if len(rows) > 1]
    if clashes:
        _fail(table, columns[-1], _describe(clashes, names, f"one {columns[-1]}"))


def asset_site_of(ext: sa.TableClause) -> sa.ColumnElement:
    """``site_id`` of the asset an extension row of ``ext`` belongs to (a correlated scalar subquery)."""
    assets = _table("assets", "assetid", "site_id")
    return sa.select(assets.c.site_id).where(assets.c.assetid == ext.c.assetid).scalar_subquery()


def has_column(table: str, name: str) -> bool:
    return name in {c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)}


def has_constraint(table: str, name: str) -> bool:
    """An index, unique constraint or foreign key of that name (tables adopted from ``db bootstrap``,
    built from models newer than their stamp, may have them already)."""
    inspector = sa.inspect(op.get_bind())
    names = {i["name"] for i in inspector.get_indexes(table)}
    names |= {u["name"] for u in inspector.get_unique_constraints(table)}
    names |= {f["name"] for f in inspector.get_foreign_keys(table)}
    return name in names


def swap_indexes(table: str, create: dict[str, list[str]], drop: Iterable[str]) -> None:
    """Create the indexes of ``create`` (name → columns), then drop those named in ``drop``: each only if
    missing or present, so a database whose baseline came from newer models is left as it is. Creating
    first keeps an index on a foreign key's columns throughout (MariaDB refuses to drop the last one).
    Offline (``--sql``) the script assumes the previous revision's indexes."""
    existing = None if context.is_offline_mode() else {i["name"] for i in sa.inspect(op.get_bind()).get_indexes(table)}
    for name, columns in create.items():
        if existing is None or name not in existing:
            op.create_index(name, table, columns)
    for name in drop:
        if existing is None or name in existing:
            op.drop_index(name, table_name=table)


def add_key_column(table: str, key: str, length: int, *, nullable: bool = False) -> None:
    """Add an (empty) key column. SQLite cannot add a NOT NULL column without a default, nor drop
    that default later without copying the table; an empty default is harmless, every write fills it."""
    if has_column(table, key):
        return
    if nullable:
        op.add_column(table, sa.Column(key, sa.String(length), nullable=True))
    elif op.get_bind().dialect.name == "sqlite":
        op.add_column(table, sa.Column(key, sa.String(length), nullable=False, server_default=""))
    else:
        op.add_column(table, sa.Column(key, sa.String(length), nullable=True))


def write_keys(table: str, pk: str, key: str, planned: list[dict], *, length: int, nullable: bool = False) -> None:
    """Store ``planned`` (from ``planned_keys``) and, where possible, make the column NOT NULL."""
    t = _table(table, pk, key)
    if planned:
        op.get_bind().execute(
            sa.update(t).where(t.c[pk] == sa.bindparam("_pk")).values({key: sa.bindparam("_key")}), planned)
    column = next(c for c in sa.inspect(op.get_bind()).get_columns(table) if c["name"] == key)
    if not nullable and column["nullable"] and op.get_bind().dialect.name != "sqlite":
        op.alter_column(table, key, existing_type=sa.String(length), nullable=False)


def copy_asset_site(table: str) -> None:
    """Add ``site_id`` to an extension table, filled from its asset (kept equal by the foreign key after)."""
    if not has_column(table, "site_id"):
        op.add_column(table, sa.Column("site_id", sa.Integer(), nullable=True))
    t = _table(table, "assetid", "site_id")
    op.get_bind().execute(sa.update(t).values(site_id=asset_site_of(t)))


def tie_to_asset_site(batch, table: str) -> None:
    """Inside ``batch_alter_table(table)``: NOT NULL, the index and the composite foreign key."""
    batch.alter_column("site_id", existing_type=sa.Integer(), nullable=False)
    if has_constraint(table, f"fk_{table}_assetid_site_id_assets"):
        return
    batch.create_index(f"ix_{table}_assetid_site_id", ["assetid", "site_id"])
    batch.create_foreign_key(f"fk_{table}_assetid_site_id_assets", "assets", ["assetid", "site_id"],
                             ["assetid", "site_id"], onupdate="CASCADE", ondelete="CASCADE")


def untie_from_asset_site(batch, table: str) -> None:
    batch.drop_constraint(f"fk_{table}_assetid_site_id_assets", type_="foreignkey")
    batch.drop_index(f"ix_{table}_assetid_site_id")
    batch.drop_column("site_id")


def require_core_keys() -> None:
    """Plugin revisions that tie an extension to ``assets (assetid, site_id)`` need the core's 0002."""
    names = {i["name"] for i in sa.inspect(op.get_bind()).get_indexes("assets")}
    names |= {u["name"] for u in sa.inspect(op.get_bind()).get_unique_constraints("assets")}
    if "uq_assets_assetid_site_id" not in names:
        raise RuntimeError("the core schema is older than revision 0002: run `shopdb db upgrade` first, "
                           "then upgrade the plugins.")


def lower_case_column(table: str, pk: str, column: str) -> None:
    """Store ``column`` lower-cased (hostnames): refuses first when two rows differ only by case."""
    planned = planned_keys(table, pk, [column])
    t = _table(table, pk, column)
    rows = [{"_pk": p["_pk"], "_key": p["_key"]} for p in planned if p["_key"] is not None]
    if rows:
        op.get_bind().execute(
            sa.update(t).where(t.c[pk] == sa.bindparam("_pk")).values({column: sa.bindparam("_key")}), rows)


def create_unique(batch, table: str, name: str, columns: list[str]) -> None:
    """``batch.create_unique_constraint`` unless the table has it already."""
    if not has_constraint(table, name):
        batch.create_unique_constraint(name, columns)
