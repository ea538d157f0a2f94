"""The import rules of ADR 0001 and ADR 0012, as tests: imports only go downwards.

Two checks, because each sees what the other cannot:

- import-linter (``[tool.importlinter]`` in pyproject.toml) over ``shopdb`` and the bundled plugins
  as the namespace package ``plugins``: the core never imports the framework or a plugin, plugins
  import only the toolkit, plugins never import each other. It only sees packages with an
  ``__init__.py``, so a plugin's ``tests/`` and ``migrations/`` are outside its view.
- an AST walk over *every* Python file of every plugin folder and of a freshly scaffolded plugin:
  ``shopdb`` only as ``shopdb.plugins.toolkit`` (and ``.testing`` in tests), never another plugin.

Plus: no import cycle between modules of ``src/shopdb``, and no ``_private`` name imported across modules.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
PLUGINS = ROOT / "plugins"
TEMPLATES = ROOT / "src" / "shopdb" / "plugins" / "templates"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
TOOLKIT = "shopdb.plugins.toolkit"
# The seed published this name; it stays importable by contract (docs/PLUGIN-HOOKS.md).
PUBLIC_BY_CONTRACT = {"_get_plugin_metadata"}


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(cwd), str(ROOT / "src")])}
    return subprocess.run([str(LINT_IMPORTS), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def imported_modules(source: str) -> list[tuple[int, str, int]]:
    """``(line, absolute-or-relative module, level)`` for every import statement of a file."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, 0) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.lineno, node.module or "", node.level))
    return found


def plugin_import_violations(plugins_root: Path, plugin_names: set[str]) -> list[str]:
    """Every import in a plugin folder that reaches ShopDB past the toolkit, or another plugin."""
    problems = []
    for path in sorted(plugins_root.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        relative = path.relative_to(plugins_root)
        in_tests = "tests" in relative.parts
        allowed = {TOOLKIT, f"{TOOLKIT}.testing"} if in_tests else {TOOLKIT}
        for line, module, level in imported_modules(path.read_text()):
            top = module.split(".")[0]
            if level == 0 and top == "shopdb" and module not in allowed:
                problems.append(f"{relative}:{line} imports {module} (use {TOOLKIT})")
            if level == 0 and (top == "plugins" or top.startswith("shopdb_plugin_")
                               or top in plugin_names - {relative.parts[0]}):
                problems.append(f"{relative}:{line} imports another plugin ({module})")
    return problems


def test_import_contracts_hold():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_plugin_importing_the_core_models_breaks_the_contract(tmp_path):
    """Proof the contract is real: a copy of the plugins where one imports shopdb.core.models fails."""
    shutil.copytree(PLUGINS, tmp_path / "plugins", ignore=shutil.ignore_patterns("__pycache__", "tests"))
    rules = tmp_path / "plugins" / "printers" / "rules.py"
    rules.write_text(rules.read_text() + "\nfrom shopdb.core.models import Asset as CoreAsset  # noqa\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0, result.stdout
    assert "Plugins import ShopDB only through the toolkit BROKEN" in result.stdout
    assert "plugins.printers.rules -> shopdb.core.models" in result.stdout


def test_every_plugin_file_imports_shopdb_only_through_the_toolkit():
    names = {p.name for p in PLUGINS.iterdir() if (p / "manifest.json").exists()}
    assert len(names) == 6
    assert plugin_import_violations(PLUGINS, names) == []


def test_a_scaffolded_plugin_imports_shopdb_only_through_the_toolkit(tmp_path):
    from shopdb.plugins.scaffolder import scaffold_plugin

    scaffold_plugin("gauges", "Gauges of the plant", tmp_path)
    assert plugin_import_violations(tmp_path, {"gauges"}) == []


@pytest.mark.parametrize("line", [
    "from shopdb.core.models import Asset",
    "import shopdb.extensions",
    "from shopdb.plugins.manager import get_manager",
])
def test_the_ast_check_catches_a_plugin_reaching_past_the_toolkit(tmp_path, line):
    plugin = tmp_path / "gauges"
    (plugin / "tests").mkdir(parents=True)
    (plugin / "plugin.py").write_text(f"from shopdb.plugins.toolkit import BasePlugin\n{line}\n")
    (plugin / "tests" / "test_x.py").write_text("from shopdb.plugins.toolkit.testing import token_for\n")
    assert plugin_import_violations(tmp_path, {"gauges"}) == [f"gauges/plugin.py:2 imports {line.split()[1]} "
                                                              f"(use {TOOLKIT})"]


def test_the_ast_check_catches_a_plugin_importing_another(tmp_path):
    for name in ("gauges", "lathes"):
        (tmp_path / name).mkdir()
    (tmp_path / "gauges" / "plugin.py").write_text("from lathes.models import Lathe\n")
    assert plugin_import_violations(tmp_path, {"gauges", "lathes"}) == [
        "gauges/plugin.py:1 imports another plugin (lathes.models)"]


def strongly_connected(graph: grimp.ImportGraph) -> list[list[str]]:
    """Tarjan's algorithm over the module import graph: every group of modules importing in a circle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return groups


def test_no_module_of_shopdb_imports_itself_in_a_circle():
    graph = grimp.build_graph("shopdb", include_external_packages=False, cache_dir=None)
    assert strongly_connected(graph) == []


def test_no_private_name_is_imported_across_modules():
    problems = []
    for folder in (ROOT / "src", PLUGINS):
        for path in sorted(folder.rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                if not isinstance(node, ast.ImportFrom):
                    continue
                for alias in node.names:
                    name = alias.name
                    if name.startswith("_") and not name.startswith("__") and name not in PUBLIC_BY_CONTRACT:
                        problems.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {name}")
    assert problems == []
