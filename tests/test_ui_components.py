"""The web UI's component and unit tests (Vitest, frontend/tests/*.test.js) run as part of the Python suite,
so ``make test`` (which builds the UI with its dev dependencies first) runs them without a step of its own.
Skips with the reason when npm or the UI's dev dependencies are missing.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

FRONTEND = Path(__file__).resolve().parents[1] / "frontend"


def test_the_ui_component_tests_pass():
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed")
    if not (FRONTEND / "node_modules" / "vitest").is_dir():
        pytest.skip("the UI's dev dependencies are missing; run: cd frontend && npm ci")
    run = subprocess.run([npm, "test", "--silent", "--", "--reporter=dot"], cwd=FRONTEND, capture_output=True,
                         text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
