"""ShopDB served as in production (gunicorn, sync workers, loopback) and a plain HTTP client for it.

The benchmark measures what a client sees over HTTP, so the app runs under gunicorn exactly as
``make run`` starts it, never through Flask's test client. Every read needs a login: the client gets
a bearer token from ``POST /api/v1/auth/tokens`` as an integration would.
"""

from __future__ import annotations

import http.client
import json
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from plants import ADMIN_PASSWORD, BIN, app_environment

HOST = "127.0.0.1"  # loopback only: the bench never listens on another address


class Client:
    """One request, one connection: gunicorn's sync workers close every connection after the response."""

    def __init__(self, port: int, token: str = ""):
        self.port, self.token = port, token

    def raw(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=120)
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        status, raw = self.raw(method, path, body)
        return status, json.loads(raw) if raw else None

    def log_in(self, username: str = "admin", password: str = ADMIN_PASSWORD) -> str:
        status, body = self.call("POST", "/api/v1/auth/tokens", {"username": username, "password": password})
        if status != 201:
            raise RuntimeError(f"login failed: {status} {body}")
        self.token = body["data"]["token"]
        return self.token


@contextmanager
def gunicorn(url: str, instance: Path, port: int, workers: int = 2, log: Path | None = None) -> Iterator[Client]:
    """Serve the plant at ``url`` on 127.0.0.1:``port`` until the block ends; yields a logged-in client."""
    instance.mkdir(parents=True, exist_ok=True)
    output = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - closed below, after the server
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", str(workers), "--worker-class", "sync", "--bind", f"{HOST}:{port}",
         "--timeout", "300", "shopdb:create_app()"],
        env=app_environment(url, instance), stdout=output, stderr=output)
    try:
        client = Client(port)
        deadline = time.monotonic() + 120
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {server.returncode}" + (f"; see {log}" if log else ""))
            try:
                if client.raw("GET", "/api/v1/health")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn on port {port} did not answer within 120 s")
            time.sleep(0.2)
        client.log_in()
        yield client
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if log:
            output.close()
