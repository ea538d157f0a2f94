"""Uniqueness the database itself enforces, portably (docs/adr/0008-database-enforced-uniqueness.md).

Two column helpers, both filled by the model layer so that no write path can forget them:

* ``key_column(*sources)``: a *normalised key* — the case-folded value of ``sources`` (joined when
  several) — that carries the unique index. MariaDB 10.11 has no functional index, so
  ``UNIQUE (site_id, lower(asset_tag))`` is not portable; ``UNIQUE (site_id, asset_tag_key)`` is.
  The key is NULL when its last source (the public field) is NULL, so unknown values may repeat.
* ``asset_site_column()``: an asset extension's copy of ``assets.site_id``, kept equal by the
  database through the composite foreign key of ``asset_site_constraints`` (ON UPDATE CASCADE),
  so per-site rules (``UNIQUE (site_id, primary_ip)``) live on the extension table.

Both are filled for ORM writes (``before_insert``/``before_update``) *and* Core inserts (the
column default reads the statement's own parameters), so bulk inserts such as ``shopdb demo`` are
covered too. Core ``UPDATE`` statements that change a source column must set the key themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ForeignKeyConstraint, Index, Integer, String, column, event, select, table
from sqlalchemy.orm import Mapper, mapped_column

# Column.info: the source columns of a normalised key, public field last. Lists sort a text column by its
# key (``shopdb.api.ordering``), which is why the name lives with the ordering rules.
from ...api.ordering import KEY_INFO, fold

ASSET_SITE_INFO = "shopdb_asset_site"  # Column.info: this column copies assets.site_id
KEY_SEPARATOR = "|"

_assets = table("assets", column("assetid"), column("site_id"))
_KEYS_OF: dict[Mapper, list[tuple[str, tuple[str, ...]]]] = {}


def normal_key(values: Sequence[Any]) -> str | None:
    """``("M-1",)`` → ``"m-1"``; ``("0781", "5567", "AB12")`` → ``"0781|5567|ab12"``.

    ``casefold`` (not ``lower``) is Unicode's caseless match: ``STRASSE`` and ``straße`` are one key,
    as they are under MariaDB's ``utf8mb4_unicode_ci``.
    """
    if not values or values[-1] is None:
        return None
    return KEY_SEPARATOR.join("" if v is None else fold(v) for v in values)


def key_length(*source_lengths: int) -> int:
    """Room for the folded sources (``casefold`` may turn one character into three) and separators."""
    return 3 * sum(source_lengths) + len(source_lengths) - 1


def key_column(*sources: str, length: int, nullable: bool = False) -> Any:
    """A column holding ``normal_key`` of ``sources``; the public field (named in 409s) is the last."""

    def default(context) -> str | None:
        params = context.get_current_parameters()
        return normal_key([params.get(name) for name in sources])

    return mapped_column(String(length), nullable=nullable, default=default,
                         info={KEY_INFO: tuple(sources)})


def asset_site_column() -> Any:
    """An extension's copy of its asset's ``site_id`` (filled from ``assets`` on insert)."""

    def default(context) -> int | None:
        assetid = context.get_current_parameters().get("assetid")
        return context.connection.execute(
            select(_assets.c.site_id).where(_assets.c.assetid == assetid)).scalar_one_or_none()

    return mapped_column(Integer, nullable=False, default=default, info={ASSET_SITE_INFO: True})


def asset_site_constraints(tablename: str) -> tuple[Any, ...]:
    """``(assetid, site_id)`` → ``assets(assetid, site_id)``, ON UPDATE CASCADE: moving an asset moves its
    extension row with it, inside the same statement, so the copy can never disagree with the asset.
    The index serves the foreign key (MariaDB would otherwise create one the models do not know)."""
    return (
        ForeignKeyConstraint(["assetid", "site_id"], ["assets.assetid", "assets.site_id"],
                             name=f"fk_{tablename}_assetid_site_id_assets",
                             onupdate="CASCADE", ondelete="CASCADE"),
        Index(f"ix_{tablename}_assetid_site_id", "assetid", "site_id"),
    )


def key_columns(mapper: Mapper) -> Iterable[tuple[str, tuple[str, ...]]]:
    """``(key attribute, source attributes)`` of every normalised key of a mapped class."""
    found = _KEYS_OF.get(mapper)
    if found is None:
        by_column = {col: prop.key for prop in mapper.column_attrs for col in prop.columns}
        found = []
        for col, attr in by_column.items():
            sources = col.info.get(KEY_INFO)
            if sources:
                names = {c.name: a for c, a in by_column.items() if c.table is col.table}
                found.append((attr, tuple(names[s] for s in sources)))
        _KEYS_OF[mapper] = found
    return found


@event.listens_for(Mapper, "before_insert")
@event.listens_for(Mapper, "before_update")
def _fill_keys(mapper: Mapper, _connection, target: Any) -> None:
    for attr, sources in key_columns(mapper):
        value = normal_key([getattr(target, s) for s in sources])
        if getattr(target, attr) != value:
            setattr(target, attr, value)


def is_derived(prop: Any) -> bool:
    """A column the model layer fills from others (a key, the asset's site): never an input or output
    field, never audited (its sources are)."""
    return any(c.info.get(KEY_INFO) or c.info.get(ASSET_SITE_INFO) for c in getattr(prop, "columns", ()))
