"""The benchmark compares each API call with its floor (bench/cases.py): the floor must fetch the same rows.

No timing here (numbers come from ``make bench``): this keeps the floor SQL in step with the schema
and the API's order, so a ratio in docs/PERFORMANCE.md always compares like with like.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from urllib.parse import quote

from shopdb.extensions import db

CASES_FILE = Path(__file__).resolve().parent.parent / "bench" / "cases.py"


def _bench_cases():
    spec = importlib.util.spec_from_file_location("bench_cases", CASES_FILE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _keyset_path(client, bench, facts) -> str | None:
    """The last full page by cursor, as bench/run.py finds it (None while the API has no ``meta.next``)."""
    meta = client.get(f"/api/v1/assets?per_page={bench.PER_PAGE}&page={facts.pages - 1}").get_json()["meta"]
    following = meta.get("next")
    if not following:
        return None
    return following if following.startswith("/") else \
        f"/api/v1/assets?per_page={bench.PER_PAGE}&after={quote(following, safe='')}"


def test_the_benchmark_floor_fetches_the_rows_each_api_call_returns(app, client):
    assert app.test_cli_runner().invoke(args=["demo", "--assets", "450", "--seed", "3"]).exit_code == 0
    bench = _bench_cases()
    with app.app_context():
        conn = db.engine.raw_connection()
        try:
            facts = bench.plant_facts(conn, "sqlite")
            assert facts.pages > 2 and facts.search_tag == bench.SEARCH_TAG
            for case in bench.cases(facts, _keyset_path(client, bench, facts)):
                floor_ids = [row["assetid"] for row in bench.fetch(conn, "sqlite", case.sql, case.params)]
                assert floor_ids, case.name
                assert bench.floor_call(conn, "sqlite", case)() == len(floor_ids)
                if case.path is None:
                    continue
                response = client.get(case.path)
                assert response.status_code == 200, (case.name, response.get_json())
                data = response.get_json()["data"]
                api_ids = [row["assetid"] for row in data] if isinstance(data, list) else [data["assetid"]]
                assert api_ids == floor_ids, case.name
        finally:
            conn.close()
