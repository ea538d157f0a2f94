"""Issue 9 item 3: the database itself enforces every uniqueness rule (docs/adr/0008).

Each story runs on SQLite, MariaDB and PostgreSQL (``db_url``): rows written straight through a
session — no API, no Python check — are refused by the database; the API answers 409 naming the
field; a database installed before these rules is upgraded with every row kept; two writers racing
for one key end with one winner.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from shopdb.cli.db import core_chain
from shopdb.core.models import Asset, AssetType, Site, User
from shopdb.core.services.unique_rules import rule_for
from shopdb.extensions import db
from shopdb.plugins.chains import MigrationFailed
from shopdb.plugins.manager import get_manager
from shopdb.testing import admin_client, make_app, migrate_database, token_for

KEYED_PLUGINS = ("computers", "equipment", "network", "printers", "usb")


def model_of(table: str) -> type:
    return next(m.class_ for m in db.Model.registry.mappers if m.local_table.name == table)


@pytest.fixture
def app_on(db_url):
    migrate_database(db_url)
    application = make_app(db_url)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def _plant(session) -> dict:
    """Two sites, one asset of each kind per site, written straight through the session."""
    p1, p2 = Site(code="P1", name="Plant 1"), Site(code="P2", name="Plant 2")
    session.add_all([p1, p2])
    session.flush()
    types = {t.name: t.id for t in session.execute(select(AssetType)).scalars()}

    def asset(tag: str, kind: str, site: Site) -> Asset:
        obj = Asset(asset_tag=tag, name=tag, site_id=site.id, asset_type_id=types[kind])
        session.add(obj)
        session.flush()
        return obj

    return {"p1": p1, "p2": p2, "asset": asset}


def _write(session, obj) -> IntegrityError | None:
    """Flush ``obj`` in a savepoint; the database's refusal, or None when it accepted the row."""
    nested = session.begin_nested()
    session.add(obj)
    try:
        session.flush()
    except IntegrityError as exc:
        nested.rollback()
        return exc
    nested.rollback()
    return None


def test_rows_that_break_a_unique_rule_are_refused_by_the_database_itself(app_on):
    with app_on.app_context():
        session = db.session
        plant = _plant(session)
        asset, p1, p2 = plant["asset"], plant["p1"], plant["p2"]
        computer, printer = model_of("computers"), model_of("printers")
        equipment, usb, interface = model_of("equipment"), model_of("usb_devices"), model_of("interfaces")
        pc1, pc2, pc3 = asset("PC-1", "computer", p1), asset("PC-2", "computer", p1), asset("PC-3", "computer", p2)
        session.add(computer(assetid=pc1.assetid, hostname="pc-1", pc_type="office", primary_ip="10.0.0.1",
                             mac_address="00:1A:2B:3C:4D:5E"))
        pr1, pr2 = asset("PR-1", "printer", p1), asset("PR-2", "printer", p1)
        session.add(printer(assetid=pr1.assetid, hostname="pr-1", ip_address="10.0.0.9"))
        m1, m2 = asset("M-1", "equipment", p1), asset("M-2", "equipment", p1)
        session.add(equipment(assetid=m1.assetid, machine_number="A1"))
        u1, u2 = asset("USB-1", "usb_device", p1), asset("USB-2", "usb_device", p1)
        session.add(usb(assetid=u1.assetid, serial="AB12", vendor_id="0781", product_id="5567"))
        sw, sw2 = asset("SW-1", "network_device", p1), asset("SW-2", "network_device", p1)
        device = model_of("network_devices")
        session.add(device(assetid=sw.assetid, role="switch", mgmt_ip="10.0.0.254"))
        session.add(interface(device_assetid=sw.assetid, name="Gi1/0/1"))
        session.flush()

        refused = {
            "asset_tag": Asset(asset_tag="pc-1", name="x", site_id=p1.id, asset_type_id=pc1.asset_type_id),
            "code": Site(code="p1", name="Plant one again"),
            "username": User(username="ADMIN", password_hash="x", role="viewer"),
            "hostname": computer(assetid=pc2.assetid, hostname="PC-1", pc_type="office"),
            "mac_address": computer(assetid=pc2.assetid, hostname="pc-2", pc_type="office",
                                    mac_address="00-1a-2b-3c-4d-5e"),
            "primary_ip": computer(assetid=pc2.assetid, hostname="pc-2", pc_type="office", primary_ip="10.0.0.1"),
            "ip_address": printer(assetid=pr2.assetid, ip_address="10.0.0.9"),
            "machine_number": equipment(assetid=m2.assetid, machine_number="a1"),
            "serial": usb(assetid=u2.assetid, serial="ab12", vendor_id="0781", product_id="5567"),
            "name": interface(device_assetid=sw.assetid, name="gi1/0/1"),
            "mgmt_ip": device(assetid=sw2.assetid, role="switch", mgmt_ip="10.0.0.254"),
        }
        for field, row in refused.items():
            error = _write(session, row)
            assert error is not None, f"{field}: the database accepted a duplicate"
            rule = rule_for(db.metadata, str(error.orig), error.statement)
            assert rule is not None and rule.field == field, (field, str(error.orig))

        accepted = {
            "same tag in another site": Asset(asset_tag="PC-1", name="x", site_id=p2.id,
                                              asset_type_id=pc1.asset_type_id),
            "same IP in another site": computer(assetid=pc3.assetid, hostname="pc-3", pc_type="office",
                                                primary_ip="10.0.0.1"),
            "same serial, another maker": usb(assetid=u2.assetid, serial="AB12", vendor_id="0951",
                                              product_id="1666"),
            "sticks without a serial": usb(assetid=u2.assetid, vendor_id="0781", product_id="5567"),
        }
        for story, row in accepted.items():
            assert _write(session, row) is None, story
        session.rollback()


