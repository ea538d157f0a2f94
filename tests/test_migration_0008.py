"""Revision 0008 (live events relay, ADR 0021 addendum): a 0007 database gains the ``live_events`` table,
loses it going down and gains it again, and ends exactly as the models describe."""

from __future__ import annotations

from sqlalchemy import insert, inspect, select

from shopdb.cli.db import core_chain
from shopdb.core.models import LiveEventRecord, utcnow
from shopdb.extensions import db
from shopdb.testing import make_app, migrate_database


def test_a_0007_database_gains_the_live_events_table_and_a_downgrade_takes_it_away(db_url):
    migrate_database(db_url)
    app = make_app(db_url)
    chain = core_chain()
    with app.app_context():
        engine = db.engine
        assert inspect(engine).has_table("live_events")  # a fresh install: from the models
        chain.downgrade(engine, "0007")
        assert not inspect(engine).has_table("live_events")
        chain.upgrade(engine)
        assert inspect(engine).has_table("live_events")
        assert chain.diff(engine) == []
        table = LiveEventRecord.__table__
        with engine.begin() as conn:  # ids count up from 1, and an emptied table never hands one out again
            row = {"created_at": utcnow(), "name": "asset.changed",
                   "data": "{}", "site_ids": ""}
            first = conn.execute(insert(table), row).inserted_primary_key[0]
            conn.execute(table.delete())
            second = conn.execute(insert(table), row).inserted_primary_key[0]
            assert [first, second] == [1, 2]
            assert conn.scalar(select(table.c.id)) == 2
        db.session.remove()
        engine.dispose()
