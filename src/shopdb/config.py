"""Environment → Flask config (SPEC §1). Every setting has one environment variable."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path

# The bundled plugins: an installed wheel carries them inside the package (setup.py copies them there,
# ADR 0014); a checkout (editable install, `make run`) has them beside src/.
_PACKAGE_DIR = Path(__file__).resolve().parent
PACKAGED_PLUGINS = _PACKAGE_DIR / "bundled_plugins"
_CHECKOUT_PLUGINS = _PACKAGE_DIR.parent.parent / "plugins"


def default_plugin_path() -> str:
    """The bundled plugins folder: the copy an installed wheel carries, else the checkout's ``plugins/``."""
    folder = PACKAGED_PLUGINS if PACKAGED_PLUGINS.is_dir() else _CHECKOUT_PLUGINS
    return str(folder)


def _secret_key(instance_path: Path) -> str:
    """SHOPDB_SECRET_KEY, else a random key generated once and kept in the instance folder."""
    key = os.environ.get("SHOPDB_SECRET_KEY")
    if key:
        return key
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def _flag(name: str) -> bool:
    """An on/off setting: ``1``, ``true``, ``yes`` or ``on`` (any case) is on; anything else is off."""
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


# The plant's directory (docs/adr/0016-directory-login.md, docs/SECURITY.md); unset URL: no directory login.
_DIRECTORY_SETTINGS = (
    "SHOPDB_LDAP_URL", "SHOPDB_LDAP_CA_FILE", "SHOPDB_LDAP_BIND_DN", "SHOPDB_LDAP_BIND_PASSWORD",
    "SHOPDB_LDAP_USER_BASE", "SHOPDB_LDAP_USER_FILTER", "SHOPDB_LDAP_GROUP_BASE", "SHOPDB_LDAP_GROUP_FILTER",
    "SHOPDB_LDAP_MEMBER_ATTRIBUTE", "SHOPDB_LDAP_ROLE_GROUPS", "SHOPDB_LDAP_SITE_GROUPS", "SHOPDB_LDAP_TIMEOUT",
)


def _directory() -> dict:
    """The ``SHOPDB_LDAP_*`` settings as given; ``shopdb.auth.directory`` checks them at each directory login."""
    settings: dict = {name: os.environ.get(name) or None for name in _DIRECTORY_SETTINGS}
    settings["SHOPDB_LDAP_STARTTLS"] = _flag("SHOPDB_LDAP_STARTTLS")
    return settings


def _label_fonts() -> list[str] | None:
    """SHOPDB_LABEL_FONTS: font files for what DejaVu Sans lacks (``:``-separated, ``file.ttc#2`` for a face of
    a collection); ``none``: no fallback fonts; unset: the fonts installed on the server (docs/adr/0022)."""
    value = (os.environ.get("SHOPDB_LABEL_FONTS") or "").strip()
    if not value:
        return None
    if value.lower() == "none":
        return []
    return [p.strip() for p in value.split(os.pathsep) if p.strip()]


