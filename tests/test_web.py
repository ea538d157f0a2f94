"""The web UI blueprint (``shopdb.web``): the built SPA at ``/``, deep links, cached assets, and an API
that keeps its JSON errors whether or not the UI is built."""

from __future__ import annotations

import pytest

from shopdb.testing import admin_client
from shopdb.web import ASSET_MAX_AGE
from shopdb.web import bp as web_bp

INDEX = '<!doctype html><html><body><div id="app"></div><script src="/assets/index-abc123.js"></script></body></html>'


def with_web(app, dist):
    app.config["SHOPDB_FRONTEND_DIST"] = str(dist)
    if "web" not in app.blueprints:  # until create_app registers it itself
        app.register_blueprint(web_bp)
    return admin_client(app)


@pytest.fixture
def dist(tmp_path):
    folder = tmp_path / "dist"
    (folder / "assets").mkdir(parents=True)
    (folder / "index.html").write_text(INDEX)
    (folder / "assets" / "index-abc123.js").write_text("console.log('ui')")
    (folder / "robots.txt").write_text("User-agent: *\n")
    return folder


def assert_json_404(response):
    assert response.status_code == 404
    assert response.is_json
    assert response.get_json()["error"]["code"] == "not_found"


def test_root_serves_the_built_index(app, dist):
    client = with_web(app, dist)
    response = client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert 'id="app"' in response.get_data(as_text=True)
    assert "no-cache" in response.headers["Cache-Control"]


@pytest.mark.parametrize("path", ["/assets/5", "/assets/5/edit", "/assets/new", "/login", "/network/subnets/3",
                                  "/admin/plugins", "/apix"])
def test_deep_links_serve_the_index(app, dist, path):
    response = with_web(app, dist).get(path)
    assert response.status_code == 200
    assert 'id="app"' in response.get_data(as_text=True)


def test_built_assets_are_cached_for_long(app, dist):
    client = with_web(app, dist)
    response = client.get("/assets/index-abc123.js")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "console.log('ui')"
    assert f"max-age={ASSET_MAX_AGE}" in response.headers["Cache-Control"]
    assert "immutable" in response.headers["Cache-Control"]
    assert client.get("/robots.txt").get_data(as_text=True).startswith("User-agent")


def test_missing_build_file_is_a_404_not_html(app, dist):
    client = with_web(app, dist)
    assert client.get("/assets/index-gone.js").status_code == 404
    assert client.get("/assets/../../secret.txt").status_code in (404, 400)


@pytest.mark.parametrize("path", ["/api", "/api/", "/api/v1/nope", "/api/v1/assets/999999", "/api/unknown/deep/path"])
def test_unknown_api_paths_stay_json_404(app, dist, path):
    assert_json_404(with_web(app, dist).get(path))


def test_api_writes_to_unknown_paths_stay_json_404(app, dist):
    client = with_web(app, dist)
    assert_json_404(client.post("/api/v1/nope", json={}))
    assert_json_404(client.delete("/api/v1/nope/5"))


def test_api_still_works_with_the_ui(app, dist):
    response = with_web(app, dist).get("/api/v1/health")
    assert response.status_code == 200
    assert response.get_json()["data"]["status"] in ("ok", "degraded")


def test_without_a_build_root_says_how_to_build(app, tmp_path):
    client = with_web(app, tmp_path / "no-such-dist")
    response = client.get("/")
    assert response.status_code == 200
    assert "the web ui is not built" in response.get_data(as_text=True).lower()
    assert "make run" in response.get_data(as_text=True)
    assert client.get("/assets/5").status_code == 200
    assert_json_404(client.get("/api/v1/nope"))
    assert client.get("/api/v1/health").status_code == 200
