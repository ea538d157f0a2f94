"""Demo plants for the benchmark and the load test, built once with the CLI and cached between runs.

A plant is what ``shopdb db upgrade``, ``shopdb plugin upgrade-all`` and ``shopdb demo --assets N --seed S``
leave in a database: the harness uses the CLI a plant operator uses, never the generator's internals,
so a faster or different ``shopdb demo`` is measured as shipped.

Building a million assets takes minutes, so a plant is kept under ``bench/.cache/plants`` and reused
while its key holds: size, seed and the schema revision (a digest of every migration file, the core's
and the bundled plugins', and of the demo generator's files). On SQLite the key names a file per
plant. A MariaDB or PostgreSQL database holds one plant at a time: a marker file in the cache says
which, and a different one empties the database (every table dropped) before building — so the bench
URLs must name a database of its own.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("SHOPDB_BENCH_CACHE", ROOT / "bench" / ".cache"))
BIN = Path(sys.executable).parent
ADMIN_PASSWORD = "Bench-admin-password-1"
SECRET_KEY = "bench-secret-key-not-for-production"
MIGRATION_FOLDERS = [ROOT / "src" / "shopdb" / "migrations" / "versions",
                     *sorted((ROOT / "plugins").glob("*/migrations/versions"))]
GENERATOR_FILES = [ROOT / "src" / "shopdb" / "cli" / "demo.py", *sorted((ROOT / "plugins").glob("*/demo.py"))]


def schema_revision() -> str:
    """A digest of every migration file and of the demo generator: a new migration (index, search table)
    or a generator that writes other rows (a search index) means a new plant."""
    digest = hashlib.sha256()
    files = [path for folder in MIGRATION_FOLDERS for path in sorted(folder.glob("*.py"))] + GENERATOR_FILES
    for path in files:
        if path.exists():
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


@dataclass
class Plant:
    """One built plant: where it lives, how many assets it holds and what building it cost."""

    dialect: str  # sqlite, postgresql, mysql
    url: str
    size: int  # the --assets asked for
    seed: int
    key: str
    assets: int  # what the demo made (a share of each type, so a little under size)
    build_seconds: float | None  # None: taken from the cache
    built_assets_per_second: float | None
    folder: Path  # instance folder for the app (secret key, uploads), also the SQLite file's home

    def describe(self) -> dict:
        facts = asdict(self)
        facts["folder"] = str(self.folder)
        facts["url"] = _hide_password(self.url)
        return facts


def _hide_password(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def app_environment(url: str, instance: Path, **extra: str) -> dict[str, str]:
    """The environment a ``shopdb`` command or gunicorn runs with: this plant only, no .env, no throttling.

    The caller's other ``SHOPDB_*`` settings are dropped so a developer's .env or exported URL never
    points the bench at their own database. ``SHOPDB_RATE_LIMIT`` is empty (off): one benchmark user
    makes thousands of requests a minute by design.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPDB_")}
    env.update({"SHOPDB_DATABASE_URL": url, "SHOPDB_ADMIN_PASSWORD": ADMIN_PASSWORD,
                "SHOPDB_INSTANCE_PATH": str(instance), "SHOPDB_SECRET_KEY": SECRET_KEY,
                "SHOPDB_ENV_FILE": str(instance / "no.env"), "SHOPDB_RATE_LIMIT": "", **extra})
    return env


def _shopdb(env: dict[str, str], *args: str) -> None:
    done = subprocess.run([str(BIN / "shopdb"), *args], env=env, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"shopdb {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")


