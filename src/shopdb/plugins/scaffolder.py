"""``shopdb plugin new``: writes a working plugin skeleton from ``templates/`` (SPEC §3).

Every ``*.tmpl`` file under ``templates/`` is rendered with ``string.Template`` and written without
its ``.tmpl`` suffix; a path containing ``model.py`` is renamed to ``<name>.py``. Three placeholders:
``$name`` (the plugin's name), ``$Name`` (its PascalCase class prefix) and ``$description``.
The naming rules are in CONTRIBUTING.md ("Plugin names"); ``validate_name`` enforces them.
"""

from __future__ import annotations

import builtins
import json
import keyword
import re
import shutil
import string
import sys
import tempfile
import textwrap
import unicodedata
from collections.abc import Iterable
from pathlib import Path

TEMPLATES = Path(__file__).resolve().with_name("templates")
MAX_NAME_LENGTH = 40  # manifest.schema.json's limit; also keeps table and version-table names short
MAX_DESCRIPTION_LENGTH = 500  # manifest.schema.json's limit

# Words the core, its URLs (/api/v1/<word>), its tables, its packages or its tooling already use.
CORE_WORDS = frozenset({
    "core", "api", "auth", "admin", "plugins", "plugin", "shopdb", "static", "health", "search",
    "assets", "asset", "assettypes", "sites", "site", "locations", "location", "users", "user",
    "tokens", "token", "login", "logout", "sessions", "session", "docs", "openapi", "swagger",
    "db", "database", "migrations", "migration", "alembic", "models", "model", "schemas", "schema",
    "templates", "template", "test", "tests", "testing", "audit", "auditlog", "relationships",
    "history", "config", "cli", "extensions", "frontend", "instance", "ui", "www", "version",
    "versions", "bundled", "manifest", "events", "event", "hooks", "hook", "labels", "label",
    # the bundled plugins and the asset types they seed
    "computers", "computer", "equipment", "network", "printers", "printer", "usb", "notifications",
    "notification",
})
# Top-level modules ShopDB and its tests import: a plugin folder of that name on sys.path would shadow them.
DEPENDENCY_MODULES = frozenset({
    "flask", "flask_smorest", "flask_sqlalchemy", "sqlalchemy", "alembic", "marshmallow", "apispec",
    "webargs", "werkzeug", "jinja2", "click", "itsdangerous", "blinker", "markupsafe", "mako",
    "pymysql", "psycopg", "argon2", "netaddr", "packaging", "jsonschema", "referencing", "rich",
    "gunicorn", "dotenv", "redis", "pytest", "pluggy", "setuptools", "wheel", "pip", "build",
    "segno", "fpdf", "flask_swagger_ui", "pypdf",
})
# Capitalised names the generated modules import or define: `$Name` must not shadow them.
TEMPLATE_NAMES = frozenset({"Blueprint", "Mapped", "String", "Text", "Any", "Callable", "Path"})
KEYWORDS = frozenset(k.lower() for k in (*keyword.kwlist, *keyword.softkwlist))


class ScaffoldError(Exception):
    """A name, description or destination the scaffolder refuses; the message names the rule."""


