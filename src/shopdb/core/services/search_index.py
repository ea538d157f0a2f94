"""The search index: one document per asset, kept in step with every write, queried once per search.

What goes into a document (docs/adr/0018-one-search-index.md):

* the core fields ``CORE_FIELDS`` of the asset (the tag is an exact key);
* the extension columns its asset kind declares (``ExtensionResource(search_fields=...,
  search_exact=...)``);
* the values of other plugin rows that point at the asset, declared as ``SearchSource``
  (``BasePlugin.get_search_sources``): the IP addresses an asset holds, ...

Documents are written by SQL, set-based (``INSERT ... SELECT`` per asset kind), whether for one asset
or the whole plant: ``rebuild()``. Writes through ``shopdb.core.services.writes`` note the assets they
touch (``note_write``); the session's ``before_commit`` rebuilds their documents inside the same
transaction, so a document never disagrees with a committed write.

Queries: ``matches(q)`` is the one condition every search uses (``/api/v1/search``, each asset list's
``?q=``). It is a case-insensitive substring match with ``%`` and ``_`` literal, served per database
by the index ``shopdb.core.models.search`` creates; queries shorter than ``MIN_INDEXED`` characters
scan the documents with ``LIKE`` (one narrow table) because no trigram index can serve them.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import reduce
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import (
    String,
    and_,
    case,
    cast,
    column,
    delete,
    event,
    func,
    insert,
    literal,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from ...extensions import db
from ..models import Asset, AssetType
from ..models.search import FTS_TABLE, LINE, SQLITE_CREATE, SQLITE_TRIGGERS, SearchDocument
from ..schemas.addresses import ip_or_none, mac_or_none
from . import asset_kinds

SOURCES_KEY = "shopdb.search_sources"
GONE_KEY = "shopdb.search_gone"  # plugins uninstalled while this app runs: their tables are dropped
_PENDING = "shopdb_search_pending"
CORE_FIELDS = ("asset_tag", "name", "serial_number", "manufacturer", "model")
CORE_EXACT = ("asset_tag",)
MIN_INDEXED = 3  # trigrams: a shorter text has none to look up
CHUNK = 500  # asset ids per statement when rebuilding some documents
WINDOW = 20_000  # asset ids per step of a full rebuild (the progress bar's step)
LIKE_ESCAPE = "\\"
# MariaDB's fragments (ADR 0018, addendum): every suffix of three characters or more of every word, behind
# a mark that keeps each one a token InnoDB indexes (no suffix is a stopword once marked: "xabout"), cut to
# InnoDB's longest token (84 characters). A part of a word is the start of one of its suffixes.
FRAGMENT_MARK = "x"
FRAGMENT_LENGTH = 84 - len(FRAGMENT_MARK)
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class SearchSource:
    """Values of a plugin table that belong in the document of the asset a row points at.

    ``SearchSource("ip_address", IPAddress, value="address", exact=True)``: every address an asset holds
    is searchable on that asset, and typing one whole ranks the asset first. ``assetid`` names the
    column pointing at the asset. Writes of ``model`` through the service layer refresh the documents
    of the assets a row pointed at before and after the write.
    """

    field: str
    model: type
    value: str
    assetid: str = "assetid"
    exact: bool = False


# -- which plugins feed documents ----------------------------------------------------------------
def init_app(app: Flask) -> None:
    app.extensions[SOURCES_KEY] = []
    app.extensions[GONE_KEY] = set()
    if not event.contains(Session, "before_commit", _refresh_pending):
        event.listen(Session, "before_commit", _refresh_pending)
        event.listen(Session, "after_rollback", _forget_pending)


def register_source(app: Flask, source: SearchSource, plugin: str) -> None:
    """Make ``source`` feed documents in ``app`` (the plugin manager calls this for enabled plugins)."""
    app.extensions.setdefault(SOURCES_KEY, []).append((plugin, source))


def forget_plugin(app: Flask, plugin: str) -> None:
    """``plugin``'s tables are gone (uninstalled): its fields and sources feed no document any more."""
    app.extensions.setdefault(GONE_KEY, set()).add(plugin)


