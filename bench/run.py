"""Benchmark (issue 12): each API call over HTTP against its floor, at 10k, 100k and 1M assets.

    python bench/run.py [--sizes 10000,100000,1000000] [--db sqlite,postgresql,mysql] [--repeat 31] [--quick]

For every database and size it takes a demo plant (``shopdb demo``, cached in bench/.cache, see
plants.py), serves it with gunicorn (2 sync workers on 127.0.0.1) and times each call of cases.py:
the API's median over HTTP, with a bearer token, against the floor — the same rows by the fastest
raw SQL plus ``json.dumps`` on the same database — in alternating requests after a warm-up. It prints
every ratio, how each figure grows from the smallest size to the largest and PASS/FAIL for the
issue's targets (reported, never an exit code), and writes bench/results/<date>-<db>.json/.md and
bench/results/latest.json. PostgreSQL and MariaDB are measured when SHOPDB_BENCH_POSTGRES_URL /
SHOPDB_BENCH_MYSQL_URL name a database the bench may empty (never the test database).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from cases import PER_PAGE, Case, PlantFacts, cases, explain, fetch, floor_call, plant_facts
from plants import CACHE, Plant, plant
from rich.console import Console
from rich.table import Table
from server import Client, gunicorn
from sqlalchemy import create_engine

RESULTS = Path(__file__).resolve().parent / "results"
URL_SETTINGS = {"postgresql": "SHOPDB_BENCH_POSTGRES_URL", "mysql": "SHOPDB_BENCH_MYSQL_URL"}
WARM_UP = 3
RATIO_TARGET, KEYSET_TARGET, SEARCH_MS_TARGET, GROWTH_TARGET = 3.0, 1.5, 20.0, 1.5
console = Console(width=None if os.isatty(1) else 150)  # a log file keeps the tables whole


def machine() -> dict[str, Any]:
    """Cores, RAM and CPU model: the figures mean little without them."""
    model, ram_gb = platform.processor() or "unknown", None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {"cores": os.cpu_count(), "ram_gb": ram_gb, "cpu": model, "os": platform.platform(),
            "python": platform.python_version()}


def database_version(conn: Any, dialect: str) -> str:
    sql = {"sqlite": "SELECT sqlite_version()", "postgresql": "SHOW server_version"}.get(dialect, "SELECT version()")
    cursor = conn.cursor()
    cursor.execute(sql)
    version = cursor.fetchone()[0]
    cursor.close()
    return f"{dialect} {version}"


def keyset_path(client: Client, facts: PlantFacts) -> str | None:
    """The last full page's ``?after=`` URL from ``meta.next`` of the page before it; None if the API has none."""
    status, body = client.call("GET", f"/api/v1/assets?per_page={PER_PAGE}")
    if status != 200 or "next" not in (body.get("meta") or {}) or facts.pages < 2:
        return None
    status, body = client.call("GET", f"/api/v1/assets?per_page={PER_PAGE}&page={facts.pages - 1}")
    following = (body.get("meta") or {}).get("next") if status == 200 else None
    if not following:
        return None
    if following.startswith(("/", "http://", "https://")):
        parts = urlsplit(following)
        return f"{parts.path}?{parts.query}" if parts.query else parts.path
    return f"/api/v1/assets?per_page={PER_PAGE}&after={quote(following, safe='')}"


def returned_ids(raw: bytes) -> list[int]:
    data = json.loads(raw)["data"]
    return [row["assetid"] for row in data] if isinstance(data, list) else [data["assetid"]]


def measure(client: Client, conn: Any, dialect: str, case: Case, repeat: int) -> dict[str, Any]:
    """Warm up, then ``repeat`` alternating API and floor calls; medians in ms, and whether the rows agree."""
    floor = floor_call(conn, dialect, case)
    plan = explain(conn, dialect, case)
    row = {"case": case.name, "kind": case.kind, "path": case.path, "floor_sql": case.sql, "floor_plan": plan,
           "note": case.note}
    if case.path is None:
        floor_ms = statistics.median(_timed(floor) for _ in range(WARM_UP + repeat))
        return {**row, "api_ms": None, "floor_ms": round(floor_ms, 3), "ratio": None, "api_rows": None,
                "floor_rows": floor(), "same_rows": None}
    path = case.path

    def api() -> bytes:
        status, raw = client.raw("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path}: {status} {raw[:300]!r}")
        return raw

    for _ in range(WARM_UP):
        api()
        floor()
    api_samples, floor_samples = [], []
    for _ in range(repeat):
        api_samples.append(_timed(api))
        floor_samples.append(_timed(floor))
    api_ids = returned_ids(api())
    floor_ids = [r["assetid"] for r in fetch(conn, dialect, case.sql, case.params)]
    api_ms, floor_ms = statistics.median(api_samples), statistics.median(floor_samples)
    return {**row, "api_ms": round(api_ms, 2), "floor_ms": round(floor_ms, 3),
            "ratio": round(api_ms / floor_ms, 1) if floor_ms else None, "api_rows": len(api_ids),
            "floor_rows": len(floor_ids), "same_rows": api_ids == floor_ids,
            "api_p90_ms": round(statistics.quantiles(api_samples, n=10)[-1], 2) if repeat >= 10 else None}


