"""After bulk work the database has measured its tables again, so it plans pages from the indexes.

PostgreSQL with autovacuum off (or not yet come by) planned a 50-row page of a freshly loaded plant as a
sequential scan and sort of every asset (docs/adr/0019, addendum 3).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

SHOPDB = str(Path(sys.executable).with_name("shopdb"))


def shopdb(url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ.get("PATH", ""), "SHOPDB_DATABASE_URL": url,
           "SHOPDB_INSTANCE_PATH": str(tmp_path / "instance"), "SHOPDB_ADMIN_PASSWORD": "Chosen-secret-1",
           "SHOPDB_ENV_FILE": str(tmp_path / "no.env")}
    return subprocess.run([SHOPDB, *args], capture_output=True, text=True, env=env, timeout=300)


def measured_assets(url: str) -> int | None:
    """How many rows the database's own statistics say ``assets`` holds (None: never measured)."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                value = conn.execute(text("SELECT reltuples FROM pg_class WHERE relname = 'assets'")).scalar()
                return None if value is None or value < 0 else int(value)
            if engine.dialect.name == "mysql":
                return conn.execute(text("SELECT n_rows FROM mysql.innodb_table_stats "
                                         "WHERE database_name = DATABASE() AND table_name = 'assets'")).scalar()
            if conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")).first() is None:
                return None
            # one row per index: "<rows> <rows per key of the first column> ..."
            row = conn.execute(text("SELECT stat FROM sqlite_stat1 WHERE tbl = 'assets' LIMIT 1")).first()
            return int(row[0].split()[0]) if row else None
    finally:
        engine.dispose()


def assert_measured(url: str) -> None:
    """The statistics count the assets: exactly on PostgreSQL, within InnoDB's sampling on MariaDB."""
    measured, counted = measured_assets(url), count_assets(url)
    assert measured is not None and counted > 100
    assert abs(measured - counted) <= (counted // 5 if url.startswith("mysql") else 0), (measured, counted)


def count_assets(url: str) -> int:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM assets")).scalar_one()
    finally:
        engine.dispose()


def test_the_demo_plant_is_measured_before_its_first_page_is_planned(db_url, tmp_path):
    for step in (("db", "upgrade"), ("plugin", "upgrade-all")):
        assert shopdb(db_url, tmp_path, *step).returncode == 0
    demo = shopdb(db_url, tmp_path, "demo", "--assets", "150", "--seed", "3")
    assert demo.returncode == 0, demo.stdout + demo.stderr
    if db_url.startswith("sqlite"):
        # SQLite keeps planning without statistics: taken on a small plant they would stay (no autovacuum)
        assert "statistics of" not in demo.stdout and measured_assets(db_url) is None
        return
    assert "statistics of" in demo.stdout and "refreshed" in demo.stdout
    assert_measured(db_url)


def test_an_operator_refreshes_the_statistics_after_loading_rows_their_own_way(db_url, tmp_path):
    for step in (("db", "upgrade"), ("plugin", "upgrade-all"), ("demo", "--assets", "150", "--seed", "3")):
        done = shopdb(db_url, tmp_path, *step)
        assert done.returncode == 0, done.stdout + done.stderr
    analyzed = shopdb(db_url, tmp_path, "db", "analyze")
    assert analyzed.returncode == 0, analyzed.stderr
    if db_url.startswith("sqlite"):
        assert "nothing to do on SQLite" in analyzed.stdout and measured_assets(db_url) is None
        return
    assert "analyze: measured" in analyzed.stdout and "table(s)" in analyzed.stdout
    assert_measured(db_url)
    some = shopdb(db_url, tmp_path, "db", "analyze", "assets", "computers")
    assert some.returncode == 0 and "measured 2 table(s)" in some.stdout


def test_analyzing_a_table_that_does_not_exist_says_so_in_one_line(tmp_path):
    url = f"sqlite:///{tmp_path / 'plant.db'}"
    assert shopdb(url, tmp_path, "db", "upgrade").returncode == 0
    refused = shopdb(url, tmp_path, "db", "analyze", "assets", "asets")
    assert refused.returncode == 1
    assert refused.stderr.strip() == "Error: no such table: asets"


def test_a_large_import_leaves_the_tables_measured(db_url, tmp_path):
    for step in (("db", "upgrade"), ("plugin", "upgrade-all"), ("demo", "--assets", "20", "--seed", "3")):
        assert shopdb(db_url, tmp_path, *step).returncode == 0
    plant = tmp_path / "pcs.csv"
    rows = ["asset_type,asset_tag,name,status,site,hostname,pc_type,os_name"]
    rows += [f"computer,IMP-{n:05d},Office PC {n},active,P1,imp-pc-{n:05d},office,Windows 11" for n in range(1200)]
    plant.write_text("\n".join(rows) + "\n", encoding="utf-8")
    imported = shopdb(db_url, tmp_path, "import", str(plant))
    assert imported.returncode == 0, imported.stdout + imported.stderr
    assert "1200 created" in imported.stdout
    if db_url.startswith("sqlite"):
        assert "statistics" not in imported.stdout and measured_assets(db_url) is None
        return
    assert "import: statistics of" in imported.stdout
    assert_measured(db_url)
