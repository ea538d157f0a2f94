"""Choice sets: open vocabularies (``equipment_type``, ``pc_type``...) kept as data (docs/adr/0013).

A plugin declares a set and its bundled values with ``register_defaults`` (from ``init_app``,
``on_install`` and ``on_upgrade``; it is idempotent); an admin adds values with ``add`` and removes
unused ones with ``remove``. Rows store the slug, people read the label. What a set holds is read
from the database on every request (cached for that request only), so every worker agrees at once.

    choices.register_defaults("equipment_type", [("cnc_mill", "CNC mill"), ...], plugin="equipment",
                              stored_in=[("equipment", "equipment_type")])
    choices.values("equipment_type")          # [Choice(...), ...], in their order
    choices.is_valid("equipment_type", "cnc_mill")
    choices.add("equipment_type", "injection_moulding", "Injection moulding")
    choices.remove("equipment_type", "injection_moulding")   # 409 while a row uses it
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy import column as sql_column
from sqlalchemy import func, inspect, select, table
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from ...api.errors import Conflict, NotFound, ValidationFailed
from ...extensions import db
from ..models import Choice
from ..models.choice import SLUG_MAX, SLUG_PATTERN
from . import writes

log = logging.getLogger(__name__)
REGISTRY_KEY = "shopdb.choice_sets"
_CACHE = "shopdb_choices"
LABEL_MAX = 120


@dataclass
class ChoiceSet:
    """A declared set: who declared it, its bundled values and the columns that store its slugs."""

    name: str
    defaults: tuple[tuple[str, str], ...]
    stored_in: tuple[tuple[str, str], ...] = ()
    plugin: str | None = None

    @property
    def max_length(self) -> int:
        """The longest slug every column storing the set can hold."""
        lengths = [SLUG_MAX]
        for table_name, column_name in self.stored_in:
            model_table = db.metadata.tables.get(table_name)
            length = getattr(model_table.c[column_name].type, "length", None) if model_table is not None else None
            if length:
                lengths.append(length)
        return min(lengths)


def _registry() -> dict[str, ChoiceSet]:
    return current_app.extensions.setdefault(REGISTRY_KEY, {})


def declared_sets() -> list[ChoiceSet]:
    """The sets the enabled plugins of this app declared, by name."""
    return sorted(_registry().values(), key=lambda s: s.name)


def get_set(set_name: str) -> ChoiceSet:
    """The declared set ``set_name``; ``NotFound`` when no enabled plugin declares it."""
    found = _registry().get(set_name)
    if found is None:
        raise NotFound(f"No choice set {set_name!r}.", {"sets": sorted(_registry())})
    return found


def register_defaults(set_name: str, defaults: Iterable[tuple[str, str]], *, plugin: str | None,
                      stored_in: Sequence[tuple[str, str]] = ()) -> list[str]:
    """Declare ``set_name`` for this app and store the bundled values the database lacks.

    ``stored_in`` names the ``(table, column)`` pairs holding the set's slugs, so ``remove`` can say
    where a value is used. Idempotent: values already stored (added, relabelled or hidden by an admin)
    are left as they are; a new release's new defaults are added. Before the core's revision 0004 ran
    there is no table yet: the set is declared and nothing is written. Returns the slugs added.
    """
    defaults = tuple((slug, label) for slug, label in defaults)
    for slug, _label in defaults:
        if not re.match(SLUG_PATTERN, slug):
            raise ValueError(f"choice set {set_name!r}: {slug!r} is not a slug (a-z, 0-9, _)")
    _registry()[set_name] = ChoiceSet(name=set_name, defaults=defaults,
                                      stored_in=tuple(tuple(s) for s in stored_in), plugin=plugin)
    try:
        if not inspect(db.engine).has_table(Choice.__tablename__):
            return []
        return _store_defaults(set_name, defaults, plugin)
    except (IntegrityError, Conflict):
        # Another worker starting at the same moment stored them first.
        db.session.rollback()
        return []
    except SQLAlchemyError as exc:
        db.session.rollback()
        log.warning("choice set %s: bundled values not stored (%s)", set_name, exc)
        return []


def _store_defaults(set_name: str, defaults: tuple[tuple[str, str], ...], plugin: str | None) -> list[str]:
    stored = set(db.session.execute(select(Choice.slug).where(Choice.set_name == set_name)).scalars())
    missing = [(position, slug, label) for position, (slug, label) in enumerate(defaults) if slug not in stored]
    if not missing:
        db.session.commit()  # end the read: migrations that follow use their own connection
        return []
    with writes.transaction():
        for position, slug, label in missing:
            writes.create(Choice, set_name=set_name, slug=slug, label=label, plugin=plugin, built_in=True,
                          hidden=False, position=position)
    _forget(set_name)
    return [slug for _position, slug, _label in missing]


def values(set_name: str) -> list[Choice]:
    """The values of ``set_name`` offered and accepted now (hidden ones left out), in their order."""
    cache = g.setdefault(_CACHE, {}) if has_request_context() else g.get(_CACHE) if has_app_context() else None
    if cache is not None and set_name in cache:
        return cache[set_name]
    rows = list(db.session.execute(
        select(Choice).where(Choice.set_name == set_name, Choice.hidden.is_(False))
        .order_by(Choice.position, Choice.slug)).scalars())
    if cache is not None:
        cache[set_name] = rows
    return rows


@contextmanager
def cached() -> Iterator[None]:
    """Outside a request (a CLI bulk command), read each set once for the block instead of once per
    value checked; the block must not change the sets it reads."""
    if has_request_context() or g.get(_CACHE) is not None:
        yield
        return
    g.setdefault(_CACHE, {})
    try:
        yield
    finally:
        g.pop(_CACHE, None)


def slugs(set_name: str) -> list[str]:
    return [choice.slug for choice in values(set_name)]


def is_valid(set_name: str, slug: str) -> bool:
    """Whether ``slug`` may be stored in a field of ``set_name`` now."""
    return slug in slugs(set_name)


def _forget(set_name: str) -> None:
    if has_app_context():
        g.get(_CACHE, {}).pop(set_name, None)


def _find(set_name: str, slug: str) -> Choice | None:
    return db.session.execute(
        select(Choice).where(Choice.set_name == set_name, Choice.slug == slug)).scalar_one_or_none()


def add(set_name: str, slug: str, label: str) -> Choice:
    """Add ``slug`` to the set (or show again a built-in value that was removed); audited.

    ``ValidationFailed`` for a malformed slug or label, ``Conflict`` when the set has it already.
    """
    declared = get_set(set_name)
    slug, label = (slug or "").strip(), (label or "").strip()
    problems: dict[str, list[str]] = {}
    if not re.match(SLUG_PATTERN, slug):
        problems["slug"] = ["Use lower-case letters, digits and '_' (e.g. injection_moulding)."]
    elif len(slug) > declared.max_length:
        problems["slug"] = [f"At most {declared.max_length} characters."]
    if not label:
        problems["label"] = ["Must not be empty."]
    elif len(label) > LABEL_MAX:
        problems["label"] = [f"At most {LABEL_MAX} characters."]
    if problems:
        raise ValidationFailed(problems)
    existing = _find(set_name, slug)
    if existing is not None and not existing.hidden:
        raise Conflict(f"{set_name} already has {slug!r}.",
                       {"fields": {"slug": ["Already in use."]}, "field": "slug", "value": slug}, code="duplicate")
    with writes.transaction():
        if existing is not None:
            writes.update(existing, {"hidden": False, "label": label})
            choice = existing
        else:
            last = db.session.execute(
                select(func.max(Choice.position)).where(Choice.set_name == set_name)).scalar_one()
            choice = writes.create(Choice, set_name=set_name, slug=slug, label=label, plugin=None,
                                   built_in=False, hidden=False, position=(last or 0) + 1)
    _forget(set_name)
    return choice


def usage(set_name: str, slug: str) -> dict[str, int]:
    """``{"table.column": rows}`` for every column of the set that stores ``slug`` somewhere."""
    declared = get_set(set_name)
    existing = set(inspect(db.engine).get_table_names())
    used = {}
    for table_name, column_name in declared.stored_in:
        if table_name not in existing:
            continue
        holder = table(table_name, sql_column(column_name))
        count = db.session.execute(
            select(func.count()).select_from(holder).where(holder.c[column_name] == slug)).scalar_one()
        if count:
            used[f"{table_name}.{column_name}"] = count
    return used


def remove(set_name: str, slug: str) -> None:
    """Take ``slug`` out of the set; audited. Refused (``Conflict``) while a row stores it.

    A value an admin added is deleted; a built-in one is hidden, so the next start-up does not add it
    back and ``add`` can show it again.
    """
    get_set(set_name)
    choice = _find(set_name, slug)
    if choice is None or choice.hidden:
        raise NotFound(f"{set_name} has no value {slug!r}.", {"allowed": slugs(set_name)})
    used = usage(set_name, slug)
    if used:
        where = ", ".join(f"{count} row(s) of {place}" for place, count in used.items())
        raise Conflict(f"{set_name} {slug!r} is still used by {where}; change those first.",
                       {"used_by": used}, code="in_use")
    with writes.transaction():
        if choice.built_in:
            writes.update(choice, {"hidden": True})
        else:
            writes.delete(choice)
    _forget(set_name)