def _timed(call: Any) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def bench_plant(the_plant: Plant, port: int, repeat: int) -> tuple[list[dict[str, Any]], str]:
    engine = create_engine(the_plant.url, isolation_level="AUTOCOMMIT")
    conn = engine.raw_connection()
    try:
        version = database_version(conn, the_plant.dialect)
        facts = plant_facts(conn, the_plant.dialect)
        log = CACHE / "logs" / f"gunicorn-{the_plant.dialect}-{the_plant.size}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with gunicorn(the_plant.url, the_plant.folder / "instance", port, workers=2, log=log) as client:
            rows = [{"size": the_plant.size, "assets": facts.assets, **round_trip(client, repeat)}]
            for case in cases(facts, keyset_path(client, facts)):
                result = measure(client, conn, the_plant.dialect, case, repeat)
                rows.append({"size": the_plant.size, "assets": facts.assets, **result})
                shown = "n/a" if result["api_ms"] is None else f"{result['api_ms']:.2f} ms"
                console.print(f"    {case.name:<40} API {shown:>12}  floor {result['floor_ms']:.3f} ms",
                              highlight=False)
        return rows, version
    finally:
        conn.close()
        engine.dispose()


def round_trip(client: Client, repeat: int) -> dict[str, Any]:
    """What any call pays before its rows: loopback HTTP, gunicorn and Flask, answering 401 (no token, no SQL)."""
    anonymous = Client(client.port)
    for _ in range(WARM_UP):
        anonymous.raw("GET", "/api/v1/assets")
    ms = statistics.median(_timed(lambda: anonymous.raw("GET", "/api/v1/assets")) for _ in range(repeat))
    return {"case": "HTTP round trip (401, reference)", "kind": "reference", "path": "/api/v1/assets",
            "floor_sql": None, "floor_plan": "", "note": "no floor: the cost of HTTP alone",
            "api_ms": round(ms, 2), "floor_ms": None, "ratio": None, "api_rows": None, "floor_rows": None,
            "same_rows": None}


def growth(rows: list[dict[str, Any]], sizes: list[int]) -> list[dict[str, Any]]:
    """Each call's figure at the largest size over the smallest: flat is 1.0."""
    if len(sizes) < 2:
        return []
    small, large = min(sizes), max(sizes)
    by = {(r["case_key"], r["size"]): r for r in rows}
    found = []
    for key in dict.fromkeys(r["case_key"] for r in rows):
        a, b = by.get((key, small)), by.get((key, large))
        if not a or not b:
            continue
        found.append({
            "case": b["case"], "from_size": small, "to_size": large,
            "api_from_ms": a["api_ms"], "api_to_ms": b["api_ms"],
            "api_growth": round(b["api_ms"] / a["api_ms"], 2) if a["api_ms"] and b["api_ms"] else None,
            "floor_growth": round(b["floor_ms"] / a["floor_ms"], 2) if a["floor_ms"] and b["floor_ms"] else None,
            "same_result_size": a["api_rows"] == b["api_rows"] and a["same_rows"] is not False
            and b["same_rows"] is not False,
        })
    return found


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "FAIL")


