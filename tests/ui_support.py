"""What the browser tests of the web UI share (tests/test_ui_browser.py, tests/test_ui_workflows.py).

A served app with the demo plant (one per test module), Debian's ``/usr/bin/chromium`` driven by Playwright
(never a downloaded browser), a page that fails its test on any console error or uncaught exception, and
axe-core (frontend/node_modules/axe-core, a dev dependency of the UI) for accessibility checks.

A test that provokes a refusal on purpose (a field error is a 422, by design) declares it with
``page.allow_http_error(422, "/api/v1/equipment/")``: the browser logs every 4xx answer as a console error,
and only the declared ones are forgiven.
"""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shopdb.testing import ADMIN_PASSWORD, make_app, migrate_database

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
DIST = ROOT / "frontend" / "dist"
AXE = ROOT / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]
TIMEOUT_MS = 15_000
DEMO_ASSETS = "60"
FAILED_LOAD = re.compile(r"Failed to load resource: the server responded with a status of (\d{3})")


def skip_without_browser() -> Any:
    """The Playwright module, or a module-level skip saying what is missing."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)", allow_module_level=True)
    if not (DIST / "index.html").is_file():
        pytest.skip(f"the web UI is not built ({DIST}); run: cd frontend && npm ci && npm run build",
                    allow_module_level=True)
    return pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")


def serve_demo_plant(folder: Path, **config: Any) -> Iterator[tuple[str, Any]]:
    """Yield (base URL, app) of a threaded server over a fresh SQLite demo plant in ``folder``."""
    from werkzeug.serving import make_server

    from shopdb.web import bp as web_bp

    url = f"sqlite:///{folder / 'shopdb.sqlite'}"
    migrate_database(url)
    app = make_app(url, SHOPDB_FRONTEND_DIST=str(DIST), **config)
    result = app.test_cli_runner().invoke(args=["demo", "--assets", DEMO_ASSETS])
    assert result.exit_code == 0, result.output
    if "web" not in app.blueprints:  # until create_app registers it itself
        app.register_blueprint(web_bp)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", app
    finally:
        server.shutdown()
        thread.join(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


def serve_as_make_run(folder: Path) -> Iterator[str]:
    """Yield the base URL of ShopDB served as `make run` serves it — gunicorn, two gthread workers, the
    CLI's demo plant — so a page's live stream and the change it waits for may meet different workers."""
    from helpers import served_by_gunicorn

    # 32 threads as `make run`: a closed page's stream holds its thread until the next heartbeat.
    with served_by_gunicorn(folder, f"sqlite:///{folder / 'shopdb.sqlite'}", threads=32,
                            demo_assets=int(DEMO_ASSETS), SHOPDB_FRONTEND_DIST=str(DIST)) as served:
        yield f"http://127.0.0.1:{served.port}"


class ConsoleWatch:
    """Console errors and uncaught exceptions of one page, minus the HTTP refusals a test declared."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.allowed: list[tuple[int, str]] = []

    def allow(self, status: int, url_part: str) -> None:
        self.allowed.append((status, url_part))

    def on_console(self, message: Any) -> None:
        if message.type != "error":
            return
        failed = FAILED_LOAD.search(message.text)
        url = (message.location or {}).get("url", "")
        if failed and any(int(failed.group(1)) == status and part in url for status, part in self.allowed):
            return
        self.problems.append(f"console: {message.text} ({url})")

    def on_page_error(self, error: Any) -> None:
        self.problems.append(f"uncaught: {error}")


def open_page(browser: Any, base_url: str, viewport: dict | None = None) -> Iterator[Any]:
    """A fresh browser context and page; the test fails if the page logged an unexpected error."""
    context = browser.new_context(base_url=base_url, viewport=viewport or {"width": 1360, "height": 900},
                                  accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    watch = ConsoleWatch()
    page.on("console", watch.on_console)
    page.on("pageerror", watch.on_page_error)
    page.errors = watch.problems
    page.allow_http_error = watch.allow
    yield page
    context.close()
    assert not watch.problems, "the page logged errors:\n" + "\n".join(watch.problems)


def launch(sync_api: Any) -> Iterator[Any]:
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


def login(page: Any, expect: Any, username: str = "admin", password: str = ADMIN_PASSWORD) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login"))
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def api_get(page: Any, path: str) -> dict:
    response = page.request.get(path)
    assert response.ok, (path, response.status, response.text())
    return response.json()


def csrf(page: Any) -> str:
    return api_get(page, "/api/v1/auth/me")["data"]["csrf_token"]


def api_write(page: Any, method: str, path: str, body: dict | None = None) -> dict:
    response = page.request.fetch(path, method=method, data=body, headers={"X-CSRF-Token": csrf(page)})
    assert response.ok, (method, path, response.status, response.text())
    return response.json() if response.status != 204 else {}


def axe_violations(page: Any, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """axe-core's violations of the current page at the given impacts, one line per rule and element.

    The served CSP forbids inline scripts, so axe is evaluated through the DevTools protocol (which the
    policy does not cover) rather than added as a <script>.
    """
    if not AXE.is_file():
        pytest.skip(f"axe-core is missing ({AXE}); run: cd frontend && npm ci")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text() + "\n;0")
    found = page.evaluate(
        """async () => (await axe.run(document, { resultTypes: ['violations'] })).violations
               .map(v => ({ id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')) }))""")
    return [f"{v['impact']} {v['id']}: {node}" for v in found if v["impact"] in impacts for node in v["nodes"]]


def ui_fixtures(sync_api: Any, folder_name: str, as_make_run: bool = False) -> tuple[Any, Any, Any]:
    """The (base_url, browser, page) fixtures of a UI test module: one served demo plant and one Chromium
    for the module, a fresh watched page per test. Assign them at module level under those names.
    ``as_make_run`` serves it with gunicorn's two workers (``serve_as_make_run``) instead of in-process."""

    @pytest.fixture(scope="module")
    def base_url(tmp_path_factory):
        folder = tmp_path_factory.mktemp(folder_name)
        if as_make_run:
            yield from serve_as_make_run(folder)
            return
        for url, _app in serve_demo_plant(folder):
            yield url

    @pytest.fixture(scope="module")
    def browser():
        yield from launch(sync_api)

    @pytest.fixture
    def page(browser, base_url):
        yield from open_page(browser, base_url)

    return base_url, browser, page