def _gone() -> set[str]:
    return set(current_app.extensions.get(GONE_KEY, ())) if has_app_context() else set()


def _sources() -> list[SearchSource]:
    if not has_app_context():
        return []
    skipped = _gone()
    return [source for plugin, source in current_app.extensions.get(SOURCES_KEY, []) if plugin not in skipped]


def _kinds() -> list[asset_kinds.AssetKind]:
    skipped = _gone()
    return [kind for kind in asset_kinds.registered().values() if kind.plugin not in skipped]


# -- keeping documents in step with writes -------------------------------------------------------
def note_write(obj: Any, changes: dict[str, tuple[Any, Any]] | None = None) -> None:
    """``writes`` calls this for every row it creates, updates or deletes: remember the assets whose
    documents the row feeds, to rebuild them before the transaction commits."""
    if not has_app_context():
        return
    model = type(obj)
    if isinstance(obj, Asset) or any(kind.extension_model is model for kind in _kinds()):
        _note(obj.assetid)
        return
    for source in _sources():
        if source.model is model:
            _note(getattr(obj, source.assetid, None))
            if changes and source.assetid in changes:
                _note(changes[source.assetid][0])  # the asset it pointed at before


def _note(assetid: int | None) -> None:
    if assetid is not None:
        db.session.info.setdefault(_PENDING, set()).add(assetid)


