"""Revision 0007 (list indexes, ADR 0019): a 0006 database gets the lists' composite indexes in place of the
single-column ones, down and up again, and ends exactly as the models describe."""

from __future__ import annotations

from sqlalchemy import inspect

from shopdb.cli.db import core_chain
from shopdb.core.models.asset import LIST_INDEXES
from shopdb.extensions import db
from shopdb.testing import make_app, migrate_database

OLD = {"ix_assets_asset_tag", "ix_assets_name", "ix_assets_status", "ix_assets_asset_type_id",
       "ix_assets_location_id", "ix_assets_site_id_status"}
NEW = {index.name for index in LIST_INDEXES}


def _asset_indexes(engine) -> set[str]:
    return {index["name"] for index in inspect(engine).get_indexes("assets")}


def test_a_0006_database_trades_its_single_column_indexes_for_the_lists_composites(db_url):
    migrate_database(db_url)
    app = make_app(db_url)
    chain = core_chain()
    with app.app_context():
        engine = db.engine
        indexes = _asset_indexes(engine)  # a fresh install: from the models
        assert indexes.issuperset(NEW) and not indexes & OLD
        chain.downgrade(engine, "0006")  # the indexes as the previous release left them
        indexes = _asset_indexes(engine)
        assert indexes.issuperset(OLD) and not indexes & NEW
        chain.upgrade(engine)
        indexes = _asset_indexes(engine)
        assert indexes.issuperset(NEW) and not indexes & OLD
        assert chain.diff(engine) == []
        db.session.remove()
        engine.dispose()
