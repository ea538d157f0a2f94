"""Pytest fixtures for ShopDB and its plugins (loaded automatically through ``pytest11``).

``app`` / ``client`` give a fresh SQLite database with the core and every plugin on
``SHOPDB_PLUGIN_PATH`` migrated, ``client`` acting as the admin and ``anonymous_client`` as nobody;
``auth_headers`` carries an admin bearer token; ``site`` and
``other_site`` are two plants; ``user_headers`` makes users of a role; ``count_rows`` reads a table. Database-specific
tests take ``db_url``, parametrised over SQLite, MariaDB (``SHOPDB_TEST_MYSQL_URL``) and PostgreSQL
(``SHOPDB_TEST_POSTGRES_URL``); the server ones skip with a reason when their URL is unset.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import MetaData, create_engine, func, inspect, make_url, select, text
from sqlalchemy.pool import NullPool

ADMIN_PASSWORD = "Test-admin-password-1"
SERVER_URLS = {"mysql": "SHOPDB_TEST_MYSQL_URL", "postgresql": "SHOPDB_TEST_POSTGRES_URL"}
_templates: dict[tuple, Path] = {}


def config_for(db_url: str, **extra: Any) -> dict[str, Any]:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": db_url,
        "SHOPDB_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "SQLALCHEMY_ENGINE_OPTIONS": {"poolclass": NullPool} if db_url.startswith("sqlite") else {},
        # One process: live events stay in it (no poller thread per test app); tests/test_live_relay.py
        # runs the database broker, which is the default outside the tests.
        "SHOPDB_LIVE_BROKER": "memory",
    }
    config.update(extra)
    return config


def migrate_database(db_url: str, **extra: Any) -> dict[str, dict]:
    """Core chain, first admin and ``upgrade_all_plugins`` on ``db_url``; returns the statuses."""
    from . import create_app
    from .auth.bootstrap import ensure_admin
    from .cli.db import core_chain
    from .extensions import db
    from .plugins.manager import get_manager

    app = create_app(config_for(db_url, **extra))
    with app.app_context():
        core_chain().upgrade(db.engine)
        ensure_admin()
        report = get_manager(app).upgrade_all_plugins()
        db.engine.dispose()
    return report.statuses


def make_app(db_url: str, **extra: Any) -> Flask:
    """A served app on an already-migrated database (enabled plugins registered at start-up)."""
    from . import create_app

    return create_app(config_for(db_url, **extra))


def reset_database(db_url: str) -> None:
    """Drop every table (for the shared MariaDB/PostgreSQL test databases)."""
    engine = create_engine(db_url, poolclass=NullPool)
    with engine.begin() as conn:
        meta = MetaData()
        meta.reflect(conn)
        if conn.dialect.name == "mysql":
            conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS=0")
            for table in meta.sorted_tables:
                conn.exec_driver_sql(f"DROP TABLE IF EXISTS `{table.name}`")
            conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS=1")
        else:
            meta.drop_all(conn)
    with engine.connect() as conn:
        assert not inspect(conn).get_table_names()
    engine.dispose()


def _template_for(plugin_key: tuple) -> Path:
    """Migrating takes a while; do it once per session and copy the SQLite file per test."""
    if plugin_key not in _templates:
        folder = Path(tempfile.mkdtemp(prefix="shopdb-template-"))
        path = folder / "template.sqlite"
        migrate_database(f"sqlite:///{path}")
        _templates[plugin_key] = path
    return _templates[plugin_key]


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'shopdb.sqlite'}"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    key = (os.environ.get("SHOPDB_PLUGIN_PATH", ""), os.environ.get("SHOPDB_PLUGINS", ""))
    path = tmp_path / "shopdb.sqlite"
    shutil.copy(_template_for(key), path)
    application = make_app(f"sqlite:///{path}")
    yield application


def admin_token_for(app: Flask, name: str = "tests") -> str:
    """A bearer token of the first admin, issued straight in the database (no login round trip)."""
    from .auth.tokens import issue_token
    from .core.models import User
    from .extensions import db

    with app.app_context():
        admin = db.session.execute(select(User).where(User.username == "admin")).scalar_one()
        token, _row = issue_token(admin, name)
        db.session.commit()
    return token


def admin_client(app: Flask):
    """A test client that reads and writes as the admin (deny by default: anonymous gets 401).

    Headers passed to a request replace the default ``Authorization`` (``user_headers(...)``); for
    anonymous requests and cookie sessions use ``app.test_client()`` / ``anonymous_client``.
    """
    test_client = app.test_client()
    test_client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {admin_token_for(app)}"
    return test_client


@pytest.fixture
def client(app: Flask):
    """The admin's test client (``admin_client``)."""
    return admin_client(app)


