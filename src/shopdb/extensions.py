"""Extensions, created unbound here and bound to an app in ``create_app``."""

from __future__ import annotations

from flask_smorest import Api as _SmorestApi
from flask_smorest import Blueprint as _SmorestBlueprint
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

from .api.errors import render_http_exception
from .api.openapi import ErrorSchema
from .api.parsing import ShopdbParser

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


class Api(_SmorestApi):
    """flask-smorest's Api, rendering and documenting its errors in ShopDB's one error format."""

    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error):
        return render_http_exception(error)


# flask-smorest's documented extension point: every blueprint (core and plugins) parses with ours.
_SmorestBlueprint.ARGUMENTS_PARSER = ShopdbParser()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """SQLite: enforce foreign keys, and let SQLAlchemy own transactions so DDL is transactional."""
    module = type(dbapi_connection).__module__
    if module.startswith("sqlite3") or "pysqlite" in module:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN")
