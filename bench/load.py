"""Bounded loopback load test (issue 12 item 5): 50 users mixing reads and writes against gunicorn.

    python bench/load.py [--db sqlite,postgresql,mysql] [--users 50] [--seconds 60] [--max-requests 30000]
                         [--size 10000] [--workers 2]

For each database it takes a demo plant (plants.py: a copy of the cached SQLite plant, or the bench
database of SHOPDB_BENCH_POSTGRES_URL / SHOPDB_BENCH_MYSQL_URL, which the writes change, so the next
benchmark rebuilds it), serves it with gunicorn (two app processes: 2 sync workers on 127.0.0.1),
and runs locust headless with bench/locustfile.py for a fixed time or until the request cap. It
prints and writes (bench/results/<date>-load-<db>.json, load-latest.json) errors, p50/p95/p99 and
requests per second, overall and per request.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from plants import BIN, CACHE, copy_of, forget_server_plant, plant
from rich.console import Console
from rich.table import Table
from run import RESULTS, database_urls, machine
from server import HOST, Client, gunicorn
from sqlalchemy import create_engine, text

LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
LOAD_TYPE = "load_test_item"  # a core asset type the load test creates assets of
console = Console(width=None if os.isatty(1) else 140)


def work_plan(url: str, users: int) -> dict[str, Any]:
    """The assets the users work on, read once with SQL: a stick and a computer each, targets for reads."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            sticks = conn.execute(text(
                "SELECT d.assetid FROM usb_devices d JOIN assets a ON a.assetid = d.assetid "
                "WHERE d.approved = :yes AND d.custody_state = 'in_store' AND a.status = 'active' "
                "ORDER BY d.assetid LIMIT :n"), {"yes": True, "n": users}).scalars().all()
            computers = conn.execute(text("SELECT assetid FROM computers ORDER BY assetid LIMIT :n"),
                                     {"n": users}).scalars().all()
            total = conn.execute(text("SELECT count(*) FROM assets")).scalar_one()
            step = max(1, total // 200)
            details = conn.execute(text("SELECT assetid FROM assets WHERE assetid % :step = 0"),
                                   {"step": step}).scalars().all()
            site_id = conn.execute(text("SELECT min(id) FROM sites")).scalar_one()
            hostnames = conn.execute(text("SELECT hostname FROM computers ORDER BY assetid LIMIT 3")).scalars().all()
    finally:
        engine.dispose()
    if len(sticks) < users:
        raise RuntimeError(f"the plant has {len(sticks)} sticks in store for {users} users: use a larger --size")
    return {"sticks": list(sticks), "computers": list(computers), "details": list(details)[:200],
            "pages": max(1, total // 50), "site_id": site_id, "asset_type": LOAD_TYPE,
            "search_terms": ["PC-000123", "0042", *[h[-7:] for h in hostnames]]}


def ensure_load_type(client: Client) -> None:
    status, body = client.call("GET", "/api/v1/asset-types?per_page=500")
    if status == 200 and any(t["name"] == LOAD_TYPE for t in body["data"]):
        return
    status, body = client.call("POST", "/api/v1/asset-types", {"name": LOAD_TYPE, "label": "Load test item"})
    if status != 201:
        raise RuntimeError(f"could not create the asset type {LOAD_TYPE}: {status} {body}")


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def read_stats(prefix: Path) -> list[dict[str, Any]]:
    """locust's ``<prefix>_stats.csv``: one row per request name and the Aggregated row."""
    with open(f"{prefix}_stats.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [{"name": r["Name"] if r["Type"] else "all requests", "method": r["Type"],
             "requests": int(r["Request Count"]), "failures": int(r["Failure Count"]),
             "rps": round(_number(r["Requests/s"]) or 0, 1), "p50_ms": _number(r["50%"]),
             "p95_ms": _number(r["95%"]), "p99_ms": _number(r["99%"]), "max_ms": _number(r["100%"])} for r in rows]


def read_failures(prefix: Path) -> list[dict[str, str]]:
    path = Path(f"{prefix}_failures.csv")
    if not path.exists():
        return []
    with open(path, newline="") as handle:
        return [{"method": r["Method"], "name": r["Name"], "error": r["Error"][:300], "occurrences": r["Occurrences"]}
                for r in csv.DictReader(handle)]


def run_load(dialect: str, url: str | None, args: argparse.Namespace) -> dict[str, Any]:
    the_plant = plant(dialect, url, args.size)
    scratch = Path(tempfile.mkdtemp(prefix=f"shopdb-load-{dialect}-"))
    if dialect == "sqlite":
        app_url = copy_of(the_plant, scratch)  # the cached plant stays as built
    else:
        app_url = the_plant.url
        forget_server_plant(app_url)  # the writes change it: the next benchmark rebuilds
    plan = work_plan(app_url, args.users)
    load_before = os.getloadavg()[0]
    log = CACHE / "logs" / f"gunicorn-load-{dialect}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with gunicorn(app_url, scratch / "instance", args.port, workers=args.workers, log=log) as client:
        ensure_load_type(client)
        prefix = scratch / "locust"
        env = {**os.environ, "SHOPDB_LOAD_PLAN": json.dumps(plan), "SHOPDB_LOAD_TOKEN": client.token,
               "SHOPDB_LOAD_MAX_REQUESTS": str(args.max_requests)}
        command = [str(BIN / "locust"), "-f", str(LOCUSTFILE), "--headless", "--host", f"http://{HOST}:{args.port}",
                   "--users", str(args.users), "--spawn-rate", str(args.spawn_rate), "--run-time", f"{args.seconds}s",
                   "--stop-timeout", "10", "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"]
        console.print(f"  locust: {args.users} users, {args.seconds} s, at most {args.max_requests:,} requests")
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        if not Path(f"{prefix}_stats.csv").exists():
            raise RuntimeError(f"locust failed ({done.returncode}):\n{done.stderr[-3000:]}")
    stats = read_stats(prefix)
    return {"database": dialect, "date": dt.datetime.now().isoformat(timespec="seconds"), "machine": machine(),
            "plant_assets": the_plant.assets, "users": args.users, "seconds": args.seconds,
            "max_requests": args.max_requests, "server": f"gunicorn, {args.workers} sync workers, {HOST}",
            "client": "locust (headless, same machine)", "stats": stats, "failures": read_failures(prefix),
            "errors": sum(s["failures"] for s in stats if s["name"] == "all requests"),
            "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)]}


def print_report(report: dict[str, Any]) -> None:
    errors = report["errors"]
    table = Table(title=f"{report['database']}: {report['users']} users, {report['seconds']} s, plant of "
                  f"{report['plant_assets']:,} assets — errors: {errors} ({'PASS' if errors == 0 else 'FAIL'})",
                  title_justify="left")
    for i, name in enumerate(["request", "requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms"]):
        table.add_column(name, justify="left" if i == 0 else "right")
    for s in report["stats"]:
        times = [f"{s[k]:,.0f}" if s[k] is not None else "n/a" for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms")]
        table.add_row(s["name"], f"{s['requests']:,}", str(s["failures"]), f"{s['rps']:.1f}", *times)
    console.print(table)
    for failure in report["failures"]:
        console.print(f"[red]{failure['occurrences']}× {failure['method']} {failure['name']}: {failure['error']}[/]")


def markdown(report: dict[str, Any]) -> str:
    lines = [f"### {report['database']}: {report['users']} users, {report['seconds']} s, "
             f"{report['plant_assets']:,} assets, errors: {report['errors']}", "",
             "| request | requests | errors | req/s | p50 ms | p95 ms | p99 ms |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for s in report["stats"]:
        cells = [f"{s[k]:,.0f}" if s[k] is not None else "n/a" for k in ("p50_ms", "p95_ms", "p99_ms")]
        lines.append(f"| {s['name']} | {s['requests']:,} | {s['failures']} | {s['rps']:.1f} | "
                     + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_results(report: dict[str, Any]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    stem = RESULTS / f"{report['date'][:10]}-load-{report['database']}"
    stem.with_suffix(".json").write_text(json.dumps(report, indent=2))
    stem.with_suffix(".md").write_text(markdown(report))
    latest_file = RESULTS / "load-latest.json"
    try:
        latest = json.loads(latest_file.read_text())
    except (OSError, ValueError):
        latest = {}
    latest[report["database"]] = report
    latest_file.write_text(json.dumps(latest, indent=2))
    return stem.with_suffix(".json")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite,postgresql,mysql")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--max-requests", type=int, default=30000, help="stop early after this many requests")
    parser.add_argument("--size", type=int, default=10000, help="plant size (assets asked of shopdb demo)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers: the app processes")
    parser.add_argument("--port", type=int, default=5960, help="gunicorn's port on 127.0.0.1")
    parser.add_argument("--no-write", action="store_true", help="print only; keep bench/results as it is")
    args = parser.parse_args()
    for dialect, url in database_urls([d.strip() for d in args.db.split(",") if d.strip()]).items():
        console.print(f"[bold]{dialect}[/]: load test")
        report = run_load(dialect, url, args)
        print_report(report)
        if not args.no_write:
            console.print(f"written: {write_results(report)}")


if __name__ == "__main__":
    main()
