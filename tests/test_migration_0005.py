"""Revision 0005 (access): a 0004 database with users, tokens, assets and audit rows is upgraded with every
row kept and each audit row given its asset's site; down to 0004 and up again changes no row."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool

from shopdb.cli.db import core_chain
from shopdb.extensions import db
from shopdb.testing import make_app, migrate_database, token_for

TABLES = ("users", "api_tokens", "assets", "audit_log", "sites")
NEW_COLUMNS = {"users": {"auth_source", "session_epoch"},
               "api_tokens": {"write_enabled", "last_used_address", "revoked_at"},
               "audit_log": {"site_id", "address"}}


def _counts(conn) -> dict[str, int]:
    return {t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one() for t in TABLES}


def test_a_0004_database_is_upgraded_with_its_rows_kept_and_audit_sites_filled_in(db_url):
    migrate_database(db_url)
    app = make_app(db_url)
    client = app.test_client()
    admin = {"Authorization": f"Bearer {token_for(client)}"}
    site = client.post("/api/v1/sites", json={"code": "P1", "name": "Plant 1"}, headers=admin).get_json()["data"]
    made = client.post("/api/v1/computers", headers=admin, json={
        "asset_tag": "PC-1", "name": "CNC PC", "hostname": "p1-pc-1", "pc_type": "shopfloor", "site_id": site["id"]})
    assert made.status_code == 201, made.get_json()
    assetid = made.get_json()["data"]["assetid"]
    assert client.post("/api/v1/users", headers=admin,
                       json={"username": "anna", "password": "A-long-password-1"}).status_code == 201
    anna = {"Authorization": f"Bearer {token_for(client, 'anna', 'A-long-password-1')}"}

    chain = core_chain()
    with app.app_context():
        db.session.commit()
        chain.downgrade(db.engine, "0004")  # the database as the previous release left it
        assert chain.current(db.engine) == "0004"
        inspector = inspect(db.engine)
        for table, columns in NEW_COLUMNS.items():
            assert not columns & {c["name"] for c in inspector.get_columns(table)}, table
        db.engine.dispose()

    engine = create_engine(db_url, poolclass=NullPool)
    with engine.begin() as conn:
        before = _counts(conn)
        with_asset = conn.execute(text("SELECT COUNT(*) FROM audit_log WHERE assetid = :a"),
                                  {"a": assetid}).scalar_one()
    engine.dispose()
    assert with_asset >= 2  # the asset's row and its extension row

    migrate_database(db_url)  # what `shopdb db upgrade` runs
    upgraded = make_app(db_url)
    with upgraded.app_context():
        assert chain.current(db.engine) == chain.head() and chain.diff(db.engine) == []
        with db.engine.connect() as conn:
            assert _counts(conn) == before
            sites = conn.execute(text("SELECT DISTINCT site_id FROM audit_log WHERE assetid = :a"),
                                 {"a": assetid}).scalars().all()
            assert sites == [site["id"]]
            users = dict(conn.execute(text("SELECT username, auth_source FROM users")).all())
            assert users == {"admin": "local", "anna": "local"}
            assert conn.execute(text("SELECT COUNT(*) FROM api_tokens WHERE write_enabled = :t "
                                     "AND revoked_at IS NULL"), {"t": True}).scalar_one() == before["api_tokens"]
        db.engine.dispose()

    # The old tokens still work, may write, and the audit records the new columns from now on.
    client = upgraded.test_client()
    assert client.get("/api/v1/auth/me", headers=anna).get_json()["data"]["username"] == "anna"
    moved = client.post("/api/v1/locations", json={"site_id": site["id"], "name": "Hall"}, headers=admin)
    assert moved.status_code == 201, moved.get_json()
    with upgraded.app_context():
        row = db.session.execute(text("SELECT site_id, address FROM audit_log WHERE table_name = 'locations'")).one()
        assert tuple(row) == (site["id"], "127.0.0.1")
        db.session.remove()
        db.engine.dispose()
