"""Build hook: the wheel carries the bundled plugins and the built web UI (docs/adr/0014).

Everything else about the package is declared in pyproject.toml. In a checkout the plugins live in
``plugins/`` and the UI build in ``frontend/dist``, beside ``src/``; ``build_py`` copies both trees
into the package as ``shopdb/bundled_plugins`` and ``shopdb/bundled_ui``, where ``shopdb.config`` and
``shopdb.web`` look first. Whole trees are copied (minus tests and bytecode), so a file a plugin
needs at run time — migrations, templates, data — cannot be forgotten by a package-data pattern.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
# source folder → (package folder, the file that shows the source is there)
BUNDLES = {"plugins": ("bundled_plugins", "*/manifest.json"), "frontend/dist": ("bundled_ui", "index.html")}
SKIP = shutil.ignore_patterns("__pycache__", "*.py[cod]", "tests", ".pytest_cache")


class BuildPyWithBundles(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return  # an editable install serves plugins/ and frontend/dist from the checkout itself
        for source, (target, marker) in BUNDLES.items():
            origin, copy = ROOT / source, Path(self.build_lib) / "shopdb" / target
            if not any(origin.glob(marker)):
                if source == "plugins":
                    raise SystemExit(f"{origin} holds no plugins: a wheel without them is not ShopDB")
                # The UI is not built (npm not run): the wheel serves the API, and / says the UI is missing.
                self.warn(f"{source}/ is not built: this wheel carries no web UI (build it first: make ui)")
                continue
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(origin, copy, ignore=SKIP)


setup(cmdclass={"build_py": BuildPyWithBundles})
