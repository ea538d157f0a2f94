"""Export and import at plant size: rows per second and peak memory (docs/adr/0023).

    .venv/bin/python bench/transfer.py                 # 100k assets on SQLite
    .venv/bin/python bench/transfer.py --assets 1000000
    .venv/bin/python bench/transfer.py --url postgresql+psycopg://postgres@127.0.0.1:5432/shopdb_bench

Builds a demo plant (``shopdb demo``), exports it to CSV, imports the file into an empty upgraded
database, and prints for each step the rate the command reports, the process's CPU seconds and its
peak RSS (``getrusage``, read by the command's own process at exit). Each command runs in its own process so
one peak does not hide another. With ``--url`` the database is emptied first (every table dropped):
give it one of your own. Memory is "flat" when the import's peak at 1M is close to its peak at 100k.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SHOPDB = str(Path(sys.executable).with_name("shopdb"))
# Runs the shopdb CLI and reports the process's peak RSS (KiB on Linux) on stderr at exit.
WRAPPER = (
    "import atexit, resource, runpy, sys\n"
    "atexit.register(lambda: print('peak-rss-kib', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,"
    " 'cpu-s', resource.getrusage(resource.RUSAGE_SELF).ru_utime + resource.getrusage(resource.RUSAGE_SELF).ru_stime,"
    " file=sys.stderr))\n"
    "sys.argv = sys.argv[1:]\n"
    "runpy.run_path(sys.argv[0], run_name='__main__')\n"
)


def shopdb(url: str, *args: str) -> tuple[str, int]:
    """Run ``shopdb args`` against ``url``; returns its output and peak RSS in MiB."""
    env = {**os.environ, "SHOPDB_DATABASE_URL": url, "COLUMNS": "200"}
    done = subprocess.run([sys.executable, "-c", WRAPPER, SHOPDB, *args], env=env, capture_output=True,
                          text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"shopdb {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    peak = re.search(r"peak-rss-kib (\d+)", done.stderr)
    return done.stdout + done.stderr, int(peak.group(1)) // 1024 if peak else -1


def empty_database(url: str) -> None:
    """Drop every table of ``url`` (never the database itself)."""
    from sqlalchemy import MetaData, create_engine

    engine = create_engine(url)
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.begin() as connection:
        if engine.dialect.name == "mysql":
            connection.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 0")
        metadata.drop_all(connection)
    engine.dispose()


def upgraded(url: str) -> None:
    shopdb(url, "db", "upgrade")
    shopdb(url, "plugin", "upgrade-all")


def rate_of(output: str, command: str) -> str:
    found = re.search(rf"{command}: .*?([\d,]+) (?:asset|row)s?(?:\(s\))?.*? in ([\d.]+) s \(([\d,]+)/s\)", output)
    cpu = re.search(r"cpu-s ([\d.]+)", output)
    # CPU seconds of the whole process (start-up included): on a shared machine the wall clock is not ours.
    spent = f", process CPU {float(cpu.group(1)):.1f} s" if cpu else ""
    return f"{found.group(3)}/s ({found.group(1)} in {found.group(2)} s{spent})" if found else "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--url", help="a database of your own to use instead of temporary SQLite files")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="shopdb-bench-transfer-"))
    try:
        source = args.url or f"sqlite:///{work / 'source.sqlite'}"
        target = args.url or f"sqlite:///{work / 'target.sqlite'}"
        if args.url:
            empty_database(args.url)
        upgraded(source)
        output, demo_peak = shopdb(source, "demo", "--assets", str(args.assets))
        print(f"demo    {rate_of(output, 'demo'):>40}  peak RSS {demo_peak} MiB")
        plant = work / "plant.csv"
        output, export_peak = shopdb(source, "export", "-o", str(plant))
        print(f"export  {rate_of(output, 'export'):>40}  peak RSS {export_peak} MiB")
        if args.url:
            empty_database(args.url)
        upgraded(target)
        output, import_peak = shopdb(target, "import", str(plant))
        print(f"import  {rate_of(output, 'import'):>40}  peak RSS {import_peak} MiB")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
