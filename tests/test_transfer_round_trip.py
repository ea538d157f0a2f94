"""A plant goes out with ``shopdb export`` and comes back with ``shopdb import``, on every database.

The demo plant round-trips through CSV on SQLite, MariaDB and PostgreSQL; a property-based test
round-trips random small plants with odd text (quotes, commas, newlines, emoji...) through CSV and JSON.
"""

from __future__ import annotations

import csv
import json
import shutil
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from shopdb.core.models import Asset, Location
from shopdb.core.schemas import AssetSchema
from shopdb.core.schemas.location import LocationSchema
from shopdb.core.services import asset_kinds, writes
from shopdb.core.services import assets as asset_service
from shopdb.core.services.transfer.layout import META_COLUMNS
from shopdb.core.services.transfer.places import Places
from shopdb.extensions import db
from shopdb.testing import make_app, migrate_database, reset_database

EXTENSION_TABLES = ("computers", "equipment", "printers", "usb_devices", "network_devices")


def _without_meta(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in row.items() if k not in META_COLUMNS} for row in rows]


def _read(path: Path) -> list[dict]:
    if path.suffix == ".json":
        return _without_meta(json.loads(path.read_text(encoding="utf-8")))
    with path.open(newline="", encoding="utf-8") as handle:
        return _without_meta(list(csv.DictReader(handle)))


def _export(app, path: Path) -> list[dict]:
    result = app.test_cli_runner().invoke(args=["export", "-o", str(path)])
    assert result.exit_code == 0, result.output
    return _read(path)


def _rows_per_table(app) -> dict[str, int]:
    with app.app_context():
        found = {t: db.session.execute(select(func.count()).select_from(text(t))).scalar_one()
                 for t in ("assets", "sites", "locations", *EXTENSION_TABLES)}
        db.session.remove()
        db.engine.dispose()
        return found


def test_a_demo_plant_goes_out_and_comes_back_on_every_database(db_url, tmp_path):
    migrate_database(db_url)
    app = make_app(db_url)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "--assets", "300"]).exit_code == 0
    first_csv, first_json = _export(app, tmp_path / "first.csv"), _export(app, tmp_path / "first.json")
    plant = _rows_per_table(app)
    assert all(plant[t] for t in EXTENSION_TABLES), plant  # every type is in the plant

    for path in (tmp_path / "first.csv", tmp_path / "first.json"):  # into the same database: nothing changes
        same = runner.invoke(args=["import", str(path)])
        assert same.exit_code == 0, same.output
        assert f"0 created, 0 updated, {plant['assets']} unchanged, 0 bad" in same.output
    assert _export(app, tmp_path / "same.csv") == first_csv

    if db_url.startswith("sqlite"):
        fresh_url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    else:
        reset_database(db_url)
        fresh_url = db_url
    migrate_database(fresh_url)
    fresh = make_app(fresh_url)
    result = fresh.test_cli_runner().invoke(args=["import", str(tmp_path / "first.csv")])
    assert result.exit_code == 0, result.output
    assert f"{plant['assets']} created, 0 updated, 0 unchanged, 0 bad" in result.output
    assert _export(fresh, tmp_path / "second.csv") == first_csv
    assert _export(fresh, tmp_path / "second.json") == first_json
    recreated = _rows_per_table(fresh)
    # Locations come back as far as assets use them (the demo also makes empty cells).
    assert recreated.pop("locations") <= plant.pop("locations")
    assert recreated == plant