def _refresh_pending(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending and has_app_context():
        rebuild(sorted(pending), executor=session)


def refresh_noted() -> int:
    """Rebuild now the documents of the assets written so far in this transaction (what the commit
    would rebuild), and forget them: a long bulk transaction calls this per chunk so the set of
    noted assets never grows with the file. Returns how many assets were noted."""
    pending = db.session.info.pop(_PENDING, None)
    if pending:
        rebuild(sorted(pending))
    return len(pending or ())


def _forget_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


# -- building documents, set-based ------------------------------------------------------------------
def _text(expression: Any) -> ColumnElement[str]:
    if not isinstance(expression.type, String):
        expression = cast(expression, String)
    return func.lower(func.coalesce(expression, ""))


def _joined(parts: Sequence[ColumnElement[str]]) -> ColumnElement[str]:
    separated = []
    for part in parts:
        if separated:
            separated.append(literal(LINE, String))
        separated.append(part)
    return reduce(operator.add, separated)


def _layout(kind: asset_kinds.AssetKind | None,
            sources: Sequence[SearchSource]) -> tuple[list[tuple[str, Any]], list[Any]]:
    """The document's lines ``(field, value expression)`` in order — core, the kind's, the sources' —
    and the expressions of its exact keys."""
    lines: list[tuple[str, Any]] = [(name, _text(getattr(Asset, name))) for name in CORE_FIELDS]
    keys = [_text(getattr(Asset, name)) for name in CORE_EXACT]
    if kind is not None and kind.extension_model is not None:
        for name in kind.search_fields:
            lines.append((name, _text(getattr(kind.extension_model, name))))
            if name in kind.search_exact:
                keys.append(_text(getattr(kind.extension_model, name)))
    for source in sources:
        holder, value = getattr(source.model, source.assetid), getattr(source.model, source.value)

        def held(separator: str, holder: Any = holder, value: Any = value) -> Any:
            values = (select(func.aggregate_strings(func.lower(value), separator)).where(holder == Asset.assetid)
                      .correlate(Asset).scalar_subquery())
            return func.coalesce(values, "")

        lines.append((source.field, held(" ")))
        if source.exact:
            keys.append(held(LINE))  # each held value between newlines, like every exact key
    return lines, keys


def _document_select(kind: asset_kinds.AssetKind | None, sources: Sequence[SearchSource]) -> Any:
    lines, keys = _layout(kind, sources)
    stmt = select(
        Asset.assetid, Asset.site_id, Asset.asset_type_id,
        _joined([expr for _name, expr in lines]).label("content"),
        (literal(LINE, String) + _joined(keys) + literal(LINE, String)).label("exact_keys"),
        literal(",".join(name for name, _expr in lines), String).label("field_names"),
    ).select_from(Asset)
    if kind is not None and kind.extension_model is not None:
        stmt = stmt.outerjoin(kind.extension_model, kind.extension_model.assetid == Asset.assetid)
    return stmt


def rebuild(assetids: Iterable[int] | None = None, *, executor: Any = None,
            progress: Callable[[int, int], None] | None = None) -> int:
    """Write the documents of ``assetids`` (None: every asset) from the rows as they are now.

    Set-based: per batch of assets, one ``DELETE`` and one ``INSERT ... SELECT`` per asset kind in it
    (every asset gets one document: its kind's layout, or the core's). ``executor`` is the session
    (default) or a connection (a migration); the caller commits. ``progress`` is called with (assets
    done, total) after each batch. Returns how many assets the batches covered.
    """
    run = (executor or db.session).execute
    kinds, sources = _kinds(), _sources()
    type_ids = dict(run(select(AssetType.name, AssetType.id)).all())
    served = {type_ids[kind.type_name]: kind for kind in kinds if kind.type_name in type_ids}

    batches: list[tuple[Callable[[Any], Any], int | None]]
    if assetids is None:
        low, high = run(select(func.min(Asset.assetid), func.max(Asset.assetid))).one()
        total = run(select(func.count()).select_from(Asset)).scalar_one()
        batches = [] if low is None else [
            (lambda c, a=start, b=min(start + WINDOW - 1, high): c.between(a, b), None)
            for start in range(low, high + 1, WINDOW)]
    else:
        ids = sorted(set(assetids))
        total = len(ids)
        batches = [(lambda c, chunk=ids[i:i + CHUNK]: c.in_(chunk), len(ids[i:i + CHUNK]))
                   for i in range(0, len(ids), CHUNK)]

    executor = executor or db.session
    bind = executor.get_bind() if hasattr(executor, "get_bind") else executor
    # The whole plant on SQLite: FTS5 is filled once at the end ('rebuild') instead of row by row by the
    # triggers — five times faster. The transaction holds SQLite's one write lock, so no writer sees the
    # triggers missing, and a failure rolls their removal back with the rest.
    whole_fts = assetids is None and bind.dialect.name == "sqlite"
    if whole_fts:
        for trigger in SQLITE_TRIGGERS:
            run(text(f"DROP TRIGGER IF EXISTS {trigger}"))
        run(text(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('delete-all')"))
    done = 0
    for within, size in batches:
        run(delete(SearchDocument).where(within(SearchDocument.assetid)))
        if size is None:  # a window of the whole plant: every kind
            types = set(served) | {None}
        else:  # a few assets (one write): only the kinds they are of
            present = set(run(select(Asset.asset_type_id).where(within(Asset.assetid)).distinct()).scalars())
            types = (present & set(served)) | ({None} if present - set(served) else set())
        for type_id in types:
            of_kind = (Asset.asset_type_id == type_id if type_id is not None
                       else Asset.asset_type_id.not_in(list(served)) if served else literal(True))
            documents = _document_select(served.get(type_id), sources).where(within(Asset.assetid), of_kind)
            if bind.dialect.name == "mysql":  # the fragments are cut in Python: read, then written in bulk
                rows = [{**row, "fragments": fragments(row["content"])} for row in run(documents).mappings()]
                if rows:
                    run(insert(SearchDocument.__table__), rows)
                continue
            run(insert(SearchDocument.__table__).from_select(
                ["assetid", "site_id", "asset_type_id", "content", "exact_keys", "field_names"], documents))
        done += size if size is not None else run(
            select(func.count()).select_from(Asset).where(within(Asset.assetid))).scalar_one()
        if progress is not None:
            progress(min(done, total), total)
    if assetids is None and not batches:
        run(delete(SearchDocument))
    if whole_fts:
        run(text(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')"))
        for statement in SQLITE_CREATE[1:]:  # the triggers again
            run(text(statement))
    return done


# -- searching -----------------------------------------------------------------------------------
def variants(q: str) -> list[str]:
    """The texts ``q`` stands for, lower-cased: itself, and a MAC or IP in its stored spelling
    (``00-14-22-01-23-45`` finds ``00:14:22:01:23:45``, ``2001:0DB8::0001`` finds ``2001:db8::1``)."""
    found = [q.strip().lower()]
    for normal in (mac_or_none(q), ip_or_none(q)):
        if normal and normal.lower() not in found:
            found.append(normal.lower())
    return [v for v in found if v]


def _like(value: str) -> str:
    return value.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", "\\%").replace("_", "\\_")


def _contains(value: str) -> ColumnElement[bool]:
    return SearchDocument.content.like(f"%{_like(value)}%", escape=LIKE_ESCAPE)


def _fts_phrase(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


_FTS = table(FTS_TABLE, column("rowid"), column("content"))


def fragments(content: str) -> str:
    """MariaDB's ``fragments`` of a document: ``p2-sf-08266`` → ``x08266 x8266 x266`` (each once)."""
    found = {word[i:i + FRAGMENT_LENGTH]
             for word in set(_WORD.findall(content)) for i in range(len(word) - MIN_INDEXED + 1)}
    return FRAGMENT_MARK + f" {FRAGMENT_MARK}".join(sorted(found)) if found else ""


def _mariadb_terms(value: str) -> str | None:
    """``p2-sf-082`` → ``+x082*``: each word FULLTEXT can look up must start a fragment of the document.
    A word of the text lies inside a word of every document containing the text, so every such document
    is among the rows these terms find (LIKE then keeps the true ones). None when no word can be looked up
    (all shorter than three characters, or one longer than a fragment): the caller scans."""
    words = [w for w in _WORD.findall(value) if len(w) >= MIN_INDEXED]
    if not words or any(len(w) > FRAGMENT_LENGTH for w in words):
        return None
    return " ".join(f"+{FRAGMENT_MARK}{w}*" for w in dict.fromkeys(words))


def matches(q: str) -> ColumnElement[bool]:
    """The documents containing ``q`` (or its MAC/IP spelling): the one search condition.

    A case-insensitive substring match on every database, served by its index where one can serve it:
    SQLite's trigrams, PostgreSQL's trigram GIN, MariaDB's FULLTEXT over the documents' fragments (any
    part of a word of three characters or more; ``8266`` finds ``p2-sf-08266``).
    """
    texts = variants(q)
    dialect = db.session.get_bind().dialect.name
    if any(len(v) < MIN_INDEXED for v in texts):
        return or_(*[_contains(v) for v in texts])
    if dialect == "sqlite":
        phrases = " OR ".join(_fts_phrase(v) for v in texts)
        return SearchDocument.assetid.in_(select(_FTS.c.rowid).where(_FTS.c.content.match(phrases)))
    if dialect == "mysql":
        served = []
        for v in texts:
            terms = _mariadb_terms(v)
            served.append(and_(SearchDocument.fragments.match(terms), _contains(v)) if terms else _contains(v))
        return or_(*served)
    return or_(*[_contains(v) for v in texts])


def exact_rank(q: str) -> ColumnElement[int]:
    """0 for a document whose exact keys (tag, hostname, IP, MAC...) include ``q`` whole, else 1."""
    exact = or_(*[SearchDocument.exact_keys.like(f"%{LINE}{_like(v)}{LINE}%", escape=LIKE_ESCAPE)
                  for v in variants(q)])
    return case((exact, 0), else_=1)


def matching_assets(q: str) -> ColumnElement[bool]:
    """For an asset list's ``?q=``: ``Asset.assetid IN (documents matching q)``. The subquery selects
    the ORM entity, so site scoping restricts it too."""
    return Asset.assetid.in_(select(SearchDocument.assetid).where(matches(q)))


def matched_field(q: str, content: str, field_names: str) -> str:
    """The first field of a document whose value contains ``q``: read from the page's rows, no query."""
    texts = variants(q)
    for name, line in zip(field_names.split(","), content.split(LINE), strict=False):
        if any(v in line for v in texts):
            return name
    return "content"  # a match the database folded differently (SQLite's lower() is ASCII-only)
