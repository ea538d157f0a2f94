"""Every response carries the browser's security headers: API, UI, docs and error answers alike."""

from __future__ import annotations

from shopdb.testing import make_app

COMMON = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin"}


def assert_hardened(response) -> str:
    for name, value in COMMON.items():
        assert response.headers.get(name) == value, (name, response.status_code)
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy
    assert "Strict-Transport-Security" not in response.headers  # not configured for HTTPS
    return policy


def test_api_answers_load_nothing_and_cannot_be_framed(client, anonymous_client):
    for response in (client.get("/api/v1/sites"), client.get("/api/v1/health"),
                     anonymous_client.get("/api/v1/sites"),  # 401
                     client.get("/api/v1/sites/999999"),  # 404
                     client.post("/api/v1/sites", json={"code": ""}),  # 422
                     client.get("/api/v1/no-such-thing")):  # 404 from the router
        assert response.is_json, response.status_code
        assert assert_hardened(response).startswith("default-src 'none'")


def test_the_ui_policy_allows_only_the_apps_own_files(client):
    for path in ("/", "/assets/5", "/login"):
        policy = assert_hardened(client.get(path))
        assert "script-src 'self';" in policy and "style-src 'self';" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_the_not_built_page_allows_its_own_inline_style_by_hash_only(app, tmp_path):
    unbuilt = make_app(app.config["SQLALCHEMY_DATABASE_URI"], SHOPDB_FRONTEND_DIST=str(tmp_path)).test_client()
    response = unbuilt.get("/")
    assert "not built" in response.get_data(as_text=True)
    policy = assert_hardened(response)
    assert "style-src 'sha256-" in policy and "unsafe-inline" not in policy and "script-src" not in policy


def test_the_docs_page_loads_only_the_apps_own_files(anonymous_client):
    response = anonymous_client.get("/api/v1/docs")
    assert response.status_code == 200
    policy = assert_hardened(response)
    assert "script-src 'self';" in policy and "style-src 'self';" in policy and "connect-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy and "http" not in policy


def test_strict_transport_security_only_when_served_over_https(app):
    https = make_app(app.config["SQLALCHEMY_DATABASE_URI"], SHOPDB_HTTPS=True).test_client()
    for path in ("/", "/api/v1/health"):
        assert https.get(path, base_url="https://localhost").headers["Strict-Transport-Security"].startswith(
            "max-age=")