@pytest.fixture
def anonymous_client(app: Flask):
    """A test client with no credentials: what a stranger on the plant network gets."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


def token_for(client, username: str = "admin", password: str = ADMIN_PASSWORD) -> str:
    response = client.post("/api/v1/auth/tokens", json={"username": username, "password": password})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]["token"]


@pytest.fixture
def auth_headers(client) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(client)}"}


@pytest.fixture
def site(client, auth_headers) -> dict:
    response = client.post("/api/v1/sites", json={"code": "P1", "name": "Plant 1"}, headers=auth_headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]


@pytest.fixture
def other_site(client, auth_headers) -> dict:
    """A second plant, ``P2``, for per-site rules."""
    response = client.post("/api/v1/sites", json={"code": "P2", "name": "Plant 2"}, headers=auth_headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]


@pytest.fixture
def user_headers(client, auth_headers) -> Callable[..., dict]:
    """``user_headers(role, site_ids=(), name=None)``: bearer headers of a new user with that role."""

    def make(role: str, site_ids: tuple[int, ...] = (), name: str | None = None) -> dict:
        name = name or f"{role}{len(site_ids)}user"
        password = "A-long-password-1"
        response = client.post("/api/v1/users", json={"username": name, "password": password, "role": role,
                                                       "site_ids": list(site_ids)}, headers=auth_headers)
        assert response.status_code == 201, response.get_json()
        return {"Authorization": f"Bearer {token_for(client, name, password)}"}

    return make


@pytest.fixture
def count_rows(app) -> Callable[[str], int]:
    """Rows in a table, read straight from the database (what the API says is not evidence)."""

    def count(table: str) -> int:
        from .extensions import db

        with app.app_context():
            return db.session.execute(select(func.count()).select_from(text(table))).scalar_one()

    return count


_own_databases: dict[str, str] = {}


def server_url(name: str) -> str | None:
    """The test database URL of server ``name`` (``mysql``/``postgresql``), or None when it is not set.

    Under pytest-xdist (``make test`` runs two workers) each worker gets a database of its own, named
    after the configured one plus the worker's id (``shopdb_test_gw1``) and created on first use, so two
    workers never wipe each other's tables.
    """
    url = os.environ.get(SERVER_URLS[name])
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url or None
    if url not in _own_databases:
        base = make_url(url)
        own = base.set(database=f"{base.database}_{worker}")
        # Created from the server's own maintenance database: the configured one may not exist yet.
        options = {"isolation_level": "AUTOCOMMIT"} if name == "postgresql" else {}
        server = base._replace(database="postgres" if name == "postgresql" else None)  # set() keeps a None
        engine = create_engine(server, poolclass=NullPool, **options)
        with engine.connect() as conn:
            if name == "postgresql":
                exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                      {"n": own.database}).first()
                if not exists:
                    conn.exec_driver_sql(f'CREATE DATABASE "{own.database}"')
            else:
                conn.exec_driver_sql(f"CREATE DATABASE IF NOT EXISTS `{own.database}` "
                                     "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        engine.dispose()
        _own_databases[url] = own.render_as_string(hide_password=False)
    return _own_databases[url]


def _server_url(name: str) -> str:
    url = server_url(name)
    if not url:
        pytest.skip(f"{SERVER_URLS[name]} is not set; {name} tests run in CI (.ci/run)")
    return url


@pytest.fixture(params=["sqlite", "mysql", "postgresql"])
def db_url(request, tmp_path: Path) -> str:
    """An empty database of each kind (the server ones are wiped first)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shopdb.sqlite'}"
    url = _server_url(request.param)
    reset_database(url)
    return url


@pytest.fixture(params=["sqlite", "mysql", "postgresql"])
def migrated_app(request, tmp_path: Path) -> Iterator[Flask]:
    """A served app on each database kind, core and plugins migrated."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'shopdb.sqlite'}"
    else:
        url = _server_url(request.param)
        reset_database(url)
    migrate_database(url)
    application = make_app(url)
    yield application
    from .extensions import db

    with application.app_context():
        db.session.remove()
        db.engine.dispose()
