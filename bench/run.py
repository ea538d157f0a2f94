"""Benchmark: each API call against the same query in raw SQL, on the same database, at two sizes.

    python bench/run.py [--sizes 10000,100000] [--url sqlite:///...] [--repeat 30]

For every size it builds a demo plant (``shopdb demo --assets N``), then times the API through
Flask's test client and the equivalent SQL through the engine, and prints the medians and the
ratio API/SQL. Flat scaling shows as a large-size median close to the small-size one. Results are
written to bench/results/latest.json; docs/PERFORMANCE.md records a run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from shopdb.cli.demo import generate
from shopdb.extensions import db
from shopdb.testing import ADMIN_PASSWORD, make_app, migrate_database

# Each API call and the SQL it stands for: the same COUNT and page statements the API issues, so
# the ratio is the cost of the HTTP layer, validation and serialisation, not of a different query.
_ASSET_PAGE = ("SELECT * FROM assets JOIN asset_types ON asset_types.id = assets.asset_type_id {where} "
               "ORDER BY assets.asset_tag, assets.assetid LIMIT 50 OFFSET {offset}")
_ASSET_COUNT = "SELECT count(*) FROM assets JOIN asset_types ON asset_types.id = assets.asset_type_id {where}"
_Q = ("WHERE lower(assets.asset_tag) LIKE '%pc-0001%' OR lower(assets.name) LIKE '%pc-0001%' "
      "OR lower(assets.serial_number) LIKE '%pc-0001%' OR lower(assets.manufacturer) LIKE '%pc-0001%' "
      "OR lower(assets.model) LIKE '%pc-0001%'")
CASES = [
    ("list assets, page 1", "/api/v1/assets?per_page=50",
     [_ASSET_COUNT.format(where=""), _ASSET_PAGE.format(where="", offset=0)]),
    ("list assets, page 100", "/api/v1/assets?per_page=50&page=100",
     [_ASSET_COUNT.format(where=""), _ASSET_PAGE.format(where="", offset=4950)]),
    ("filter by status", "/api/v1/assets?status=in_repair&per_page=50",
     [_ASSET_COUNT.format(where="WHERE assets.status = 'in_repair'"),
      _ASSET_PAGE.format(where="WHERE assets.status = 'in_repair'", offset=0)]),
    ("asset detail", "/api/v1/assets/{mid}",
     ["SELECT * FROM assets JOIN asset_types ON asset_types.id = assets.asset_type_id "
      "WHERE assets.assetid = {mid}"]),
    ("computers list", "/api/v1/computers?per_page=50",
     ["SELECT count(*) FROM assets JOIN computers ON computers.assetid = assets.assetid",
      "SELECT * FROM assets JOIN computers ON computers.assetid = assets.assetid "
      "JOIN asset_types ON asset_types.id = assets.asset_type_id ORDER BY assets.asset_tag, assets.assetid LIMIT 50"]),
    ("substring search q=", "/api/v1/assets?q=pc-0001&per_page=50",
     [_ASSET_COUNT.format(where=_Q), _ASSET_PAGE.format(where=_Q, offset=0)]),
]


def _median(fn, repeat: int) -> float:
    fn()  # warm-up
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def run_size(size: int, url: str | None, repeat: int) -> list[dict]:
    url = url or f"sqlite:///{Path(tempfile.mkdtemp()) / f'bench-{size}.sqlite'}"
    migrate_database(url)
    app = make_app(url)
    with app.app_context():
        started = time.perf_counter()
        generate(size, show_progress=False)
        print(f"  demo plant of ~{size} assets built in {time.perf_counter() - started:.1f}s", file=sys.stderr)
        total = db.session.execute(text("SELECT count(*) FROM assets")).scalar_one()
        mid = db.session.execute(text("SELECT min(assetid) FROM assets")).scalar_one() + total // 2
    client = app.test_client()
    assert client.post("/api/v1/auth/tokens", json={"username": "admin", "password": ADMIN_PASSWORD}).status_code == 201
    results = []
    with app.app_context():
        for label, path, statements in CASES:
            path = path.format(mid=mid)
            statements = [sql.format(mid=mid) for sql in statements]

            def call_api(path=path):
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)

            def call_sql(statements=statements):
                for sql in statements:
                    db.session.execute(text(sql)).all()
                db.session.rollback()

            api, raw = _median(call_api, repeat), _median(call_sql, repeat)
            results.append({"size": total, "case": label, "api_ms": round(api * 1000, 2),
                            "sql_ms": round(raw * 1000, 3), "ratio": round(api / raw, 1) if raw else None})
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--url", default=None, help="database URL (default: a new SQLite file per size)")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        print(f"size {size}:", file=sys.stderr)
        rows += run_size(size, args.url, args.repeat)
    print(f"{'case':<24}{'assets':>9}{'API ms':>10}{'SQL ms':>10}{'API/SQL':>9}")
    for r in rows:
        print(f"{r['case']:<24}{r['size']:>9}{r['api_ms']:>10}{r['sql_ms']:>10}{r['ratio']:>9}")
    out = Path(__file__).with_name("results")
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
