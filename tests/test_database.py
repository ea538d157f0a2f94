"""What the database itself guarantees, on SQLite, MariaDB and PostgreSQL (SPEC §9)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from shopdb.api.errors import Conflict
from shopdb.core.models import Asset
from shopdb.core.services import writes
from shopdb.extensions import db

NOW = "2025-01-01 00:00:00"


def _seed(conn) -> None:
    # Raw SQL bypasses the models, so it writes the normalised keys itself (docs/adr/0008).
    conn.execute(text(f"INSERT INTO sites (code, code_key, name, timezone, version, created_at, updated_at) "
                      f"VALUES ('S', 's', 's', 'UTC', 1, '{NOW}', '{NOW}')"))
    conn.execute(text(f"INSERT INTO asset_types (name, label, created_at, updated_at) "
                      f"VALUES ('t', 'T', '{NOW}', '{NOW}')"))


def _asset(conn, tag: str, status: str = "active", site: int = 1) -> None:
    conn.execute(text("INSERT INTO assets (asset_tag, asset_tag_key, name, name_key, asset_type_id, status, site_id, "
                      f"version, created_at, updated_at) VALUES ('{tag}', '{tag.casefold()}', 'n', 'n', 1, "
                      f"'{status}', {site}, 1, '{NOW}', '{NOW}')"))


@pytest.fixture
def engine(migrated_app):
    eng = create_engine(migrated_app.config["SQLALCHEMY_DATABASE_URI"], poolclass=NullPool)
    with eng.begin() as conn:
        _seed(conn)
    yield eng
    eng.dispose()


def test_asset_tag_unique_per_site_is_enforced_by_the_database(engine):
    with engine.begin() as conn:
        _asset(conn, "M-1")
    with pytest.raises(IntegrityError), engine.begin() as conn:
        _asset(conn, "M-1")


def test_status_check_and_foreign_keys_are_enforced_by_the_database(engine):
    # MariaDB reports a CHECK violation as OperationalError 4025; the service maps both to 422.
    with pytest.raises((IntegrityError, OperationalError)), engine.begin() as conn:
        _asset(conn, "M-2", status="exploded")
    with pytest.raises(IntegrityError), engine.begin() as conn:
        _asset(conn, "M-3", site=999)


def test_list_filter_and_search_columns_are_indexed(engine):
    indexed = {tuple(ix["column_names"]) for ix in inspect(engine).get_indexes("assets")}
    indexed |= {tuple(u["column_names"]) for u in inspect(engine).get_unique_constraints("assets")}
    # A filter is served when an index starts with its columns (the list indexes end in the key: ADR 0019);
    # text with a normalised key is looked up by its key too (``ordering.equal_to``: ADR 0026).
    for columns in (("name_key",), ("asset_tag_key",), ("status",), ("asset_type_id",), ("serial_number",),
                    ("site_id", "asset_tag")):
        assert any(index[:len(columns)] == columns for index in indexed), columns


def test_two_writers_with_the_same_version_cannot_both_win(migrated_app, engine):
    with engine.begin() as conn:
        _asset(conn, "M-9")
    # Both read version 1; reads end their transactions (SQLite would otherwise lock the writer out).
    first, second = Session(engine, expire_on_commit=False), Session(engine, expire_on_commit=False)
    a1, a2 = first.get(Asset, 1), second.get(Asset, 1)
    first.commit()
    second.commit()
    a1.name = "first"
    first.commit()
    a2.name = "second"
    with pytest.raises(Exception) as lost:
        second.commit()
    assert "StaleData" in type(lost.value).__name__
    first.close()
    second.close()
    with migrated_app.app_context():
        asset = db.session.get(Asset, 1)
        assert asset.name == "first" and asset.version == 2
        with pytest.raises(Conflict) as conflict, writes.transaction():
            writes.update(asset, {"name": "third"}, expected_version=1)
        assert conflict.value.details["current_version"] == 2


def test_a_check_constraint_refusal_becomes_a_422_not_a_500(migrated_app, engine):
    from shopdb.api.errors import ValidationFailed

    with engine.begin() as conn:
        _asset(conn, "M-7")
    with migrated_app.app_context():
        asset = db.session.get(Asset, 1)
        with pytest.raises(ValidationFailed), writes.transaction():
            asset.status = "exploded"  # bypasses the schema on purpose: the database is the last line
            db.session.flush()
        db.session.rollback()
        assert db.session.get(Asset, 1).status == "active"