# -- random plants ---------------------------------------------------------------------------------------
# Odd text: CSV's own characters, line breaks, accents, emoji, spaces inside; no NUL or lone surrogates
# (no database stores those as text).
ODD = st.text(st.one_of(st.sampled_from(list(',"\n\r\t;\\/ \'éßÅ☃😀💥中')),
                        st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"))), max_size=12)
NAME_ODD = st.builds(lambda a, b: f"{a}x{b}", ODD, ODD)  # never blank after trimming


@st.composite
def plants(draw) -> dict:
    sites = draw(st.lists(st.sampled_from(["P1", "p2", "North-3", "S.4"]), min_size=1, max_size=2, unique_by=str.lower))
    assets = []
    for n in range(draw(st.integers(min_value=1, max_value=8))):
        kind = draw(st.sampled_from(["fixture", "computer", "printer", "equipment"]))
        asset = {"asset_type": kind, "site": draw(st.sampled_from(sites)),
                 "asset_tag": f"{draw(ODD)}-{n}", "name": draw(NAME_ODD), "notes": draw(st.none() | ODD),
                 "manufacturer": draw(st.none() | ODD), "model": draw(st.none() | ODD),
                 "location": draw(st.none() | st.lists(NAME_ODD, min_size=1, max_size=2)),
                 "status": draw(st.sampled_from(["active", "in_repair", "retired"]))}
        if kind == "computer":
            asset.update(hostname=f"pc-{n}", pc_type="office", os_name=draw(st.none() | ODD))
        elif kind == "printer":
            asset.update(queue_name=draw(st.none() | ODD), color=draw(st.booleans()))
        elif kind == "equipment":
            asset.update(machine_number=f"M{n}", cell=draw(st.none() | ODD),
                         floor_x=draw(st.none() | st.floats(min_value=0, max_value=1e5, allow_nan=False)))
        assets.append(asset)
    return {"assets": assets, "format": draw(st.sampled_from(["csv", "json"]))}


def _build(plant: dict) -> None:
    """Through the schemas and the service layer, as a client of the API would (values are trimmed)."""
    with writes.transaction():
        places = Places()
        for asset in plant["assets"]:
            site_id = places.site(asset["site"], f"Plant {asset['site']} ✓", "UTC")
            location_id = None
            if asset["location"]:
                parent = None
                for name in asset["location"]:
                    name = LocationSchema().load({"site_id": site_id, "name": name})["name"]
                    location_id = places.locations.get((site_id, parent, name))
                    if location_id is None:
                        location_id = writes.create(Location, site_id=site_id, parent_id=parent, name=name).id
                        places.locations[(site_id, parent, name)] = location_id
                    parent = location_id
            places.asset_type(asset["asset_type"], "Fixture, \"odd\"")
            kind = asset_kinds.get(asset["asset_type"])
            schema = kind.schema() if kind is not None else AssetSchema()
            body = {k: v for k, v in asset.items() if k not in ("site", "location", "asset_type")}
            body.update(site_id=site_id, location_id=location_id)
            if kind is None:
                body["asset_type"] = asset["asset_type"]
            loaded = schema.load(body)
            loaded.pop("asset_type", None)
            core, extension, _ = asset_service.split_fields(loaded)
            asset_service.create_asset(core, type_name=asset["asset_type"], extension_fields=extension)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("round-trip") / "template.sqlite"
    migrate_database(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="module")
def two_apps(template, tmp_path_factory):
    """A source and a target app, each on a SQLite file that every example restores from the template."""
    folder = tmp_path_factory.mktemp("plants")
    paths = (folder / "source.sqlite", folder / "target.sqlite")
    for path in paths:
        shutil.copy(template, path)
    return [(make_app(f"sqlite:///{path}"), path) for path in paths], folder


def _restore(template: Path, path: Path) -> None:
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    shutil.copy(template, path)


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(plant=plants())
def test_any_small_plant_with_odd_text_round_trips(plant, template, two_apps):
    (source, source_path), (target, target_path) = two_apps[0]
    folder = two_apps[1]
    _restore(template, source_path)
    _restore(template, target_path)
    with source.app_context():
        _build(plant)
        db.session.remove()
    first = folder / f"first.{plant['format']}"
    exported = _export(source, first)
    assert len(exported) == len(plant["assets"])

    same = source.test_cli_runner().invoke(args=["import", str(first)])
    assert f"0 created, 0 updated, {len(exported)} unchanged, 0 bad" in same.output, same.output

    result = target.test_cli_runner().invoke(args=["import", str(first)])
    assert result.exit_code == 0, result.output
    assert _export(target, folder / f"second.{plant['format']}") == exported
    with target.app_context():
        assert db.session.execute(select(func.count()).select_from(Asset)).scalar_one() == len(exported)
        db.session.remove()


def test_location_paths_survive_slashes_and_backslashes_in_names():
    from shopdb.core.services.transfer.layout import location_path, parse_location_path

    names = ["Hall A/B", "back\\slash", "plain", string.punctuation]
    assert parse_location_path(location_path(names)) == names
