"""Extensions, created unbound here and bound to an app in ``create_app``; the SQLite connection tweaks.

The bottom of the import graph: it imports nothing of ShopDB (flask-smorest's ``Api`` is in
``shopdb.api.smorest``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import has_request_context, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import Pool

# Deterministic constraint names, so migrations and the MySQL schema dump are stable across dialects.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


# SQLite, the embedded default (ADR 0007): WAL lets readers run beside the one writer; the busy timeout
# makes a writer wait for the lock rather than fail; it stays under gunicorn's 30 s worker timeout so a
# lock that is never released ends as a 503, not as a killed worker.
SQLITE_BUSY_TIMEOUT_MS = 20_000
# Requests that only read: their transactions never take the write lock (HTTP says they must not write).
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_WRITE_LOCK = "shopdb_sqlite_write_lock"
_held = threading.local()  # write locks this thread holds (sync workers and the CLI: one per request/command)


def _is_sqlite(dbapi_connection) -> bool:
    module = type(dbapi_connection).__module__
    return module.startswith("sqlite3") or "pysqlite" in module


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """SQLite: foreign keys, WAL and a busy timeout; SQLAlchemy owns transactions (DDL is transactional)."""
    if _is_sqlite(dbapi_connection):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")  # kept in the file; an in-memory database stays "memory"
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


@event.listens_for(Engine, "connect")
def _mysql_read_committed(dbapi_connection, _record) -> None:
    """MariaDB/MySQL: READ COMMITTED, as PostgreSQL runs by default (and Django sets for MySQL).

    Under InnoDB's REPEATABLE READ a DELETE of a row that is not there takes a gap lock; two writers
    replacing the search documents of two new assets then wait on each other's gap and one is killed as
    a deadlock (a 503 for a plain create). READ COMMITTED takes no such gap locks; our code already runs
    under it on PostgreSQL.
    """
    if type(dbapi_connection).__module__.startswith("pymysql"):
        cursor = dbapi_connection.cursor()
        cursor.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
        cursor.close()


def sqlite_takes_write_lock() -> bool:
    """Whether a transaction beginning now takes SQLite's write lock up front (``BEGIN IMMEDIATE``).

    Yes for every transaction of a request that may write (POST, PUT, PATCH, DELETE) and outside
    requests (CLI, start-up), so it never has to upgrade a read lock — the upgrade is what fails with
    ``database is locked`` when another writer got there first; with the lock taken first, writers
    queue on the busy timeout instead. No for read-only requests, so readers never wait for a writer
    (WAL). No, also, while this thread already holds the lock on another connection: that connection
    (an inspector, a migration-state read) would otherwise wait for its own thread until the timeout.
    """
    if has_request_context() and request.method in READ_ONLY_METHODS:
        return False
    if getattr(_held, "reading", False):
        return False
    return not getattr(_held, "count", 0)


@contextmanager
def reads_only() -> Iterator[None]:
    """Transactions this thread begins meanwhile are read-only: plain ``BEGIN`` on SQLite, as for a GET.

    For a background thread that only reads (the live events' poller, ``shopdb.live``): outside a
    request it would otherwise take the write lock up front and queue behind every writer.
    """
    before = getattr(_held, "reading", False)
    _held.reading = True
    try:
        yield
    finally:
        _held.reading = before


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn) -> None:
    if conn.dialect.name != "sqlite":
        return
    if sqlite_takes_write_lock():
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        conn.info[_WRITE_LOCK] = True
        _held.count = getattr(_held, "count", 0) + 1
    else:
        conn.exec_driver_sql("BEGIN")


def _release(info: dict) -> None:
    if info.pop(_WRITE_LOCK, False):
        _held.count = max(getattr(_held, "count", 1) - 1, 0)


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _sqlite_end(conn) -> None:
    _release(conn.info)


@event.listens_for(Pool, "checkin")
def _sqlite_checkin(_dbapi_connection, record) -> None:
    if record is not None:  # a connection returned however its transaction ended holds no lock
        _release(record.info)
