"""Revision 0010 (search fragments, ADR 0018 addendum): a 0009 database gains ``search_documents.fragments``;
on MariaDB the FULLTEXT index moves from ``content`` to the fragments and every document is written again,
so the middle of a word is found there too. Down and up again it keeps every document and ends exactly as
the models describe."""

from __future__ import annotations

from sqlalchemy import func, inspect, select

from shopdb.cli.db import core_chain
from shopdb.core.models.search import SearchDocument
from shopdb.extensions import db
from shopdb.testing import admin_client, make_app, migrate_database

from helpers import make_asset


def _found(client, q: str) -> list[str]:
    response = client.get("/api/v1/search", query_string={"q": q})
    assert response.status_code == 200, response.get_json()
    return [hit["asset_tag"] for hit in response.get_json()["data"]]


def test_a_0009_plant_finds_the_middle_of_a_word_after_the_upgrade_on_every_database(db_url):
    migrate_database(db_url)
    app = make_app(db_url)
    client = admin_client(app)
    site = client.post("/api/v1/sites", json={"code": "P1", "name": "Plant 1"}).get_json()["data"]["id"]
    make_asset(client, None, site, "M-1", name="Lathe p2-sf-08266")
    make_asset(client, None, site, "M-2", name="Mill p2-sf-09100")
    mariadb = db_url.startswith("mysql")
    chain = core_chain()
    with app.app_context():
        engine = db.engine
        db.session.remove()
        chain.downgrade(engine, "0009")  # the schema as the previous release left it
        assert "fragments" not in {c["name"] for c in inspect(engine).get_columns("search_documents")}
        indexes = {index["name"] for index in inspect(engine).get_indexes("search_documents")}
        assert ("ft_search_documents_content" in indexes) == mariadb
        chain.upgrade(engine)
        indexes = {index["name"] for index in inspect(engine).get_indexes("search_documents")}
        assert ("ft_search_documents_fragments" in indexes) == mariadb
        assert "ft_search_documents_content" not in indexes
        assert chain.diff(engine) == []
        assert db.session.execute(select(func.count()).select_from(SearchDocument)).scalar_one() == 2
        filled = db.session.execute(select(SearchDocument.fragments).where(SearchDocument.fragments.is_not(None)))
        assert len(filled.all()) == (2 if mariadb else 0)  # only MariaDB's FULLTEXT reads them
        db.session.remove()
    assert _found(client, "8266") == ["M-1"]
    assert _found(client, "sf-0") == ["M-1", "M-2"]
    assert _found(client, "ill p2") == ["M-2"]
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
