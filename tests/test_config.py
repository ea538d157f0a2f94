"""SPEC §1: configuration comes from the environment; no hard-coded secrets."""

from __future__ import annotations

import os

from shopdb import create_app
from shopdb.config import default_plugin_path


def test_defaults_use_sqlite_in_the_instance_folder(monkeypatch, tmp_path):
    for var in ("SHOPDB_DATABASE_URL", "SHOPDB_SECRET_KEY", "SHOPDB_PLUGIN_PATH", "SHOPDB_PLUGINS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("SHOPDB_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'instance' / 'shopdb.sqlite'}"
    assert app.config["SHOPDB_HOST"] == "127.0.0.1" and app.config["SHOPDB_PORT"] == 5000
    assert app.config["SHOPDB_PLUGIN_PATH"] == [default_plugin_path()]
    assert app.config["SHOPDB_PLUGINS"] is None and app.config["SHOPDB_REDIS_URL"] is None


def test_secret_key_is_generated_once_and_kept(monkeypatch, tmp_path):
    monkeypatch.delenv("SHOPDB_SECRET_KEY", raising=False)
    monkeypatch.setenv("SHOPDB_INSTANCE_PATH", str(tmp_path))
    first = create_app().config["SECRET_KEY"]
    second = create_app().config["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").read_text() == first
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"


def test_environment_variables_are_honoured(monkeypatch, tmp_path):
    env = {
        "SHOPDB_DATABASE_URL": "postgresql+psycopg://u@127.0.0.1/x",
        "SHOPDB_SECRET_KEY": "from-env",
        "SHOPDB_HOST": "0.0.0.0", "SHOPDB_PORT": "8080",
        "SHOPDB_PLUGIN_PATH": os.pathsep.join([str(tmp_path / "a"), str(tmp_path / "b")]),
        "SHOPDB_PLUGINS": "computers, usb",
        "SHOPDB_REDIS_URL": "redis://127.0.0.1:6379/0",
        "SHOPDB_ADMIN_PASSWORD": "Chosen-password-1",
        "SHOPDB_INSTANCE_PATH": str(tmp_path / "inst"),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    config = create_app().config
    assert config["SQLALCHEMY_DATABASE_URI"] == env["SHOPDB_DATABASE_URL"]
    assert config["SECRET_KEY"] == "from-env"
    assert (config["SHOPDB_HOST"], config["SHOPDB_PORT"]) == ("0.0.0.0", 8080)
    assert config["SHOPDB_PLUGIN_PATH"] == [str(tmp_path / "a"), str(tmp_path / "b")]
    assert config["SHOPDB_PLUGINS"] == ["computers", "usb"]
    assert config["SHOPDB_REDIS_URL"] == env["SHOPDB_REDIS_URL"]
    assert config["SHOPDB_ADMIN_PASSWORD"] == "Chosen-password-1"
