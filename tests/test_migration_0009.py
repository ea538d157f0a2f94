"""Revision 0009 (case-insensitive order, ADR 0026): a 0008 database with assets gains ``name_key``, filled
for every stored name as the model would fill it, and the list indexes on the keys; down and up again
it keeps every row, and ends exactly as the models describe."""

from __future__ import annotations

from sqlalchemy import inspect, select

from shopdb.cli.db import core_chain
from shopdb.core.models import Asset
from shopdb.core.models.asset import LIST_INDEXES
from shopdb.extensions import db
from shopdb.testing import admin_client, make_app, migrate_database

from helpers import make_asset

BY_KEY = {index.name for index in LIST_INDEXES}
BY_TEXT = {"ix_assets_asset_tag_assetid", "ix_assets_name_assetid", "ix_assets_site_id_asset_tag_assetid",
           "ix_assets_site_id_status_asset_tag_assetid", "ix_assets_status_asset_tag_assetid",
           "ix_assets_asset_type_id_asset_tag_assetid", "ix_assets_location_id_asset_tag_assetid"}
NAMES = ["Presse 7", "STRASSE 1", "straße 2", "lathe", "Ölpumpe"]


def _asset_indexes(engine) -> set[str]:
    return {index["name"] for index in inspect(engine).get_indexes("assets")}


def test_a_0008_plant_gets_name_keys_for_every_asset_and_sorts_by_them(db_url):
    migrate_database(db_url)
    app = make_app(db_url)
    client = admin_client(app)
    site = client.post("/api/v1/sites", json={"code": "P1", "name": "Plant 1"}).get_json()["data"]["id"]
    for i, name in enumerate(NAMES):
        make_asset(client, None, site, f"M-{i}", name=name)
    chain = core_chain()
    with app.app_context():
        engine = db.engine
        assert _asset_indexes(engine).issuperset(BY_KEY)  # a fresh install: from the models
        db.session.remove()
        chain.downgrade(engine, "0008")  # the schema as the previous release left it
        assert "name_key" not in {c["name"] for c in inspect(engine).get_columns("assets")}
        indexes = _asset_indexes(engine)
        assert indexes.issuperset(BY_TEXT) and not indexes & BY_KEY
        chain.upgrade(engine)
        indexes = _asset_indexes(engine)
        assert indexes.issuperset(BY_KEY) and not indexes & BY_TEXT
        assert chain.diff(engine) == []
        stored = dict(db.session.execute(select(Asset.name, Asset.name_key)).all())
        assert stored == {name: name.casefold() for name in NAMES}  # casefold, not SQL's ASCII-only LOWER
        db.session.remove()
    listed = client.get("/api/v1/assets?sort=name&per_page=50").get_json()["data"]
    # Letters beyond ASCII sort by code point on SQLite and PostgreSQL, by language on MariaDB (ADR 0026).
    expected = (["lathe", "Ölpumpe", "Presse 7", "STRASSE 1", "straße 2"] if db_url.startswith("mysql")
                else ["lathe", "Presse 7", "STRASSE 1", "straße 2", "Ölpumpe"])
    assert [a["name"] for a in listed] == expected
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