def test_moving_a_pc_to_a_site_where_its_ip_is_taken_is_refused_by_the_database(app_on):
    with app_on.app_context():
        plant = _plant(db.session)
        computer = model_of("computers")
        pc1, pc2 = plant["asset"]("PC-1", "computer", plant["p1"]), plant["asset"]("PC-2", "computer", plant["p2"])
        db.session.add_all([computer(assetid=pc1.assetid, hostname="pc-1", pc_type="office", primary_ip="10.0.0.1"),
                            computer(assetid=pc2.assetid, hostname="pc-2", pc_type="office", primary_ip="10.0.0.1")])
        db.session.commit()
        pc2.site_id = plant["p1"].id
        # MariaDB reports the duplicate its cascade would make as an OperationalError (1761).
        with pytest.raises((IntegrityError, OperationalError)) as refused:
            db.session.flush()
        assert rule_for(db.metadata, str(refused.value.orig), refused.value.statement).field == "primary_ip"
        db.session.rollback()
        # A move that clashes with nothing carries the extension row along, in the database.
        other = db.session.get(computer, pc1.assetid)
        other.primary_ip = "10.0.0.2"
        db.session.get(Asset, pc2.assetid).site_id = plant["p1"].id
        db.session.commit()
        stored = db.session.execute(text("SELECT site_id FROM computers WHERE assetid = :a"),
                                    {"a": pc2.assetid}).scalar_one()
        assert stored == plant["p1"].id == db.session.get(computer, pc2.assetid).site_id


def _api(app):
    client = admin_client(app)
    headers = {"Authorization": f"Bearer {token_for(client)}"}

    def post(path: str, body: dict, status: int = 201) -> dict:
        response = client.post(path, json=body, headers=headers)
        assert response.status_code == status, (path, response.get_json())
        return response.get_json()

    return client, headers, post


def _duplicate_of(answer: dict, field: str) -> None:
    error = answer["error"]
    assert error["code"] == "duplicate", answer
    assert field in error["details"]["fields"], answer