def targets(rows: list[dict[str, Any]], grown: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The issue's targets, judged on this run (the largest size stands in for 1M when 1M was not run)."""
    found = []
    for r in rows:
        if r["kind"] in ("list", "search"):
            comparable = r["ratio"] is not None and r["same_rows"]  # other rows than the floor's: no verdict
            found.append({"target": f"≤ {RATIO_TARGET:g}× floor", "case": r["case"], "size": r["size"],
                          "value": r["ratio"], "result": _verdict(r["ratio"] <= RATIO_TARGET if comparable else None)})
    largest = max(r["size"] for r in rows)
    at_largest = {r["case_key"]: r for r in rows if r["size"] == largest}
    first, keyset = at_largest.get("first page"), at_largest.get("last page (keyset)")
    value = (round(keyset["api_ms"] / first["api_ms"], 2)
             if first and keyset and keyset["api_ms"] and first["api_ms"] else None)
    found.append({"target": f"last page (keyset) ≤ {KEYSET_TARGET:g}× first page", "case": "last page (keyset)",
                  "size": largest, "value": value,
                  "result": _verdict(None if value is None else value <= KEYSET_TARGET)})
    for r in at_largest.values():
        if r["kind"] == "search":
            found.append({"target": f"search ≤ {SEARCH_MS_TARGET:g} ms", "case": r["case"], "size": largest,
                          "value": r["api_ms"],
                          "result": _verdict(r["api_ms"] <= SEARCH_MS_TARGET if r["same_rows"] else None)})
    for g in grown:
        if g["case"].startswith("HTTP round trip"):
            continue
        ok = None if g["api_growth"] is None or not g["same_result_size"] else g["api_growth"] <= GROWTH_TARGET
        found.append({"target": f"growth ≤ {GROWTH_TARGET:g}× {g['from_size']:,}→{g['to_size']:,}",
                      "case": g["case"], "size": g["to_size"], "value": g["api_growth"], "result": _verdict(ok)})
    return found


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.{digits}f}" if isinstance(value, float) else f"{value:,}"


def tables(report: dict[str, Any]) -> list[tuple[str, list[str], list[list[str]]]]:
    """The report as (title, header, rows) tables: printed with rich and written as Markdown."""
    calls = [[r["case"], _fmt(r["assets"]), _fmt(r["api_ms"]), _fmt(r["floor_ms"], 3), _fmt(r["ratio"], 1),
              f"{_fmt(r['api_rows'])}/{_fmt(r['floor_rows'])}" + ("" if r["same_rows"] in (True, None) else " ≠")]
             for r in report["results"]]
    grown = [[g["case"], _fmt(g["api_from_ms"]), _fmt(g["api_to_ms"]), _fmt(g["api_growth"]),
              _fmt(g["floor_growth"]), "" if g["same_result_size"] else "results differ (size or rows)"]
             for g in report["growth"]]
    judged = [[t["target"], t["case"], _fmt(t["size"]), _fmt(t["value"]), t["result"]] for t in report["targets"]]
    db = report["database"]
    return [
        (f"{db}: median over HTTP vs floor ({report['repeat']} alternating requests)",
         ["call", "assets", "API ms", "floor ms", "API/floor", "rows API/floor"], calls),
        (f"{db}: growth", ["call", "API ms (smallest)", "API ms (largest)", "API growth", "floor growth", "note"],
         grown),
        (f"{db}: targets", ["target", "call", "assets asked", "value", "result"], judged),
    ]


def print_report(report: dict[str, Any]) -> None:
    for title, header, body in tables(report):
        if not body:
            continue
        table = Table(title=title, title_justify="left")
        for i, name in enumerate(header):
            table.add_column(name, justify="left" if i == 0 else "right")
        for line in body:
            style = "red" if "FAIL" in line else ("green" if "PASS" in line else None)
            table.add_row(*line, style=style)
        console.print(table)


def target_summary(report: dict[str, Any]) -> list[list[str]]:
    """One line per target and size: the calls that pass, and those that fail with their value."""
    grouped: dict[tuple[str, int], dict[str, list[str]]] = {}
    for t in report["targets"]:
        verdicts = grouped.setdefault((t["target"], t["size"]), {"PASS": [], "FAIL": [], "n/a": []})
        verdicts[t["result"]].append(t["case"] if t["result"] != "FAIL" else f"{t['case']} ({_fmt(t['value'])})")
    return [[target, _fmt(size), ", ".join(v["PASS"]) or "–", ", ".join(v["FAIL"]) or "–", ", ".join(v["n/a"]) or "–"]
            for (target, size), v in grouped.items()]


def markdown(report: dict[str, Any]) -> str:
    """The tables for docs/PERFORMANCE.md; the targets condensed to one line per target and size."""
    lines = []
    sections = tables(report)[:2] + [(f"{report['database']}: targets", ["target", "assets asked", "PASS", "FAIL",
                                                                          "n/a"], target_summary(report))]
    for title, header, body in sections:
        if not body:
            continue
        lines += [f"### {title}", "", "| " + " | ".join(header) + " |",
                  "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|"]
        lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in line) + " |" for line in body]
        lines.append("")
    return "\n".join(lines)


