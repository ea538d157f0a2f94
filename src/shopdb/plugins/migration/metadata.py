"""A chain's view of the models: the tables its owner holds, and the filter that keeps it to them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import MetaData, Table

from .ownership import TableOwnershipError, owned_tables


def full_metadata() -> MetaData:
    """Every model's table (core and every imported plugin)."""
    from ...extensions import db

    return db.metadata


def sorted_owned_tables(owner: str) -> list[Table]:
    """The owner's tables from the models, parents before children."""
    wanted = set(owned_tables(owner))
    tables = [t for t in full_metadata().sorted_tables if t.name in wanted]
    missing = wanted - {t.name for t in tables}
    if missing:
        raise TableOwnershipError(
            f"{owner}: PLUGIN_TABLE_OWNERS lists {sorted(missing)} but no model declares them"
        )
    return tables


def plugin_metadata(name: str) -> MetaData:
    """``db.metadata`` filtered to the tables ``name`` owns.

    The tables they reference (``assets``...) are copied in too, so foreign keys resolve; the
    chain's ``include_object`` keeps them out of comparisons and DDL.
    """
    full = full_metadata()
    filtered = MetaData(naming_convention=full.naming_convention)
    owned = sorted_owned_tables(name)
    needed: dict[str, Table] = {}
    stack = list(owned)
    while stack:  # every table reachable through foreign keys, so references resolve
        table = stack.pop()
        if table.name in needed:
            continue
        needed[table.name] = table
        for fk in table.foreign_keys:
            referenced = full.tables.get(fk.target_fullname.rsplit(".", 1)[0])
            if referenced is not None:
                stack.append(referenced)
    for table in full.sorted_tables:
        if table.name in needed:
            table.to_metadata(filtered)
    filtered.info["owned_tables"] = {t.name for t in owned}
    return filtered


def include_owned(owned: set[str]) -> Callable[..., bool]:
    """An Alembic ``include_object`` that sees only the ``owned`` tables (and their indexes...)."""
    per_dialect = per_dialect_indexes()

    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        table = obj if type_ == "table" else getattr(obj, "table", None)
        table_name = name if type_ == "table" else getattr(table, "name", None)
        if type_ == "index" and name in per_dialect:
            return False
        return table_name in owned

    return include


def per_dialect_indexes() -> set[str]:
    """Indexes the models create on one database only (``Index(...).ddl_if(dialect=...)``: the search
    index's GIN and FULLTEXT, ADR 0018). Alembic's comparison ignores ``ddl_if``, so they are left out
    of it; the revision that adds one creates it."""
    return {index.name for table in full_metadata().tables.values() for index in table.indexes
            if index.name and getattr(index, "_ddl_if", None) is not None}