def test_every_duplicate_is_a_409_naming_its_field(app_on):
    _client, _headers, post = _api(app_on)
    p1 = post("/api/v1/sites", {"code": "P1", "name": "Plant 1"})["data"]["id"]
    _duplicate_of(post("/api/v1/sites", {"code": "p1", "name": "again"}, 409), "code")
    _duplicate_of(post("/api/v1/users", {"username": "Admin", "password": "A-long-password-1",
                                         "role": "viewer"}, 409), "username")
    post("/api/v1/equipment", {"asset_tag": "M-1", "name": "Mill", "site_id": p1, "machine_number": "A1"})
    _duplicate_of(post("/api/v1/equipment", {"asset_tag": "m-1", "name": "Mill", "site_id": p1,
                                             "machine_number": "A2"}, 409), "asset_tag")
    _duplicate_of(post("/api/v1/equipment", {"asset_tag": "M-2", "name": "Mill", "site_id": p1,
                                             "machine_number": "a1"}, 409), "machine_number")
    pc = {"name": "PC", "site_id": p1, "pc_type": "office"}
    post("/api/v1/computers", {**pc, "asset_tag": "PC-1", "hostname": "pc-1", "primary_ip": "10.0.0.1",
                               "mac_address": "00:1A:2B:3C:4D:5E"})
    _duplicate_of(post("/api/v1/computers", {**pc, "asset_tag": "PC-2", "hostname": "PC-1"}, 409), "hostname")
    _duplicate_of(post("/api/v1/computers", {**pc, "asset_tag": "PC-2", "hostname": "pc-2",
                                             "mac_address": "001a.2b3c.4d5e"}, 409), "mac_address")
    _duplicate_of(post("/api/v1/computers", {**pc, "asset_tag": "PC-2", "hostname": "pc-2",
                                             "primary_ip": "10.0.0.1"}, 409), "primary_ip")
    post("/api/v1/printers", {"asset_tag": "PR-1", "name": "Printer", "site_id": p1, "ip_address": "10.0.0.9"})
    _duplicate_of(post("/api/v1/printers", {"asset_tag": "PR-2", "name": "Printer", "site_id": p1,
                                            "ip_address": "10.0.0.9"}, 409), "ip_address")
    stick = {"name": "Stick", "site_id": p1, "vendor_id": "0781", "product_id": "5567"}
    post("/api/v1/usb", {**stick, "asset_tag": "USB-1", "serial": "AB12"})
    _duplicate_of(post("/api/v1/usb", {**stick, "asset_tag": "USB-2", "serial": "ab12"}, 409), "serial")
    post("/api/v1/usb", {**stick, "asset_tag": "USB-3"})
    post("/api/v1/usb", {**stick, "asset_tag": "USB-4"})  # no serial: any number of them
    switch = post("/api/v1/network/devices", {"asset_tag": "SW-1", "name": "Switch", "site_id": p1,
                                              "role": "switch"})["data"]["assetid"]
    post("/api/v1/network/interfaces", {"device_assetid": switch, "name": "Gi1/0/1"})
    _duplicate_of(post("/api/v1/network/interfaces", {"device_assetid": switch, "name": "gi1/0/1"}, 409), "name")


def test_a_tag_differing_only_by_case_is_refused_in_one_site_and_allowed_in_another(app_on):
    _client, _headers, post = _api(app_on)
    p1 = post("/api/v1/sites", {"code": "P1", "name": "Plant 1"})["data"]["id"]
    p2 = post("/api/v1/sites", {"code": "P2", "name": "Plant 2"})["data"]["id"]
    post("/api/v1/usb", {"asset_tag": "M-1", "name": "Stick", "site_id": p1})
    _duplicate_of(post("/api/v1/usb", {"asset_tag": "m-1", "name": "Stick", "site_id": p1}, 409), "asset_tag")
    post("/api/v1/usb", {"asset_tag": "m-1", "name": "Stick", "site_id": p2})
    with app_on.app_context():
        keys = db.session.execute(select(Asset.site_id, Asset.asset_tag_key)).all()
    assert sorted(keys) == [(p1, "m-1"), (p2, "m-1")]


def _chains(app):
    manager = get_manager(app)
    return [manager.records[name].chain for name in KEYED_PLUGINS]


def _to_0001(db_url: str) -> None:
    """A database as revision 0001 of every chain left it (the plugins first: they reference assets)."""
    migrate_database(db_url)
    app = make_app(db_url)
    with app.app_context():
        for chain in _chains(app):
            chain.downgrade(db.engine, "0001")
        core_chain().downgrade(db.engine, "0001")
        db.engine.dispose()


