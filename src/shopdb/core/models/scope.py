"""Which rows of a table belong to which sites: the rule site scoping applies (docs/adr/0017).

Every mapped table answers "is this row visible to a user limited to sites S?" with a SQL criterion,
so the answer is given once, where queries are built, for every endpoint (NetBox's ``restrict()``).
Most tables need no declaration: a ``site_id`` column or an ``assetid`` column says it. A table that
has neither declares ``__site_scope__``: one of the rules below, or ``PLANT_WIDE`` for rows that
belong to no site (users, asset types, vocabularies). A test fails on any table that says nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import column as table_column
from sqlalchemy import or_, select, table
from sqlalchemy.sql.elements import ColumnElement

# The two columns of ``assets`` the rules read, as a plain table: the models import this module.
ASSETS = table("assets", table_column("assetid"), table_column("site_id"))

# (mapped class, visible site ids) -> criterion, or None when the table is not scoped.
ScopeRule = Callable[[type, Sequence[int]], ColumnElement[bool] | None]


def PLANT_WIDE(_cls: type, _site_ids: Sequence[int]) -> None:  # noqa: N802 - reads as a constant
    """Rows that belong to no site: every user who may read sees them."""
    return None


def by_site(column: str = "site_id", *, plant_wide_when_null: bool = False) -> ScopeRule:
    """Visible when ``column`` is one of the user's sites (or null, for plant-wide rows if allowed)."""

    def rule(cls: type, site_ids: Sequence[int]) -> ColumnElement[bool]:
        criterion = getattr(cls, column).in_(site_ids)
        return or_(getattr(cls, column).is_(None), criterion) if plant_wide_when_null else criterion

    return rule


def by_asset(reference: str = "assetid", *, visible_when_null: bool = True) -> ScopeRule:
    """Visible when the asset ``column`` points at is visible (a null reference hides nothing)."""

    def rule(cls: type, site_ids: Sequence[int]) -> ColumnElement[bool]:
        visible = select(ASSETS.c.assetid).where(ASSETS.c.site_id.in_(site_ids))
        criterion = getattr(cls, reference).in_(visible)
        return or_(getattr(cls, reference).is_(None), criterion) if visible_when_null else criterion

    return rule


def by_parent(column: str, parent: type) -> ScopeRule:
    """Visible when the ``parent`` row that ``column`` references is visible (an ack → its notice)."""

    def rule(cls: type, site_ids: Sequence[int]) -> ColumnElement[bool]:
        parent_criterion = criterion_for(parent, site_ids)
        (key,) = parent.__mapper__.primary_key
        parents = select(key) if parent_criterion is None else select(key).where(parent_criterion)
        return getattr(cls, column).in_(parents)

    return rule


def all_of(*rules: ScopeRule) -> ScopeRule:
    """Visible when every rule says so (a relationship: both of its ends)."""

    def rule(cls: type, site_ids: Sequence[int]) -> ColumnElement[bool] | None:
        criteria = [c for c in (r(cls, site_ids) for r in rules) if c is not None]
        if not criteria:
            return None
        combined = criteria[0]
        for criterion in criteria[1:]:
            combined = combined & criterion
        return combined

    return rule


class UndeclaredScope(LookupError):
    """A table with neither ``site_id``, ``assetid`` nor ``__site_scope__``: nobody said who sees it."""


def rule_for(cls: type) -> ScopeRule:
    """The declared rule, else the one the columns imply; ``UndeclaredScope`` when there is none."""
    declared = cls.__dict__.get("__site_scope__")
    if declared is not None:
        return declared.__func__ if isinstance(declared, staticmethod) else declared
    columns: dict[str, Any] = {c.key: c for c in cls.__mapper__.columns}
    if cls.__tablename__ == "sites":
        return by_site("id")
    if "site_id" in columns:
        return by_site("site_id", plant_wide_when_null=bool(columns["site_id"].nullable))
    if "assetid" in columns and columns["assetid"].foreign_keys:
        return by_asset("assetid", visible_when_null=bool(columns["assetid"].nullable))
    raise UndeclaredScope(
        f"{cls.__name__} ({cls.__tablename__}) has no site_id or assetid column: declare "
        "__site_scope__ (PLANT_WIDE, by_site, by_asset, by_parent) so site-limited users see the right rows."
    )


def criterion_for(cls: type, site_ids: Sequence[int]) -> ColumnElement[bool] | None:
    """The rows of ``cls`` a user limited to ``site_ids`` may see (None: all of them)."""
    return rule_for(cls)(cls, site_ids)
