"""A plugin that ships apart from ShopDB brings its own prebuilt UI, and the web UI loads it at start-up.

The plugin is made by the scaffolder in a folder of its own on SHOPDB_PLUGIN_PATH (as a sister site's
would be), given a ``ui/index.js``, installed, and the served UI is driven in headless Chromium.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from shopdb.config import default_plugin_path
from shopdb.testing import ADMIN_PASSWORD, make_app, migrate_database

CHROMIUM = Path("/usr/bin/chromium")
DIST = Path(__file__).resolve().parents[1] / "frontend" / "dist"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)", allow_module_level=True)
if not (DIST / "index.html").is_file():
    pytest.skip(f"the web UI is not built ({DIST}); run: cd frontend && npm ci && npm run build",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
expect = sync_api.expect

# The bundle uses the app's Vue through the context it is given: a bare `import 'vue'` would not resolve.
BUNDLE = """
export default ({ vue }) => ({
  name: 'widgets',
  label: 'Widgets',
  menu: [{ label: 'Widgets', to: '/widgets' }],
  routes: [{
    path: '/widgets',
    component: vue.defineComponent({
      setup() {
        const clicks = vue.ref(0)
        return () => vue.h('section', [
          vue.h('h1', 'Widgets from their own bundle'),
          vue.h('button', { onClick: () => clicks.value++ }, `clicked ${clicks.value}`),
        ])
      },
    }),
  }],
  assetTab: { label: 'Widget', apiBase: '/widgets' },
})
"""


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    from werkzeug.serving import make_server

    folder = tmp_path_factory.mktemp("ui-bundle")
    sister_plugins = folder / "sister-plugins"
    sister_plugins.mkdir()
    plugin_path = [*default_plugin_path().split(":"), str(sister_plugins)]
    url = f"sqlite:///{folder / 'shopdb.sqlite'}"
    scaffold = make_app(url, SHOPDB_PLUGIN_PATH=plugin_path).test_cli_runner().invoke(
        args=["plugin", "new", "widgets", "--description", "Widget tracking", "--dest", str(sister_plugins)])
    assert scaffold.exit_code == 0, scaffold.output
    (sister_plugins / "widgets" / "ui").mkdir()
    (sister_plugins / "widgets" / "ui" / "index.js").write_text(BUNDLE)
    statuses = migrate_database(url, SHOPDB_PLUGIN_PATH=plugin_path)
    assert statuses["widgets"]["status"] == "installed", statuses
    app = make_app(url, SHOPDB_PLUGIN_PATH=plugin_path, SHOPDB_FRONTEND_DIST=str(DIST))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


def test_a_sister_sites_plugin_bundle_adds_its_menu_and_page_to_the_ui(base_url):
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(base_url=base_url)
        problems: list[str] = []
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" and "401" not in msg.text
                else None)
        page.goto("/widgets")  # a bookmark: the bundle's route must exist before the first navigation
        expect(page).to_have_url(re.compile(r"/login\?next=(/|%2F)widgets"))
        page.fill("#username", "admin")
        page.fill("#password", ADMIN_PASSWORD)
        page.click("button[type=submit]")
        expect(page.get_by_role("heading", name="Widgets from their own bundle")).to_be_visible()
        page.get_by_role("button", name="clicked 0").click()
        expect(page.get_by_role("button", name="clicked 1")).to_be_visible()
        page.get_by_role("link", name="Dashboard").click()
        page.get_by_role("link", name="Widgets").click()
        expect(page).to_have_url(re.compile(r"/widgets$"))
        browser.close()
    assert not problems, problems
