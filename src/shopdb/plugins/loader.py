"""``PluginLoader``: finds folder plugins on ``SHOPDB_PLUGIN_PATH`` and pip-installed plugins.

Folder plugins are loaded by file location as the package ``shopdb_plugin_<name>``, so a
top-level ``plugins`` package elsewhere on ``sys.path`` can never shadow them, and the plugin's
own modules import each other relatively (the same code works as a folder or as a wheel).
Pip plugins register ``NAME = package.module:ClassName`` in the ``shopdb.plugins`` entry-point
group, with ``manifest.json`` beside that module.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import logging
import sys
import traceback
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType

from .base import BasePlugin
from .manifest import Manifest, ManifestError, load_manifest

log = logging.getLogger(__name__)
ENTRY_POINT_GROUP = "shopdb.plugins"
MODULE_PREFIX = "shopdb_plugin_"


@dataclass
class Discovered:
    """One plugin found on disk or through an entry point, loaded or not."""

    name: str
    root: Path
    source: str  # "folder" or "entry_point"
    manifest: Manifest | None = None
    plugin_class: type[BasePlugin] | None = None
    error: str | None = None
    traceback: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.plugin_class is not None


class PluginLoader:
    def __init__(self, paths: list[str | Path], use_entry_points: bool = True):
        self.paths = [Path(p) for p in paths]
        self.use_entry_points = use_entry_points

    # -- discovery ------------------------------------------------------------------------------
    def discover(self) -> dict[str, Discovered]:
        """Every plugin found, by name; failures are recorded on the entry, never raised."""
        found: dict[str, Discovered] = {}
        for folder in self.paths:
            if not folder.is_dir():
                log.warning("plugin folder %s does not exist; skipped", folder)
                continue
            for child in sorted(folder.iterdir()):
                if child.is_dir() and (child / "manifest.json").exists():
                    self._add(found, self.load_folder(child))
        if self.use_entry_points:
            for ep in entry_points(group=ENTRY_POINT_GROUP):
                self._add(found, self.load_entry_point(ep))
        return found

    @staticmethod
    def _add(found: dict[str, Discovered], item: Discovered) -> None:
        if item.name in found:
            first = found[item.name]
            log.warning("plugin %s found twice (%s and %s); the first wins",
                        item.name, first.root, item.root)
            return
        found[item.name] = item

    # -- folder plugins -------------------------------------------------------------------------
    def load_folder(self, root: Path) -> Discovered:
        """Load ``root/plugin.py`` by file location; any failure is captured on the result."""
        root = root.resolve()
        item = Discovered(name=root.name, root=root, source="folder")
        try:
            item.manifest = load_manifest(root / "manifest.json")
            item.name = item.manifest.name
            if item.manifest.name != root.name:
                raise ManifestError(
                    f"{root / 'manifest.json'}: field 'name': {item.manifest.name!r} does not "
                    f"match the folder name {root.name!r}"
                )
            package = self._import_package(item.manifest.name, root)
            module = importlib.import_module(f"{package.__name__}.plugin")
            item.plugin_class = find_plugin_class(module)
        except ManifestError as exc:
            item.error = str(exc)
        except Exception as exc:  # import errors of any kind: the plugin fails, the app does not
            item.error = f"import failed: {type(exc).__name__}: {exc}"
            item.traceback = traceback.format_exc()
            self._forget_modules(f"{MODULE_PREFIX}{item.name}")
            log.error("plugin %s failed to load:\n%s", item.name, item.traceback)
        return item

    @staticmethod
    def _import_package(name: str, root: Path) -> ModuleType:
        module_name = f"{MODULE_PREFIX}{name}"
        existing = sys.modules.get(module_name)
        if existing is not None:
            if Path(existing.__path__[0]).resolve() == root:
                return existing  # already loaded: models must not be declared twice
            raise ImportError(f"another plugin named {name!r} is already loaded from {existing.__path__[0]}")
        init = root / "__init__.py"
        spec = importlib.util.spec_from_file_location(
            module_name, init if init.exists() else None, submodule_search_locations=[str(root)]
        )
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load plugin package from {root}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(module_name, None)
            raise
        return module

    @staticmethod
    def _forget_modules(package: str) -> None:
        """Undo a failed import: its modules and any tables its models declared are dropped."""
        from ..extensions import db

        for mapper in list(db.Model.registry.mappers):
            module = mapper.class_.__module__
            ours = module == package or module.startswith(package + ".")
            if ours and mapper.local_table is not None and mapper.local_table.name in db.metadata.tables:
                db.metadata.remove(mapper.local_table)
        for key in [k for k in sys.modules if k == package or k.startswith(package + ".")]:
            del sys.modules[key]

    # -- pip plugins ----------------------------------------------------------------------------
    def load_entry_point(self, ep) -> Discovered:
        item = Discovered(name=ep.name, root=Path("."), source="entry_point")
        try:
            module = importlib.import_module(ep.value.split(":")[0])
            item.root = Path(inspect.getfile(module)).resolve().parent
            item.manifest = load_manifest(item.root / "manifest.json")
            item.name = item.manifest.name
            obj = ep.load()
            if not (inspect.isclass(obj) and issubclass(obj, BasePlugin)):
                raise TypeError(f"entry point {ep.value} is not a BasePlugin subclass")
            item.plugin_class = obj
        except ManifestError as exc:
            item.error = str(exc)
        except Exception as exc:
            item.error = f"import failed: {type(exc).__name__}: {exc}"
            item.traceback = traceback.format_exc()
            log.error("plugin %s (entry point) failed to load:\n%s", ep.name, item.traceback)
        return item


def find_plugin_class(module: ModuleType) -> type[BasePlugin]:
    """The ``BasePlugin`` subclass defined in ``module`` (``<Name>Plugin`` by convention)."""
    candidates = [
        obj for obj in vars(module).values()
        if inspect.isclass(obj) and issubclass(obj, BasePlugin) and obj is not BasePlugin
        and obj.__module__ == module.__name__
    ]
    if len(candidates) != 1:
        raise TypeError(
            f"{module.__file__} must define exactly one BasePlugin subclass, found {len(candidates)}"
        )
    return candidates[0]
