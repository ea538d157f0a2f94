"""The interactive API docs work on a plant network with no way out (issue 13 item 2, ADR 0022): the page and
every file it loads come from the app itself, under a policy that allows nothing else, and Swagger UI renders
the operations in a real Chromium whose requests to anywhere but this machine are blocked."""

from __future__ import annotations

import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from helpers import free_port

DOCS = "/api/v1/docs"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}


class References(HTMLParser):
    """Every URL the page names: scripts, styles, icons, links and data attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if value and (name in {"src", "href"} or name.endswith("-url"))]


def references(html: str) -> list[str]:
    parser = References()
    parser.feed(html)
    return parser.urls


def test_the_docs_page_names_no_other_origin(anonymous_client):
    response = anonymous_client.get(DOCS)
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    urls = references(html)
    assert len(urls) >= 4, urls
    assert all(url.startswith("/") and not url.startswith("//") for url in urls), urls
    assert "http:" not in html and "https:" not in html and "<script>" not in html  # nor inline code


def test_every_file_the_docs_page_loads_is_served_by_the_app_with_its_type(anonymous_client):
    urls = references(anonymous_client.get(DOCS).get_data(as_text=True))
    for url in urls:
        response = anonymous_client.get(url)  # a stranger: the docs need no login
        assert response.status_code == 200, url
        path = urlsplit(url).path
        suffix = Path(path).suffix
        expected = TYPES.get(suffix, "application/json" if path.endswith(".json") else "text/html")
        assert response.mimetype == expected, (url, response.mimetype)
        assert response.data, url
    scripts = [u for u in urls if urlsplit(u).path.endswith(".js")]
    assert any("swagger-ui-bundle.js" in u for u in scripts) and any("shopdb-docs.js" in u for u in scripts)


def test_only_the_pages_own_files_are_served_from_the_docs_folder(anonymous_client):
    for name in ("oauth2-redirect.html", "index.html", "../__init__.py", "swagger-ui.js.map", "VERSION"):
        assert anonymous_client.get(f"{DOCS}/static/{name}").status_code == 404, name


def test_the_app_asks_flask_smorest_for_no_cdn_page(app):
    assert "OPENAPI_SWAGGER_UI_URL" not in app.config
    assert "api-docs.openapi_swagger_ui" not in app.view_functions


# --- in a browser -------------------------------------------------------------------------------------

@pytest.fixture
def served(app):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


def test_swagger_ui_renders_the_operations_with_the_outside_world_blocked(served):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    expect = sync_api.expect
    blocked: list[str] = []
    errors: list[str] = []

    def only_this_machine(route) -> None:
        if urlsplit(route.request.url).hostname in LOOPBACK:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(base_url=served, viewport={"width": 1280, "height": 900})
            context.set_default_timeout(20_000)
            context.route("**/*", only_this_machine)
            page = context.new_page()
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(DOCS)

            labels = page.locator(".opblock-summary-path", has_text="/api/v1/labels")
            expect(labels.first).to_be_visible()
            assert page.locator(".opblock").count() > 40
            # Open the health check and run it: Swagger UI calls the API from the page (connect-src 'self').
            health = page.locator(".opblock", has=page.locator(".opblock-summary-path[data-path='/api/v1/health']"))
            health.locator(".opblock-summary").click()
            health.get_by_role("button", name="Try it out").click()
            health.get_by_role("button", name="Execute").click()
            expect(health.locator(".live-responses-table .response .response-col_status").first).to_contain_text("200")
        finally:
            browser.close()
    assert blocked == []
    assert errors == []