def pascal_case(name: str) -> str:
    """``widgets`` → ``Widgets``, ``usb2`` → ``Usb2`` (``foo_bar`` → ``FooBar`` for other callers)."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[_\-\s]+", name) if part)


def validate_name(name: str, existing: Iterable[str] = ()) -> None:
    """Raise ``ScaffoldError`` naming the first rule ``name`` breaks (CONTRIBUTING.md, "Plugin names")."""
    if not name:
        raise ScaffoldError("plugin name is empty: give a name of lowercase letters and digits, e.g. 'widgets'")
    shown = repr(name)
    if len(name) > MAX_NAME_LENGTH:
        raise ScaffoldError(f"plugin name {shown[:50]}... is too long: {len(name)} characters, "
                            f"at most {MAX_NAME_LENGTH}")
    if "_" in name:
        raise ScaffoldError(f"plugin name {shown} contains '_': only lowercase letters and digits, "
                            f"no underscores{_suggestion(name)}")
    if "-" in name:
        raise ScaffoldError(f"plugin name {shown} contains '-': only lowercase letters and digits, "
                            f"no hyphens{_suggestion(name)}")
    if any(c.isupper() for c in name):
        raise ScaffoldError(f"plugin name {shown} contains uppercase letters: only lowercase letters and "
                            f"digits{_suggestion(name)}")
    bad = sorted({c for c in name if not ("a" <= c <= "z" or "0" <= c <= "9")})
    if bad:
        raise ScaffoldError(f"plugin name {shown} contains {', '.join(repr(c) for c in bad)}: "
                            "only lowercase letters a-z and digits 0-9")
    if not "a" <= name[0] <= "z":
        raise ScaffoldError(f"plugin name {shown} must start with a lowercase letter")
    if name in KEYWORDS:
        raise ScaffoldError(f"plugin name {shown} is reserved: it is a Python keyword")
    if name in CORE_WORDS:
        raise ScaffoldError(f"plugin name {shown} is reserved: ShopDB's core (or a bundled plugin) uses it")
    if name in sys.stdlib_module_names or name in DEPENDENCY_MODULES:
        raise ScaffoldError(f"plugin name {shown} is reserved: it is the name of a Python module "
                            "(standard library or a ShopDB dependency) that a plugin folder would shadow")
    class_name = pascal_case(name)
    if class_name in TEMPLATE_NAMES or hasattr(builtins, class_name):
        raise ScaffoldError(f"plugin name {shown} is reserved: its class name {class_name!r} would shadow "
                            "a Python builtin or a name the generated code imports")
    if name in set(existing):
        raise ScaffoldError(f"plugin name {shown} is taken: a plugin of that name already exists")
    from .alembic_template import PLUGIN_TABLE_OWNERS

    for owner, tables in PLUGIN_TABLE_OWNERS.items():
        if name in tables and owner != name:
            raise ScaffoldError(f"plugin name {shown} is taken: the table {name!r} belongs to plugin {owner!r}")


def _suggestion(name: str) -> str:
    """`` (try 'mywidgets')`` when dropping '_' and '-' and lowering the case gives a valid name."""
    candidate = name.replace("_", "").replace("-", "").lower()
    try:
        validate_name(candidate)
    except ScaffoldError:
        return ""
    return f" (try {candidate!r})"


def validate_description(description: str) -> str:
    """The description, stripped; one line of at most 500 printable characters."""
    text = (description or "").strip()
    if not text:
        raise ScaffoldError("description is empty: say in one line what the plugin tracks")
    if len(text.splitlines()) > 1 or any(unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp") for c in text):
        raise ScaffoldError("description must be one line of text (no line breaks or control characters)")
    if len(text) > MAX_DESCRIPTION_LENGTH:
        raise ScaffoldError(f"description is too long: {len(text)} characters, at most {MAX_DESCRIPTION_LENGTH}")
    return text


def _escaped(text: str) -> str:
    """Content of a double-quoted string literal, valid in JSON, TOML and Python alike.

    Control characters are refused beforehand, so json.dumps escapes only ``"`` and ``\\``,
    and those two escapes mean the same in all three languages (docstrings included).
    """
    return json.dumps(text, ensure_ascii=False)[1:-1]


def _described(description: str, template: str) -> str:
    """``$description`` as a file of this kind embeds it.

    Markdown shows it as written; JSON and TOML embed it in a string literal; Python only in module
    docstrings, wrapped so no line outgrows the line-length limit (then escaped, line by line).
    """
    if template.endswith(".md.tmpl"):
        return description
    if template.endswith(".py.tmpl"):
        lines = textwrap.wrap(description, 88, break_long_words=True, break_on_hyphens=False)
        return "\n".join(_escaped(line) for line in lines)
    return _escaped(description)


def _target_path(relative: Path, name: str) -> Path:
    parts = [part[: -len(".tmpl")] if part.endswith(".tmpl") else part for part in relative.parts]
    path = Path(*parts)
    if "model.py" in path.name:
        path = path.with_name(path.name.replace("model.py", f"{name}.py"))
    return path


def render_templates(name: str, description: str, templates: Path = TEMPLATES) -> dict[Path, str]:
    """``{relative path: content}`` of the plugin, without touching the disk."""
    values = {"name": name, "Name": pascal_case(name)}
    rendered: dict[Path, str] = {}
    for source in sorted(templates.rglob("*.tmpl")):
        relative = source.relative_to(templates)
        if "__pycache__" in relative.parts:
            continue
        described = _described(description, source.name)
        try:
            content = string.Template(source.read_text(encoding="utf-8")).substitute(
                values, description=described)
        except (KeyError, ValueError) as exc:  # a broken template is a bug of ShopDB, say which file
            raise ScaffoldError(f"template {relative} is broken: {type(exc).__name__}: {exc}") from exc
        rendered[_target_path(relative, name)] = content
    if not rendered:
        raise ScaffoldError(f"no templates found in {templates}")
    return rendered


def scaffold_plugin(name: str, description: str, parent_dir: Path | str, *, overwrite: bool = False,
                    existing: Iterable[str] = ()) -> Path:
    """Write the plugin ``name`` into ``parent_dir/name`` and return that folder.

    Refuses (``ScaffoldError``) a bad name or description, and an existing folder unless
    ``overwrite``; with ``overwrite`` the old folder is replaced as a whole, never merged.
    """
    validate_name(name)
    text = validate_description(description)
    parent = Path(parent_dir).expanduser().resolve()
    target = parent / name
    taken = set(existing)
    if target.exists() or target.is_symlink():
        if not overwrite:
            raise ScaffoldError(f"{target} already exists; pass --overwrite to replace it")
        if not target.is_dir() or target.is_symlink():
            raise ScaffoldError(f"{target} exists and is not a folder; remove it yourself")
        if any(target.iterdir()) and not (target / "manifest.json").exists():
            raise ScaffoldError(f"{target} is not a plugin folder (no manifest.json); refusing to replace it")
        taken.discard(name)  # the plugin being replaced is the one that holds the name
    validate_name(name, taken)
    files = render_templates(name, text)
    if parent.exists() and not parent.is_dir():
        raise ScaffoldError(f"{parent} is not a folder")
    parent.mkdir(parents=True, exist_ok=True)
    # Write beside the target first: a failure half-way leaves the old plugin (or nothing) in place.
    staging = Path(tempfile.mkdtemp(prefix=f".{name}-new-", dir=parent))
    try:
        for relative, content in files.items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise ScaffoldError(f"cannot write {target}: {exc}") from exc
    return target


def next_steps(name: str, created: Path) -> str:
    """What to run next, with the exact commands (printed by ``shopdb plugin new``)."""
    lines = ["", "Next steps:"]
    on_path = _on_plugin_path(created.parent)
    if on_path is False:
        lines.append(f"  0. put {created.parent} on SHOPDB_PLUGIN_PATH (folders separated by ':'), "
                     "so ShopDB finds the plugin")
    lines += [
        f"  1. install it (creates table {name!r}, seeds asset type {name!r}, enables it);",
        "     on a database that is not set up yet, run `shopdb db upgrade` first:",
        f"       shopdb plugin install {name}",
        f"  2. after editing {created / 'models' / (name + '.py')}, write and run a migration:",
        f"       shopdb plugin revision {name} -m \"describe the change\" --autogenerate",
        f"       shopdb plugin migrate {name}",
        "  3. run its tests:",
        f"       python -m pytest {created / 'tests'}",
        "  Then restart ShopDB to serve /api/v1/" + name + ". Walkthrough: docs/PLUGIN-QUICKSTART.md",
    ]
    return "\n".join(lines)


def _on_plugin_path(folder: Path) -> bool | None:
    """Whether ``folder`` is on the app's SHOPDB_PLUGIN_PATH (None outside an app)."""
    from flask import current_app, has_app_context

    if not has_app_context():
        return None
    paths = current_app.config.get("SHOPDB_PLUGIN_PATH") or []
    return any(Path(p).expanduser().resolve() == folder.resolve() for p in paths)
