"""The load test's users (issue 12 item 5): people at a plant reading lists, searching and editing.

Run by bench/load.py, which builds the plant, serves it with gunicorn and hands over, in environment
variables, a bearer token and the assets to work on (``SHOPDB_LOAD_PLAN``, JSON). Each simulated user
owns one USB stick and one computer, so check-out/check-in and edits never collide between users: an
error here is the application's, never the test's (a 409 counts as one).

Mix per user and second, roughly: 70% reads (lists, search, details), 30% writes (create an asset,
patch an asset, check a stick out or back in). ``SHOPDB_LOAD_MAX_REQUESTS`` stops the run early.
"""

from __future__ import annotations

import itertools
import json
import os
import random

from locust import HttpUser, between, events, task

PLAN = json.loads(os.environ.get("SHOPDB_LOAD_PLAN", "{}"))
TOKEN = os.environ.get("SHOPDB_LOAD_TOKEN", "")
MAX_REQUESTS = int(os.environ.get("SHOPDB_LOAD_MAX_REQUESTS", "0"))
_user_numbers = itertools.count()
_created = itertools.count()
_environment = None


@events.init.add_listener
def _keep_environment(environment, **_kwargs) -> None:
    global _environment
    _environment = environment


@events.request.add_listener
def _stop_at_the_cap(**_kwargs) -> None:
    """A bounded run: after MAX_REQUESTS requests the runner stops, whatever time is left."""
    runner = _environment.runner if _environment else None
    if MAX_REQUESTS and runner and runner.stats.total.num_requests >= MAX_REQUESTS:
        runner.quit()


class PlantUser(HttpUser):
    wait_time = between(0.05, 0.3)

    def on_start(self) -> None:
        number = next(_user_numbers)
        self.client.headers.update({"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"})
        self.stick = PLAN["sticks"][number % len(PLAN["sticks"])]
        self.computer = PLAN["computers"][number % len(PLAN["computers"])]
        self.stick_out = False
        self.rng = random.Random(number)

    # Reads: 7 of every 10 tasks.
    @task(2)
    def list_assets(self) -> None:
        page = self.rng.randint(1, PLAN["pages"])
        self.client.get(f"/api/v1/assets?per_page=50&page={page}", name="GET /assets?page=N")

    @task(1)
    def list_computers(self) -> None:
        self.client.get("/api/v1/computers?per_page=50", name="GET /computers")

    @task(1)
    def filter_assets(self) -> None:
        self.client.get("/api/v1/assets?status=in_repair&per_page=50", name="GET /assets?status=")

    @task(1)
    def search(self) -> None:
        self.client.get(f"/api/v1/search?q={self.rng.choice(PLAN['search_terms'])}", name="GET /search?q=")

    @task(1)
    def search_list(self) -> None:
        self.client.get(f"/api/v1/assets?q={self.rng.choice(PLAN['search_terms'])}", name="GET /assets?q=")

    @task(1)
    def detail(self) -> None:
        self.client.get(f"/api/v1/assets/{self.rng.choice(PLAN['details'])}", name="GET /assets/{id}")

    # Writes: 3 of every 10 tasks.
    @task(1)
    def create_asset(self) -> None:
        tag = f"LOAD-{os.getpid()}-{next(_created)}"
        self.client.post("/api/v1/assets", name="POST /assets", json={
            "asset_tag": tag, "name": f"Load test item {tag}", "site_id": PLAN["site_id"],
            "asset_type": PLAN["asset_type"]})

    @task(1)
    def patch_computer(self) -> None:
        self.client.patch(f"/api/v1/computers/{self.computer}", name="PATCH /computers/{id}",
                          json={"notes": f"load test {self.rng.random():.6f}"})

    @task(1)
    def check_out_or_in(self) -> None:
        if self.stick_out:
            response = self.client.post(f"/api/v1/usb/{self.stick}/checkin", name="POST /usb/{id}/checkin",
                                        json={"notes": "back"})
        else:
            response = self.client.post(f"/api/v1/usb/{self.stick}/checkout", name="POST /usb/{id}/checkout",
                                        json={"checked_out_to": "Load Tester", "purpose": "load test"})
        if response.ok:
            self.stick_out = not self.stick_out