def from_environment(instance_path: str) -> dict:
    """Build the config mapping from the environment; the factory applies it before test config."""
    instance = Path(instance_path)
    db_url = os.environ.get("SHOPDB_DATABASE_URL") or f"sqlite:///{instance / 'shopdb.sqlite'}"
    plugins_wanted = os.environ.get("SHOPDB_PLUGINS", "")
    return {
        "SECRET_KEY": _secret_key(instance),
        "SQLALCHEMY_DATABASE_URI": db_url,
        "SHOPDB_HOST": os.environ.get("SHOPDB_HOST", "127.0.0.1"),
        "SHOPDB_PORT": int(os.environ.get("SHOPDB_PORT", "5000")),
        "SHOPDB_ADMIN_PASSWORD": os.environ.get("SHOPDB_ADMIN_PASSWORD") or None,
        "SHOPDB_PLUGIN_PATH": [
            p for p in os.environ.get("SHOPDB_PLUGIN_PATH", default_plugin_path()).split(os.pathsep)
            if p
        ],
        "SHOPDB_PLUGINS": [p.strip() for p in plugins_wanted.split(",") if p.strip()] or None,
        "SHOPDB_REDIS_URL": os.environ.get("SHOPDB_REDIS_URL") or None,
        # Live events (docs/adr/0021): a stream's lifetime before the browser reconnects, and how many
        # streams one worker holds (keep it below gunicorn's --threads, so requests still find a thread).
        "SHOPDB_LIVE_STREAM_SECONDS": float(os.environ.get("SHOPDB_LIVE_STREAM_SECONDS", "300")),
        "SHOPDB_LIVE_MAX_STREAMS": int(os.environ.get("SHOPDB_LIVE_MAX_STREAMS", "24")),
        # How live events reach every worker: redis, database or memory (one process); unset: redis when
        # SHOPDB_REDIS_URL is set, else database, polled every SHOPDB_LIVE_POLL_SECONDS by each worker.
        "SHOPDB_LIVE_BROKER": (os.environ.get("SHOPDB_LIVE_BROKER") or "").strip() or None,
        "SHOPDB_LIVE_POLL_SECONDS": float(os.environ.get("SHOPDB_LIVE_POLL_SECONDS", "0.5")),
        # The address people open ShopDB at (labels' QR codes); unset: the address of the request.
        "SHOPDB_PUBLIC_URL": (os.environ.get("SHOPDB_PUBLIC_URL") or "").strip().rstrip("/") or None,
        # Fonts for the label PDF's characters DejaVu Sans lacks (CJK, ...); None: those installed, via fontconfig.
        "SHOPDB_LABEL_FONTS": _label_fonts(),
        # A font stored on the Zebra printer for ZPL labels' text ("E:TT0003M_.TTF"); None: its font 0 (Latin).
        "SHOPDB_ZPL_FONT": (os.environ.get("SHOPDB_ZPL_FONT") or "").strip() or None,
        # The largest file POST /api/v1/import accepts (other requests: MAX_CONTENT_LENGTH); bigger: `shopdb import`.
        "SHOPDB_IMPORT_MAX_BYTES": int(os.environ.get("SHOPDB_IMPORT_MAX_BYTES", str(32 * 1024 * 1024))),
        # Days a new API token lives unless the request asks for fewer; 0: tokens never expire (docs/SECURITY.md).
        "SHOPDB_TOKEN_DEFAULT_DAYS": int(os.environ.get("SHOPDB_TOKEN_DEFAULT_DAYS", "90")),
        # Throttling, client addresses, sessions (docs/SECURITY.md, ADR 0015).
        "SHOPDB_TRUSTED_PROXIES": int(os.environ.get("SHOPDB_TRUSTED_PROXIES", "0")),
        "SHOPDB_HTTPS": _flag("SHOPDB_HTTPS"),
        # A browser session ends after this many hours without a request (a shift, by default).
        "PERMANENT_SESSION_LIFETIME": dt.timedelta(hours=float(os.environ.get("SHOPDB_SESSION_HOURS", "12"))),
        "SHOPDB_RATE_LIMIT": os.environ.get("SHOPDB_RATE_LIMIT", "1200 per minute").strip(),
        "SHOPDB_LOGIN_FAILURES_PER_ADDRESS": os.environ.get("SHOPDB_LOGIN_FAILURES_PER_ADDRESS", "15 per 5 minutes"),
        "SHOPDB_LOGIN_FAILURES_PER_USER": os.environ.get("SHOPDB_LOGIN_FAILURES_PER_USER", "30 per 5 minutes"),
        "SHOPDB_RATE_LIMIT_KEY_PREFIX": os.environ.get("SHOPDB_RATE_LIMIT_KEY_PREFIX", "shopdb"),
        **_directory(),
    }


# Settings that are not per-deploy: the API's conventions and the OpenAPI document.
STATIC_CONFIG = {
    "SQLALCHEMY_TRACK_MODIFICATIONS": False,
    "JSON_SORT_KEYS": False,
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,  # JSON bodies here are small; bulk goes through `shopdb import`
    "API_TITLE": "ShopDB",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
    # The interactive docs: ShopDB's own page with the Swagger UI files it ships (docs/adr/0022), not
    # flask-smorest's page, which loads them from a CDN (so no OPENAPI_SWAGGER_UI_* keys).
    "SHOPDB_API_DOCS_PATH": "/api/v1/docs",
    "SHOPDB_MAX_PER_PAGE": 500,
    "SHOPDB_DEFAULT_PER_PAGE": 50,
    # meta.total counts at most this many rows, then says total_is_exact: false (docs/adr/0019).
    "SHOPDB_COUNT_CAP": 10_000,
}