def _old_rows(conn) -> None:
    """Rows as the 0001 schema held them: mixed-case hostnames, the same IP in two sites..."""
    conn.execute(text("INSERT INTO sites (id, code, name, timezone, version, created_at, updated_at) VALUES "
                      "(1, 'P1', 'Plant 1', 'UTC', 1, '2026-01-01', '2026-01-01'), "
                      "(2, 'P2', 'Plant 2', 'UTC', 1, '2026-01-01', '2026-01-01')"))
    types = dict(conn.execute(text("SELECT name, id FROM asset_types")).all())
    rows = [(1, "PC-1", "computer", 1), (2, "pc-1", "computer", 2), (3, "M-1", "equipment", 1),
            (4, "USB-1", "usb_device", 1), (5, "USB-2", "usb_device", 1), (6, "SW-1", "network_device", 1),
            (7, "PR-1", "printer", 1)]
    for assetid, tag, kind, site in rows:
        conn.execute(text("INSERT INTO assets (assetid, asset_tag, name, asset_type_id, status, site_id, version, "
                          "created_at, updated_at) VALUES (:a, :t, :t, :k, 'active', :s, 1, '2026-01-01', "
                          "'2026-01-01')"), {"a": assetid, "t": tag, "k": types[kind], "s": site})
    conn.execute(text("INSERT INTO computers (assetid, hostname, pc_type, primary_ip) VALUES "
                      "(1, 'PC-One', 'office', '10.0.0.1'), (2, 'pc-two', 'office', '10.0.0.1')"))
    conn.execute(text("INSERT INTO printers (assetid, hostname, ip_address, printer_type, color, duplex) "
                      "VALUES (7, 'PR-One', '10.0.0.9', 'laser', false, false)"))
    conn.execute(text("INSERT INTO equipment (assetid, machine_number, equipment_type, operational_status) "
                      "VALUES (3, 'A1', 'other', 'idle')"))
    conn.execute(text("INSERT INTO usb_devices (assetid, serial, vendor_id, product_id, approved, custody_state) "
                      "VALUES (4, 'AB12', '0781', '5567', false, 'in_store'), "
                      "(5, 'AB12', '0951', '1666', false, 'in_store')"))
    conn.execute(text("INSERT INTO interfaces (id, device_assetid, name, version, created_at, updated_at) "
                      "VALUES (1, 6, 'Gi1/0/1', 1, '2026-01-01', '2026-01-01')"))
    if conn.dialect.name == "postgresql":  # rows with explicit ids leave the sequences behind
        for table, pk in (("sites", "id"), ("assets", "assetid"), ("interfaces", "id")):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', '{pk}'), "
                              f"(SELECT MAX({pk}) FROM {table}))"))


def test_a_database_from_revision_0001_is_upgraded_with_every_row_kept(db_url):
    _to_0001(db_url)
    engine = create_engine(db_url, poolclass=NullPool)
    with engine.begin() as conn:
        _old_rows(conn)
        before = {t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one()
                  for t in ("sites", "assets", "computers", "printers", "equipment", "usb_devices", "interfaces")}
    engine.dispose()
    migrate_database(db_url)
    app = make_app(db_url)
    with app.app_context():
        assert core_chain().current(db.engine) == core_chain().head()
        assert core_chain().diff(db.engine) == []
        for chain in _chains(app):
            assert chain.current(db.engine) == chain.head(), chain.owner
            assert chain.diff(db.engine) == [], chain.owner
        after = {t: db.session.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one() for t in before}
        assert after == before
        assert sorted(db.session.execute(text("SELECT assetid, site_id, hostname FROM computers")).all()) == [
            (1, 1, "pc-one"), (2, 2, "pc-two")]
        assert db.session.execute(text("SELECT asset_tag_key FROM assets WHERE assetid = 2")).scalar_one() == "pc-1"
        assert db.session.execute(text("SELECT machine_number_key FROM equipment")).scalar_one() == "a1"
        inspector = inspect(db.engine)
        assert "uq_computers_site_id_primary_ip" in {u["name"] for u in inspector.get_unique_constraints("computers")}
        # SQLite's table copies (0002 keys, 0003 open vocabularies) kept the CHECKs that still apply.
        checks = {c["name"] for c in inspector.get_check_constraints("equipment")}
        assert {"ck_equipment_operational_status", "ck_equipment_floor_x"} <= checks
        # And the rules hold on the upgraded rows.
        pc3 = Asset(asset_tag="PC-3", name="x", site_id=1, asset_type_id=db.session.get(Asset, 1).asset_type_id)
        db.session.add(pc3)
        db.session.flush()
        clash = model_of("computers")(assetid=pc3.assetid, hostname="pc-3", pc_type="office", primary_ip="10.0.0.1")
        assert _write(db.session, clash) is not None
        db.session.rollback()
        db.engine.dispose()


def test_an_upgrade_names_the_rows_that_differ_only_by_case_and_changes_nothing(db_url):
    if db_url.startswith("mysql"):
        pytest.skip("MariaDB's case-insensitive collation never let such rows in")
    _to_0001(db_url)
    engine = create_engine(db_url, poolclass=NullPool)
    with engine.begin() as conn:
        _old_rows(conn)
        conn.execute(text("UPDATE assets SET asset_tag = 'pc-1', site_id = 1 WHERE assetid = 2"))
    app = make_app(db_url)
    with app.app_context():
        with pytest.raises(MigrationFailed) as failed:
            core_chain().upgrade(db.engine)
        db.engine.dispose()
    message = str(failed.value)
    assert "assets.asset_tag must be unique" in message and "'PC-1' (id 1)" in message and "'pc-1' (id 2)" in message
    with engine.connect() as conn:
        assert core_chain().current(engine) == "0001"
        assert "asset_tag_key" not in {c["name"] for c in inspect(conn).get_columns("assets")}
        assert conn.execute(text("SELECT COUNT(*) FROM assets")).scalar_one() == 7
    engine.dispose()