def write_results(report: dict[str, Any], quick: bool) -> Path:
    """<date>-<db>.json/.md and latest.json (one entry per database, so a SQLite-only run keeps the others)."""
    if quick:  # development runs never replace measured results
        target = CACHE / f"quick-{report['database']}.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(report, indent=2))
        return target
    RESULTS.mkdir(exist_ok=True)
    stem = RESULTS / f"{report['date'][:10]}-{report['database']}"
    stem.with_suffix(".json").write_text(json.dumps(report, indent=2))
    stem.with_suffix(".md").write_text(markdown(report))
    latest_file = RESULTS / "latest.json"
    try:
        latest = json.loads(latest_file.read_text())
    except (OSError, ValueError):
        latest = {}
    if not isinstance(latest, dict):
        latest = {}
    latest[report["database"]] = report
    latest_file.write_text(json.dumps(latest, indent=2))
    return stem.with_suffix(".json")


def database_urls(wanted: list[str]) -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for name in wanted:
        if name == "sqlite":
            found[name] = None
        elif name in URL_SETTINGS:
            url = os.environ.get(URL_SETTINGS[name])
            if url:
                found[name] = url
            else:
                console.print(f"[yellow]{name}: skipped, {URL_SETTINGS[name]} is not set[/]")
        else:
            raise SystemExit(f"unknown database {name!r}: choose among sqlite, postgresql, mysql")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="plant sizes (assets asked of shopdb demo)")
    parser.add_argument("--db", default="sqlite,postgresql,mysql",
                        help="databases; postgresql/mysql need SHOPDB_BENCH_POSTGRES_URL/SHOPDB_BENCH_MYSQL_URL")
    parser.add_argument("--repeat", type=int, default=31, help="alternating requests per call (median)")
    parser.add_argument("--quick", action="store_true", help="10k on SQLite-or-given dbs, 11 requests: development")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--fresh", action="store_true", help="rebuild the plants instead of using the cache")
    parser.add_argument("--port", type=int, default=5950, help="gunicorn's port on 127.0.0.1")
    args = parser.parse_args()
    sizes = [10000] if args.quick else [int(s) for s in args.sizes.split(",") if s.strip()]
    repeat = min(args.repeat, 11) if args.quick else args.repeat
    about = machine()
    console.print(f"machine: {about['cores']} cores, {about['ram_gb']} GB RAM, {about['cpu']}", highlight=False)
    for dialect, url in database_urls([d.strip() for d in args.db.split(",") if d.strip()]).items():
        rows: list[dict[str, Any]] = []
        plants, version = [], ""
        for size in sizes:
            console.print(f"[bold]{dialect}, {size:,} assets[/]")
            started = time.perf_counter()
            the_plant = plant(dialect, url, size, args.seed, args.fresh)
            built = (f"built in {the_plant.build_seconds:,.0f} s ({the_plant.built_assets_per_second:,} assets/s "
                     "by shopdb demo)") if the_plant.build_seconds else "from the cache"
            console.print(f"  plant of {the_plant.assets:,} assets {built} "
                          f"[{time.perf_counter() - started:.0f} s]", highlight=False)
            load_before = os.getloadavg()[0]
            measured, version = bench_plant(the_plant, args.port, repeat)
            plants.append({**the_plant.describe(), "load_average_1min": [round(load_before, 2),
                                                                        round(os.getloadavg()[0], 2)]})
            rows += [{**r, "case_key": _case_key(r["case"])} for r in measured]
        rows.sort(key=lambda r: r["size"])  # stable: the calls keep their order within a size
        grown = growth(rows, sizes)
        report = {"database": dialect, "database_version": version,
                  "date": dt.datetime.now().isoformat(timespec="seconds"), "machine": about, "repeat": repeat,
                  "warm_up": WARM_UP, "per_page": PER_PAGE, "server": "gunicorn, 2 sync workers, 127.0.0.1",
                  "plants": plants, "results": rows, "growth": grown, "targets": targets(rows, grown)}
        print_report(report)
        console.print(f"written: {write_results(report, args.quick)}")


def _case_key(name: str) -> str:
    """The case's name without the size-dependent part (the search term), to line sizes up for growth."""
    return name.split("?q=")[0] if "?q=" in name else name


if __name__ == "__main__":
    sys.exit(main())
