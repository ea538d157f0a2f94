"""The search index (docs/adr/0018): one document per asset that follows every write, found by
``/api/v1/search`` and every asset list's ``?q=`` with one lookup, site scoping applied inside it."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, select, text
from sqlalchemy.pool import NullPool

from shopdb.cli.db import core_chain
from shopdb.core.models import SearchDocument
from shopdb.extensions import db
from shopdb.testing import admin_client, make_app, migrate_database, token_for

from helpers import make_generic_type, statements


@pytest.fixture
def plant(migrated_app: Flask):
    client = admin_client(migrated_app)
    headers = {"Authorization": f"Bearer {token_for(client)}"}
    site = client.post("/api/v1/sites", json={"code": "P1", "name": "Plant 1"}, headers=headers).get_json()["data"]
    make_generic_type(client, headers)
    return migrated_app, client, headers, site["id"]


def made(response) -> dict:
    assert response.status_code in (200, 201), response.get_json()
    return response.get_json()["data"]


def found(client, q: str, url: str = "/api/v1/search", headers: dict | None = None) -> list[str]:
    response = client.get(url, query_string={"q": q, "per_page": 500}, headers=headers or {})
    assert response.status_code == 200, response.get_json()
    return [hit["asset_tag"] for hit in response.get_json()["data"]]


def document(app: Flask, assetid: int) -> str | None:
    with app.app_context():
        row = db.session.get(SearchDocument, assetid)
        content = row.content if row is not None else None
        db.session.remove()
    return content


def dialect_of(app: Flask) -> str:
    with app.app_context():
        return db.engine.dialect.name


def pc(client, headers, site_id: int, tag: str, hostname: str, **fields) -> dict:
    return made(client.post("/api/v1/computers", headers=headers, json={
        "asset_tag": tag, "name": f"PC {tag}", "site_id": site_id, "hostname": hostname, "pc_type": "shopfloor",
        **fields}))


def test_the_document_follows_create_patch_ip_assignment_and_delete(plant):
    app, client, headers, site_id = plant
    machine = pc(client, headers, site_id, "PC-1", "p1-lathe-pc", serial_number="SN-7731")
    assert found(client, "lathe-pc") == found(client, "sn-7731") == ["PC-1"]

    made(client.patch(f"/api/v1/computers/{machine['assetid']}", headers=headers,
                      json={"hostname": "p1-mill-pc", "version": machine["version"]}))
    assert found(client, "lathe-pc") == [] and found(client, "mill-pc") == ["PC-1"]

    subnet = made(client.post("/api/v1/network/subnets", headers=headers,
                              json={"cidr": "10.9.8.0/24", "name": "Cells", "site_id": site_id}))
    address = made(client.post("/api/v1/network/ip-addresses", headers=headers, json={
        "address": "10.9.8.77", "subnet_id": subnet["id"], "assetid": machine["assetid"]}))
    assert found(client, "10.9.8.77") == ["PC-1"]
    assert "10.9.8.77" in document(app, machine["assetid"])

    made(client.patch(f"/api/v1/network/ip-addresses/{address['id']}", headers=headers,
                      json={"assetid": None, "version": address["version"]}))
    assert found(client, "10.9.8.77") == []

    assert client.delete(f"/api/v1/computers/{machine['assetid']}", headers=headers).status_code == 204
    assert found(client, "mill-pc") == [] and document(app, machine["assetid"]) is None


def test_a_hostname_typed_in_part_and_in_any_case_finds_the_asset(plant):
    app, client, headers, site_id = plant
    pc(client, headers, site_id, "PC-1", "p2-sf-08266")
    pc(client, headers, site_id, "PC-2", "p2-sf-09100")
    assert found(client, "P2-SF-0826") == ["PC-1"]  # a word's start
    assert found(client, "sf-08266") == ["PC-1"]
    # The middle of a word, on every database (MariaDB: its FULLTEXT over the words' fragments, ADR 0018).
    assert found(client, "8266") == ["PC-1"]
    assert found(client, "F-0826") == ["PC-1"]  # the end of one word and the start of the next


def test_an_exact_hostname_ip_or_mac_ranks_before_partial_hits(plant):
    _app, client, headers, site_id = plant
    pc(client, headers, site_id, "A-1", "cnc-12a")
    pc(client, headers, site_id, "B-2", "cnc-12")
    pc(client, headers, site_id, "C-3", "old-cnc-12", primary_ip="10.1.1.12", mac_address="00:14:22:01:23:45")
    assert found(client, "cnc-12") == ["B-2", "A-1", "C-3"]
    assert found(client, "00-14-22-01-23-45") == ["C-3"]  # a MAC in another spelling is the stored one
    response = client.get("/api/v1/search", query_string={"q": "CNC-12"}).get_json()
    assert [(h["asset_tag"], h["matched"]) for h in response["data"]][0] == ("B-2", "hostname")


def test_short_queries_and_wildcards_are_plain_substrings(plant):
    _app, client, headers, site_id = plant
    for tag in ("JIG_1", "JIG-1", "JIG%2", "X7"):
        made(client.post("/api/v1/assets", headers=headers,
                         json={"asset_tag": tag, "name": "Jig", "site_id": site_id, "asset_type": "fixture"}))
    assert found(client, "x7") == ["X7"]  # two characters: no trigram, still found
    assert found(client, "g_") == ["JIG_1"]
    assert found(client, "g%2") == ["JIG%2"]
    assert found(client, "jig_1", "/api/v1/assets") == ["JIG_1"]


def test_every_asset_list_asks_the_index(plant):
    _app, client, headers, site_id = plant
    pc(client, headers, site_id, "PC-1", "p1-robot-pc")
    made(client.post("/api/v1/assets", headers=headers,
                     json={"asset_tag": "R-1", "name": "Robot cell", "site_id": site_id, "asset_type": "fixture"}))
    assert found(client, "robot", "/api/v1/assets") == ["PC-1", "R-1"]  # a plugin's field found by the core list
    assert found(client, "robot", "/api/v1/computers") == ["PC-1"]  # the plugin list keeps its own type
    assert found(client, "robot", "/api/v1/printers") == []


def test_a_site_limited_viewer_finds_only_their_sites_assets(plant):
    _app, client, headers, site_id = plant
    other = made(client.post("/api/v1/sites", json={"code": "P2", "name": "Plant 2"}, headers=headers))
    pc(client, headers, site_id, "PC-MINE", "shared-name-1")
    pc(client, headers, other["id"], "PC-THEIRS", "shared-name-2")
    made(client.post("/api/v1/users", headers=headers, json={
        "username": "p1viewer", "password": "A-long-password-1", "role": "viewer", "site_ids": [site_id]}))
    viewer = {"Authorization": f"Bearer {token_for(client, 'p1viewer', 'A-long-password-1')}"}
    for url in ("/api/v1/search", "/api/v1/assets", "/api/v1/computers"):
        response = client.get(url, query_string={"q": "shared-name"}, headers=viewer).get_json()
        assert [h["asset_tag"] for h in response["data"]] == ["PC-MINE"], url
        assert response["meta"]["total"] == 1, url
    assert found(client, "shared-name", headers=headers) == ["PC-MINE", "PC-THEIRS"]


def test_imported_assets_are_found(plant, tmp_path: Path):
    app, client, _headers, _site_id = plant
    path = tmp_path / "pcs.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["asset_type", "asset_tag", "name", "site", "hostname", "pc_type"])
        writer.writeheader()
        writer.writerow({"asset_type": "computer", "asset_tag": "PC-IMP", "name": "Imported", "site": "P1",
                         "hostname": "p1-imported-pc", "pc_type": "shopfloor"})
    result = app.test_cli_runner().invoke(args=["import", str(path)])
    assert result.exit_code == 0, result.output
    assert found(client, "imported-pc") == ["PC-IMP"]


def test_uninstalling_a_plugin_takes_its_values_out_of_other_assets_documents(plant):
    app, client, headers, site_id = plant
    machine = pc(client, headers, site_id, "PC-1", "p1-pc-1")
    subnet = made(client.post("/api/v1/network/subnets", headers=headers,
                              json={"cidr": "10.4.4.0/24", "name": "Cells", "site_id": site_id}))
    made(client.post("/api/v1/network/ip-addresses", headers=headers,
                     json={"address": "10.4.4.4", "subnet_id": subnet["id"], "assetid": machine["assetid"]}))
    made(client.post("/api/v1/usb", headers=headers, json={
        "asset_tag": "USB-1", "name": "Stick", "site_id": site_id, "serial": "STICK-4411"}))
    assert found(client, "10.4.4.4") == ["PC-1"] and found(client, "stick-4411") == ["USB-1"]
    with app.app_context():
        db.engine.dispose()
    for plugin in ("network", "usb"):
        result = app.test_cli_runner().invoke(args=["plugin", "uninstall", plugin, "--yes"])
        assert result.exit_code == 0, result.output
    assert "10.4.4.4" not in document(app, machine["assetid"])
    assert found(client, "stick-4411") == []
    assert found(client, "p1-pc-1") == ["PC-1"]


def test_reindex_rebuilds_every_document(plant):
    app, client, headers, site_id = plant
    machine = pc(client, headers, site_id, "PC-1", "p1-pc-1")
    with app.app_context():
        db.session.execute(text("DELETE FROM search_documents"))
        db.session.commit()
    assert found(client, "p1-pc-1") == []
    result = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert found(client, "p1-pc-1") == ["PC-1"] and "p1-pc-1" in document(app, machine["assetid"])


def test_a_search_costs_three_statements_whatever_the_plugins(plant):
    app, client, headers, site_id = plant
    for i in range(5):
        pc(client, headers, site_id, f"PC-{i}", f"p1-cell{i}-pc")
    with statements(app) as seen:
        response = client.get("/api/v1/search?q=cell&per_page=500", headers=headers)
    assert response.status_code == 200 and len(response.get_json()["data"]) == 5
    assert len(seen) <= 3, seen  # the caller's token, the COUNT, the page


def test_0006_fills_the_index_from_existing_rows_and_goes_down_and_up_again(db_url):
    migrate_database(db_url)
    app = make_app(db_url)
    client = admin_client(app)
    headers = {"Authorization": f"Bearer {token_for(client)}"}
    site = made(client.post("/api/v1/sites", json={"code": "P1", "name": "Plant 1"}, headers=headers))
    machine = pc(client, headers, site["id"], "PC-OLD", "p1-before-0006")
    chain = core_chain()
    with app.app_context():
        db.session.commit()
        chain.downgrade(db.engine, "0005")
        assert "search_documents" not in _tables(db.engine)
        db.engine.dispose()

    migrate_database(db_url)  # what `shopdb db upgrade` runs: 0006 creates and fills the index
    upgraded = make_app(db_url)
    with upgraded.app_context():
        assert chain.current(db.engine) == chain.head() and chain.diff(db.engine) == []
        db.engine.dispose()
    assert "p1-before-0006" in document(upgraded, machine["assetid"])
    assert found(upgraded.test_client(), "before-0006", headers=headers) == ["PC-OLD"]


def _tables(engine) -> set[str]:
    from sqlalchemy import inspect

    return set(inspect(engine).get_table_names())


def test_the_migration_chains_create_the_index_of_their_database(db_url):
    """A fresh install by the chains: the core baseline makes the table with its index (docs/adr/0004)."""
    migrate_database(db_url)
    engine = create_engine(db_url, poolclass=NullPool)
    with engine.connect() as conn:
        assert _index_of(conn) is not None
    engine.dispose()


def _index_of(conn) -> str | None:
    name = conn.dialect.name
    if name == "sqlite":
        return conn.execute(text("SELECT name FROM sqlite_master WHERE name = 'search_fts'")).scalar()
    if name == "postgresql":
        return conn.execute(text("SELECT indexname FROM pg_indexes WHERE tablename = 'search_documents' "
                                 "AND indexdef LIKE '%gin_trgm_ops%'")).scalar()
    return conn.execute(text("SELECT index_name FROM information_schema.statistics WHERE table_schema = DATABASE() "
                             "AND table_name = 'search_documents' AND index_type = 'FULLTEXT'")).scalar()


def test_a_database_bootstrapped_with_create_all_has_the_index_too(db_url):
    from shopdb import create_app
    from shopdb.testing import config_for

    app = create_app(config_for(db_url))
    result = app.test_cli_runner().invoke(args=["db", "bootstrap"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        with db.engine.connect() as conn:
            assert _index_of(conn) is not None
            assert conn.execute(select(SearchDocument.assetid)).all() == []
        db.engine.dispose()


NAMES = ["Drehmaschine Prüfstand 7", "about the lathe", "CMM_zeiss-contura", "Straße 1 Öl", "x-ray cabinet",
         "Workstation-Engineering-Floor-Two-With-A-Rather-Long-Name-That-Goes-On-And-On-Past-Eighty-Four-Chars",
         "10.1.2.3 gateway", "ΩMEGA press", "p2-sf-08266", "Welding robot 12a"]


def test_every_search_finds_exactly_the_documents_that_contain_the_text_on_every_database(plant):
    """The index only makes a search fast: whatever part of a document is typed (the middle of a word, two
    words, a stopword, a word longer than an index token), it finds every document a plain substring scan
    finds, on every database (MariaDB's fragments, ADR 0018 addendum, included) — and nothing else, but
    for SQLite's trigrams, which also fold the case of letters beyond ASCII (its LIKE does not)."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from sqlalchemy import or_

    from shopdb.core.services import search_index

    app, client, headers, site_id = plant
    for i, name in enumerate(NAMES):
        pc(client, headers, site_id, f"T-{i}", f"p{i % 3}-host-{i:05d}", serial_number=f"SN{i}ab{i * 7919}",
           model=name)
    with app.app_context():
        contents = [c for (c,) in db.session.execute(select(SearchDocument.content))]

    def hits(condition) -> set[int]:
        return set(db.session.execute(select(SearchDocument.assetid).where(condition)).scalars())

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(st.data())
    def same_as_a_scan(data):
        content = data.draw(st.sampled_from(contents))
        start = data.draw(st.integers(0, len(content) - 1))
        q = content[start:start + data.draw(st.integers(1, 24))].strip() or content.strip()[:5]
        with app.app_context():
            texts = search_index.variants(q)
            scan = hits(or_(*[search_index._contains(v) for v in texts]))  # noqa: SLF001
            found = hits(search_index.matches(q))
            assert found >= scan, q
            extra = db.session.execute(select(SearchDocument.content).where(
                SearchDocument.assetid.in_(found - scan))).scalars().all()
            assert all(any(v.casefold() in content.casefold() for v in texts) for content in extra), q
            db.session.remove()

    same_as_a_scan()
