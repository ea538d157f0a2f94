"""Writes small plugins into a temporary folder, good or broken, for the framework tests."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

ENV_PY = """from shopdb.plugins.toolkit import run_plugin_migrations

PLUGIN_NAME = "{name}"
run_plugin_migrations(PLUGIN_NAME)
"""

BASELINE = '''"""{name} baseline"""
from shopdb.plugins.toolkit import create_plugin_tables, drop_plugin_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_plugin_tables("{name}")


def downgrade() -> None:
    drop_plugin_tables("{name}")
'''

MODELS = """from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from shopdb.plugins.toolkit import db


class {Name}(db.Model):
    __tablename__ = "{name}"

    assetid: Mapped[int] = mapped_column(ForeignKey("assets.assetid", ondelete="CASCADE"), primary_key=True)
    colour: Mapped[str | None] = mapped_column(String(40))
"""

ROUTES = """from flask_smorest import Blueprint
from marshmallow import fields

from shopdb.plugins.toolkit import AssetFieldsSchema
from shopdb.plugins.toolkit import ExtensionResource

from .models import {Name}

blp = Blueprint("{name}", __name__, url_prefix="/api/v1/{name}")


class {Name}Schema(AssetFieldsSchema):
    colour = fields.Str(allow_none=True)


ExtensionResource(model={Name}, schema={Name}Schema, type_name="{name}").register(blp)
"""

PLUGIN = """from shopdb.plugins.toolkit import ensure_asset_type
from shopdb.plugins.toolkit import BasePlugin

from .models import {Name}
from .routes import blp

EVENTS = []


class {Name}Plugin(BasePlugin):
    def get_blueprint(self):
        return blp

    def get_models(self):
        return [{Name}]

    def on_install(self):
        ensure_asset_type("{name}", "{Name}", plugin=self.name)

    def get_event_handlers(self):
        return {{"asset_created": lambda **event: EVENTS.append(event)}}
{extra}
"""


def write_plugin(parent: Path, name: str, *, manifest: dict | None = None, plugin_extra: str = "",
                 plugin_py: str | None = None, with_migrations: bool = True) -> Path:
    """A working extension plugin ``name`` (table ``name``), with overrides to break it."""
    root = parent / name
    (root / "migrations" / "versions").mkdir(parents=True, exist_ok=True)
    cls = name.capitalize()
    data = {"name": name, "version": "0.1.0", "description": f"{name} for tests",
            "core_version": ">=0.1.0,<1.0.0", "requires": [], "tables": [name]}
    if manifest is not None:
        data.update(manifest)
        data = {k: v for k, v in data.items() if v is not None}
    (root / "manifest.json").write_text(json.dumps(data))
    (root / "__init__.py").write_text("")
    (root / "models.py").write_text(MODELS.format(name=name, Name=cls))
    (root / "routes.py").write_text(ROUTES.format(name=name, Name=cls))
    extra = textwrap.indent(textwrap.dedent(plugin_extra), "    ") if plugin_extra else ""
    (root / "plugin.py").write_text(plugin_py or PLUGIN.format(name=name, Name=cls, extra=extra))
    if with_migrations:
        (root / "migrations" / "env.py").write_text(ENV_PY.format(name=name))
        shared = Path(__file__).resolve().parent.parent / "src" / "shopdb" / "migrations"
        (root / "migrations" / "script.py.mako").write_text((shared / "script.py.mako").read_text())
        (root / "migrations" / "alembic.ini").write_text((shared / "alembic.ini").read_text())
        (root / "migrations" / "versions" / "0001_baseline.py").write_text(BASELINE.format(name=name))
    return root
