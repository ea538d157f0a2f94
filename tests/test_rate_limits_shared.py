"""Two gunicorn workers count failed logins together through Redis (``SHOPDB_REDIS_URL``).

Starts the installed ``gunicorn`` with two workers on a migrated SQLite database in tmp, against
``SHOPDB_TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/7``) with a key prefix of its own, and
removes only its own keys afterwards. Skipped with the reason when Redis is not reachable.
"""

from __future__ import annotations

import http.client
import json
import os
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from shopdb.testing import ADMIN_PASSWORD

from helpers import redis_or_skip, served_by_gunicorn

redis = pytest.importorskip("redis")
REDIS_URL = os.environ.get("SHOPDB_TEST_REDIS_URL", "redis://127.0.0.1:6379/7")
PER_USER = 6


def call(port: int, body: dict) -> tuple[int, dict, dict]:
    """One login on its own connection, as a separate client would send it."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", "/api/v1/auth/tokens", body=json.dumps(body), headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, json.loads(response.read()), dict(response.getheaders())
    finally:
        conn.close()


@pytest.fixture(scope="module")
def redis_client():
    client = redis_or_skip(REDIS_URL)
    yield client

    client.close()


@pytest.fixture(scope="module")
def prefix(redis_client):
    """A key prefix no other run uses; its keys are deleted at the end, and only they."""
    name = f"shopdb-test-{uuid.uuid4().hex}"
    yield name
    for key in redis_client.scan_iter(match=f"*{name}*"):
        redis_client.delete(key)


@pytest.fixture(scope="module")
def server(tmp_path_factory, prefix):
    folder = tmp_path_factory.mktemp("gunicorn-redis")
    with served_by_gunicorn(folder, f"sqlite:///{folder / 'shopdb.sqlite'}",
                            SHOPDB_REDIS_URL=REDIS_URL, SHOPDB_RATE_LIMIT_KEY_PREFIX=prefix,
                            SHOPDB_LOGIN_FAILURES_PER_USER=f"{PER_USER} per minute",
                            SHOPDB_LOGIN_FAILURES_PER_ADDRESS="1000 per minute") as served:
        yield served.port, served.access_log


def test_two_workers_let_through_exactly_the_per_user_limit_of_wrong_passwords_sent_at_once(server, redis_client,
                                                                                          prefix):
    port, access_log = server

    def wrong_guess(_: int) -> int:
        return call(port, {"username": "admin", "password": "wrong"})[0]

    def workers() -> set[str]:
        logins = [line for line in access_log.read_text().splitlines() if "/api/v1/auth/tokens" in line]
        return {line.split()[0] for line in logins}

    # Which worker accepts a connection is the kernel's choice: on a busy machine one may take a whole
    # burst. Bursts go on (within the minute of the limit) until both have answered.
    statuses: list[int] = []
    for _ in range(10):
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses += pool.map(wrong_guess, range(24))
        if len(workers()) == 2:
            break
    assert len(workers()) == 2, "both workers should have answered"
    assert statuses.count(401) == PER_USER, statuses  # not PER_USER per worker, and not one more
    assert statuses.count(429) == len(statuses) - PER_USER
    assert any(prefix in key.decode() for key in redis_client.scan_iter(match=f"*{prefix}*"))

    status, body, headers = call(port, {"username": "admin", "password": ADMIN_PASSWORD})
    assert status == 429 and body["error"]["code"] == "too_many_requests"  # whichever worker answers
    assert int(headers["Retry-After"]) >= 1
