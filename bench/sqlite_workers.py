"""Reads beside writes on SQLite with real gunicorn workers (the numbers in ADR 0007).

    python bench/sqlite_workers.py [--port 5000] [--workers 2] [--immediate-reads]

Builds a demo plant in a temporary SQLite file, serves it with gunicorn, then measures (1) four
reads while another process holds the write lock for 3 s, as an import does, (2) reads alone,
(3) reads beside six writers. ``--immediate-reads`` makes every transaction ``BEGIN IMMEDIATE``,
reads included: the alternative the ADR weighs.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent
PASSWORD = "Bench-admin-password-1"
# Loaded by gunicorn with -c: the alternative policy, without touching the code under test.
IMMEDIATE_READS_CONFIG = """
def post_worker_init(worker):
    import shopdb.extensions
    shopdb.extensions.READ_ONLY_METHODS = frozenset()
"""


class Client:
    def __init__(self, port: int):
        self.port, self.token = port, ""

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
            response = conn.getresponse()
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
        finally:
            conn.close()


def timed_reads(client: Client, readers: int) -> list[tuple[int, float]]:
    answers: list[tuple[int, float]] = []

    def read() -> None:
        start = time.monotonic()
        status, _ = client.call("GET", "/api/v1/computers?per_page=50")
        answers.append((status, round((time.monotonic() - start) * 1000)))

    threads = [threading.Thread(target=read) for _ in range(readers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(answers)


def reads_during_a_long_write(client: Client, db_file: Path, assetid: int, hold: float = 3.0) -> list:
    holder = sqlite3.connect(db_file, isolation_level=None, timeout=30, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("UPDATE assets SET notes = 'bulk' WHERE assetid = ?", (assetid,))
    release = threading.Timer(hold, lambda: holder.execute("COMMIT"))
    release.start()
    answers = timed_reads(client, 4)
    release.join()
    holder.close()
    return answers


def throughput(client: Client, pcs: list[int], readers: int, writers: int, seconds: float = 6.0) -> dict:
    stop = time.monotonic() + seconds
    counts = {"reads": 0, "writes": 0, "5xx": 0}
    lock = threading.Lock()

    def loop(kind: str, i: int) -> None:
        n = 0
        while time.monotonic() < stop:
            n += 1
            if kind == "reads":
                status, _ = client.call("GET", "/api/v1/computers?per_page=50")
            else:
                status, _ = client.call("PATCH", f"/api/v1/computers/{pcs[i]}", {"notes": f"writer {i}, {n}"})
            with lock:
                counts[kind] += 1
                counts["5xx"] += status >= 500

    threads = [threading.Thread(target=loop, args=("reads", i)) for i in range(readers)]
    threads += [threading.Thread(target=loop, args=("writes", i)) for i in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"reads/s": round(counts["reads"] / seconds, 1), "writes/s": round(counts["writes"] / seconds, 1),
            "5xx": counts["5xx"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--workers", default="2")
    parser.add_argument("--immediate-reads", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="shopdb-sqlite-workers-"))
    db_file = folder / "bench.sqlite"
    env = {**os.environ, "SHOPDB_DATABASE_URL": f"sqlite:///{db_file}", "SHOPDB_ADMIN_PASSWORD": PASSWORD,
           "SHOPDB_INSTANCE_PATH": str(folder / "instance"), "SHOPDB_SECRET_KEY": "bench",
           "SHOPDB_ENV_FILE": str(folder / "no.env")}
    for command in (["db", "upgrade"], ["plugin", "upgrade-all"], ["demo", "--assets", "300"]):
        subprocess.run([str(BIN / "shopdb"), *command], env=env, check=True, capture_output=True)
    extra = []
    if args.immediate_reads:
        (folder / "gunicorn.conf.py").write_text(IMMEDIATE_READS_CONFIG)
        extra = ["-c", str(folder / "gunicorn.conf.py")]
    server = subprocess.Popen([str(BIN / "gunicorn"), *extra, "--workers", args.workers,
                               "--bind", f"127.0.0.1:{args.port}", "shopdb:create_app()"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = Client(args.port)
    try:
        for _ in range(150):
            try:
                if client.call("GET", "/api/v1/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        status, body = client.call("POST", "/api/v1/auth/tokens", {"username": "admin", "password": PASSWORD})
        client.token = body["data"]["token"]
        pcs = [pc["assetid"] for pc in client.call("GET", "/api/v1/computers?per_page=50")[1]["data"]]
        policy = "every transaction IMMEDIATE" if args.immediate_reads else "reads deferred"
        print(f"{policy}, {args.workers} workers")
        print("  4 reads while another process holds the write lock 3 s (status, ms):",
              reads_during_a_long_write(client, db_file, pcs[0]))
        print("  reads alone:", throughput(client, pcs, readers=6, writers=0))
        print("  reads beside 6 writers:", throughput(client, pcs, readers=6, writers=6))
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
