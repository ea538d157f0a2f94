"""Which public field a database's unique-violation message is about, on every dialect.

The map is built from the models' metadata — every unique constraint, unique index and primary key of
every table, plugins' included — so a rule added to a model is reported by name without code here:

* SQLite names the columns: ``UNIQUE constraint failed: assets.site_id, assets.asset_tag_key``;
* PostgreSQL names the constraint: ``... violates unique constraint "uq_assets_site_id_asset_tag_key"``;
* MariaDB names the key: ``Duplicate entry '1-m-1' for key 'uq_assets_site_id_asset_tag_key'`` (and, for
  a move cascaded to an extension row, ``... would lead to a duplicate entry in table 'computers',
  key 'uq_computers_site_id_primary_ip'``).

The field named is the rule's last column — scope columns (``site_id``, ``device_assetid``) come first
by convention — and a normalised key column (``asset_tag_key``) stands for its public field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Column, MetaData, PrimaryKeyConstraint, Table, UniqueConstraint

from ..models.keys import ASSET_SITE_INFO, KEY_INFO


@dataclass(frozen=True)
class UniqueRule:
    table: str
    field: str
    per_site: bool


_SQLITE = re.compile(r"UNIQUE constraint failed: (.+)$")
_POSTGRES = re.compile(r'unique constraint "([^"]+)"')
_MARIADB_TABLE = re.compile(r"duplicate entry in table '([^']+)'")
_MARIADB_KEY = re.compile(r"for key '([^']+)'|, key '([^']+)'")
_STATEMENT_TABLE = re.compile(r"^\s*(?:INSERT\s+INTO|UPDATE)\s+[`\"]?(\w+)", re.IGNORECASE)
_cache: dict[int, tuple[dict[str, UniqueRule], dict[tuple[str, frozenset[str]], UniqueRule]]] = {}


def public_field(column: Column) -> str:
    sources = column.info.get(KEY_INFO)
    return sources[-1] if sources else column.name


def _rules(metadata: MetaData) -> tuple[dict[str, UniqueRule], dict[tuple[str, frozenset[str]], UniqueRule]]:
    """(by constraint name, by (table, columns)), rebuilt when a plugin adds tables."""
    key = len(metadata.tables)
    if key not in _cache:
        _cache.clear()
        by_name: dict[str, UniqueRule] = {}
        by_columns: dict[tuple[str, frozenset[str]], UniqueRule] = {}
        for table in metadata.tables.values():
            for name, columns in _unique_sets(table):
                rule = UniqueRule(table.name, public_field(columns[-1]),
                                  any(c.name == "site_id" or c.info.get(ASSET_SITE_INFO) for c in columns[:-1]))
                if name:
                    by_name[name.lower()] = rule
                by_columns[(table.name, frozenset(c.name for c in columns))] = rule
        _cache[key] = (by_name, by_columns)
    return _cache[key]


def _unique_sets(table: Table) -> list[tuple[str | None, list[Column]]]:
    found = [(str(c.name) if c.name else None, list(c.columns)) for c in table.constraints
             if isinstance(c, UniqueConstraint | PrimaryKeyConstraint) and len(c.columns)]
    found += [(str(i.name) if i.name else None, list(i.columns)) for i in table.indexes if i.unique]
    return found


def rule_for(metadata: MetaData, message: str, statement: str | None = None) -> UniqueRule | None:
    """The unique rule a database error message reports, or None when it is not a unique violation."""
    by_name, by_columns = _rules(metadata)
    sqlite = _SQLITE.search(message)
    if sqlite:
        pairs = [part.strip().split(".", 1) for part in sqlite.group(1).split(",")]
        if all(len(p) == 2 for p in pairs):
            return by_columns.get((pairs[0][0], frozenset(p[1] for p in pairs)))
        return None
    postgres = _POSTGRES.search(message)
    if postgres:
        return by_name.get(postgres.group(1).lower())
    mariadb = _MARIADB_KEY.search(message)
    if mariadb and ("duplicate entry" in message.lower()):
        name = (mariadb.group(1) or mariadb.group(2)).rsplit(".", 1)[-1]  # MySQL 8 writes table.key
        if name.upper() == "PRIMARY":
            in_table = _MARIADB_TABLE.search(message) or _STATEMENT_TABLE.search(statement or "")
            table = metadata.tables.get(in_table.group(1)) if in_table else None
            if table is None:
                return None
            columns = list(table.primary_key.columns)
            return UniqueRule(table.name, public_field(columns[-1]), False)
        return by_name.get(name.lower())
    return None
