"""Site scoping in the query layer (docs/adr/0017): a user limited to sites reads only their rows.

One ``do_orm_execute`` hook adds ``with_loader_criteria`` for every mapped table to each ORM
statement run during a request by a site-limited user, so lists and their ``meta.total``, details
(404), search, history, sub-resources and relationship loads all see the same rows whatever view
built the query. The rule per table is in ``shopdb.core.models.scope``.

Code that must see every site (the outbox worker, the CLI) runs without a request user and is not
scoped; a request that needs to look past the scope on purpose passes the execution option
``every_site=True`` and says why.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import Flask, g, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from ...extensions import db
from ..models.scope import criterion_for

EVERY_SITE = "every_site"


def limit_request_to(site_ids: Sequence[int] | None) -> None:
    """Scope the rest of this request to ``site_ids`` (None or empty: every site).

    Called once the user is known (``shopdb.auth.access``); read from ``g`` afterwards, because
    reading ``user.sites`` inside the hook would run a query that runs the hook.
    """
    g.visible_site_ids = tuple(sorted(site_ids)) if site_ids else None


def visible_site_ids() -> Sequence[int] | None:
    """The sites the request's user may see; None when every site (no user limit, or no request)."""
    return g.get("visible_site_ids") if has_request_context() else None


def _scoped_classes() -> list[type]:
    return [m.class_ for m in db.Model.registry.mappers]


def _restrict(state: ORMExecuteState) -> None:
    if not state.is_select or state.is_column_load or state.execution_options.get(EVERY_SITE):
        return
    site_ids = visible_site_ids()
    if site_ids is None:
        return
    options = []
    for cls in _scoped_classes():
        criterion = criterion_for(cls, site_ids)
        if criterion is not None:
            # A plain criterion, not a lambda: SQLAlchemy caches a lambda by its code, and one lambda
            # serving every table's rule would hand one table's SQL to the next. So an ``aliased()``
            # Asset is not restricted itself: tables joined to one through an alias declare rules that
            # need both ends visible (interfaces, custody, relationships — ADR 0017).
            options.append(with_loader_criteria(cls, criterion))
    state.statement = state.statement.options(*options)


def init_app(app: Flask) -> None:  # noqa: ARG001 - the hook is per Session class, installed once
    if not event.contains(Session, "do_orm_execute", _restrict):
        event.listen(Session, "do_orm_execute", _restrict)