def test_two_writers_racing_for_one_tag_end_with_one_winner(app_on, db_url):
    with app_on.app_context():
        site = Site(code="P1", name="Plant 1")
        db.session.add(site)
        db.session.commit()
        site_id = site.id
        type_id = db.session.execute(select(AssetType.id).where(AssetType.name == "usb_device")).scalar_one()
    engine = create_engine(db_url, poolclass=NullPool)
    first_inserted, results = threading.Event(), {}

    def first() -> None:
        with Session(engine) as session:
            session.add(Asset(asset_tag="M-1", name="first", site_id=site_id, asset_type_id=type_id))
            session.flush()
            first_inserted.set()
            time.sleep(0.5)  # the second writer is waiting on us now
            session.commit()
            results["first"] = "committed"

    def second() -> None:
        first_inserted.wait(10)
        with Session(engine) as session:
            session.add(Asset(asset_tag="m-1", name="second", site_id=site_id, asset_type_id=type_id))
            try:
                session.commit()
                results["second"] = "committed"
            except IntegrityError as exc:
                results["second"] = rule_for(db.metadata, str(exc.orig), exc.statement).field

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results == {"first": "committed", "second": "asset_tag"}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM assets WHERE site_id = :s"), {"s": site_id}).scalars().all() == [
            "first"]
    engine.dispose()


def test_going_down_a_revision_and_up_again_keeps_every_row_and_every_rule(app_on):
    """Go out and come back: each keyed plugin's chain down to its baseline, then the core's, and all up
    again, with a plant in it — no row lost, no drift, and the rules hold again afterwards."""
    client = admin_client(app_on)
    headers = {"Authorization": f"Bearer {token_for(client)}"}
    site = client.post("/api/v1/sites", json={"code": "P1", "name": "Plant 1"}, headers=headers).get_json()["data"]
    bodies = {
        "/api/v1/computers": {"asset_tag": "PC-1", "name": "CNC PC", "hostname": "p1-sf-1", "pc_type": "shopfloor",
                              "primary_ip": "10.1.0.11", "mac_address": "00:1B:1B:00:00:01"},
        "/api/v1/equipment": {"asset_tag": "M-1", "name": "Mill", "machine_number": "2001"},
        "/api/v1/printers": {"asset_tag": "PR-1", "name": "Label printer", "hostname": "p1-prn-1",
                             "ip_address": "10.1.0.50"},
        "/api/v1/usb": {"asset_tag": "U-1", "name": "Stick", "serial": "AA01", "vendor_id": "0781",
                        "product_id": "5583"},
        "/api/v1/network/devices": {"asset_tag": "SW-1", "name": "Switch", "mgmt_ip": "10.1.0.2"},
    }
    for url, body in bodies.items():
        response = client.post(url, json={**body, "site_id": site["id"]}, headers=headers)
        assert response.status_code == 201, (url, response.get_json())
    tables = ("assets", "computers", "equipment", "printers", "usb_devices", "network_devices")
    with app_on.app_context():
        before = {t: db.session.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one() for t in tables}
        db.session.commit()
        manager = get_manager(app_on)
        chains = [manager.records[name].chain for name in KEYED_PLUGINS]
        for chain in chains:  # to the baseline: below the key revisions (0002) and the vocabularies (0003)
            chain.downgrade(db.engine, chain.base())
        core = core_chain()
        core.downgrade(db.engine, "0001")
        core.upgrade(db.engine)  # `shopdb db upgrade`, then `shopdb plugin migrate NAME` for each
        for name in KEYED_PLUGINS:
            assert manager.migrate(name)["applied"] >= 1, name
        assert core.current(db.engine) == core.head() and core.diff(db.engine) == []
        for chain in chains:
            assert chain.current(db.engine) == chain.head(), chain.owner
            assert chain.diff(db.engine) == [], chain.owner
        after = {t: db.session.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one() for t in tables}
        assert after == before
        db.session.commit()
    for url, body in bodies.items():  # the same keys again: each refused by its rule, naming the field
        clash = {**body, "asset_tag": body["asset_tag"] + "b", "site_id": site["id"]}
        response = client.post(url, json=clash, headers=headers)
        assert response.status_code == 409, (url, response.get_json())
    response = client.post("/api/v1/equipment", headers=headers, json={
        "asset_tag": "m-1", "name": "Same tag, other case", "machine_number": "2002", "site_id": site["id"]})
    assert response.status_code == 409
    assert "asset_tag" in response.get_json()["error"]["details"]["fields"]