def count_assets(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM assets")).scalar_one()
    finally:
        engine.dispose()


def _build(url: str, instance: Path, size: int, seed: int) -> tuple[float, int]:
    env = app_environment(url, instance)
    _shopdb(env, "db", "upgrade")
    _shopdb(env, "plugin", "upgrade-all")
    started = time.perf_counter()
    _shopdb(env, "demo", "--assets", str(size), "--seed", str(seed))
    seconds, assets = time.perf_counter() - started, count_assets(url)
    if assets < size // 2:  # never cache a plant the demo did not finish
        raise RuntimeError(f"shopdb demo --assets {size} left {assets} assets")
    return seconds, assets


def _plant(dialect: str, url: str, size: int, seed: int, key: str, folder: Path,
           seconds: float | None, assets: int) -> Plant:
    rate = round(assets / seconds) if seconds else None
    return Plant(dialect, url, size, seed, key, assets, round(seconds, 1) if seconds else None, rate, folder)


def sqlite_plant(size: int, seed: int = 42, fresh: bool = False) -> Plant:
    """A cached SQLite plant: built into a scratch folder, then renamed into place (never half-built)."""
    key = f"{size}-s{seed}-{schema_revision()}"
    folder = CACHE / "plants" / f"sqlite-{key}"
    facts_file = folder / "plant.json"
    if fresh and folder.exists():
        shutil.rmtree(folder)
    if facts_file.exists():
        facts = json.loads(facts_file.read_text())
        return _plant("sqlite", f"sqlite:///{folder / 'shopdb.sqlite'}", size, seed, key, folder, None,
                      facts["assets"])
    for stale in folder.parent.glob(f"sqlite-{size}-s{seed}-*"):  # an older schema's plant: a GB at 1M
        if stale != folder and ".building-" not in stale.name:
            shutil.rmtree(stale, ignore_errors=True)
    scratch = folder.with_name(f"{folder.name}.building-{os.getpid()}")
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    seconds, assets = _build(f"sqlite:///{scratch / 'shopdb.sqlite'}", scratch / "instance", size, seed)
    (scratch / "plant.json").write_text(json.dumps({"key": key, "assets": assets, "build_seconds": seconds}))
    scratch.rename(folder)
    return _plant("sqlite", f"sqlite:///{folder / 'shopdb.sqlite'}", size, seed, key, folder, seconds, assets)


def copy_of(plant: Plant, into: Path) -> str:
    """A writable copy of a SQLite plant (the load test writes; the cached plant stays as built)."""
    into.mkdir(parents=True, exist_ok=True)
    for name in ("shopdb.sqlite", "shopdb.sqlite-wal", "shopdb.sqlite-shm"):
        if (plant.folder / name).exists():
            shutil.copy2(plant.folder / name, into / name)
    return f"sqlite:///{into / 'shopdb.sqlite'}"


def _marker(url: str) -> Path:
    plain = make_url(url).render_as_string(hide_password=True)
    return CACHE / "plants" / f"server-{hashlib.sha256(plain.encode()).hexdigest()[:12]}.json"


def empty_database(url: str) -> None:
    """Drop every table (and, on PostgreSQL, everything else in ``public``) of the bench database."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            else:
                tables = conn.execute(text("SELECT table_name FROM information_schema.tables "
                                           "WHERE table_schema = DATABASE()")).scalars().all()
                conn.execute(text("SET FOREIGN_KEY_CHECKS = 0"))
                for table in tables:
                    conn.execute(text(f"DROP TABLE IF EXISTS `{table}`"))
                conn.execute(text("SET FOREIGN_KEY_CHECKS = 1"))
    finally:
        engine.dispose()


def forget_server_plant(url: str) -> None:
    """The load test wrote to the plant: the next benchmark rebuilds it."""
    _marker(url).unlink(missing_ok=True)


def server_plant(url: str, size: int, seed: int = 42, fresh: bool = False) -> Plant:
    """The plant in a MariaDB/PostgreSQL bench database, rebuilt unless the marker and the count agree."""
    dialect = make_url(url).get_backend_name()
    key = f"{size}-s{seed}-{schema_revision()}"
    folder = CACHE / "plants" / f"{dialect}-instance"
    folder.mkdir(parents=True, exist_ok=True)
    marker = _marker(url)
    if not fresh and marker.exists():
        facts = json.loads(marker.read_text())
        try:
            assets = count_assets(url)
        except Exception:  # no tables: someone emptied it
            assets = -1
        if facts.get("key") == key and facts.get("assets") == assets:
            return _plant(dialect, url, size, seed, key, folder, None, assets)
    marker.unlink(missing_ok=True)
    print(f"  emptying {_hide_password(url)} to build a plant of {size:,} assets", file=sys.stderr)
    empty_database(url)
    seconds, assets = _build(url, folder, size, seed)
    marker.write_text(json.dumps({"key": key, "assets": assets, "build_seconds": seconds}))
    return _plant(dialect, url, size, seed, key, folder, seconds, assets)


def plant(dialect: str, url: str | None, size: int, seed: int = 42, fresh: bool = False) -> Plant:
    return sqlite_plant(size, seed, fresh) if dialect == "sqlite" else server_plant(url or "", size, seed, fresh)
