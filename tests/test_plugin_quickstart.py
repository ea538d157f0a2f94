"""docs/PLUGIN-QUICKSTART.md cannot rot: every ``$ `` command in its ``console`` blocks runs, in order.

The commands run as one bash script (so ``export`` carries over) in an empty folder, with this
virtualenv first on PATH and no SHOPDB_* variables inherited. Lines under a command are its
expected output: each must match a line of what the command printed, ``...`` standing for anything.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
QUICKSTART = REPO / "docs" / "PLUGIN-QUICKSTART.md"
MARKER = "@@quickstart-step"
HEREDOC = re.compile(r"<<-?\s*(['\"]?)(\w+)\1")


@dataclass
class Step:
    command: str
    expected: list[str] = field(default_factory=list)


def quickstart_steps(text: str) -> list[Step]:
    """The commands of every ```console block, with the output lines shown under each."""
    steps: list[Step] = []
    lines = iter(text.splitlines())
    in_console = False
    for line in lines:
        if not in_console:
            in_console = line.strip() == "```console"
            continue
        if line.strip() == "```":
            in_console = False
        elif line.startswith("$ "):
            command = [line[2:]]
            heredoc = HEREDOC.search(line)
            while heredoc or command[-1].endswith("\\"):  # a heredoc or a continued line
                following = next(lines)
                command.append(following)
                if heredoc and following == heredoc.group(2):
                    break
            steps.append(Step("\n".join(command)))
        elif line.strip() and line.strip() != "..." and steps:
            steps[-1].expected.append(line)
    return steps


def matches(expected: str, output: str) -> bool:
    """``expected`` matches one line of ``output``, whitespace-insensitive, ``...`` matching anything."""
    pieces = [re.escape(" ".join(piece.split())) for piece in expected.split("...")]
    pattern = re.compile(r".*?".join(pieces))
    return any(pattern.search(" ".join(line.split())) for line in output.splitlines())


def clean_env(cwd: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPDB_") and k != "PYTHONPATH"}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["QUICKSTART_DIR"] = str(cwd)
    env["COLUMNS"] = "200"  # rich tables: no wrapping of the rows the page shows
    return env


def test_the_quickstart_walks_every_step_of_the_issue():
    commands = [s.command for s in quickstart_steps(QUICKSTART.read_text(encoding="utf-8"))]
    joined = "\n".join(commands)
    for needed in ("shopdb plugin new widgets", "models/widgets.py", "api/routes.py",
                   "shopdb plugin install widgets", "shopdb plugin revision widgets", "--autogenerate",
                   "shopdb plugin migrate widgets", "shopdb plugin list", "events.py", "pip wheel"):
        assert needed in joined, f"the quickstart lost its step {needed!r}"


def test_the_quickstart_links_point_at_files_that_exist():
    text = QUICKSTART.read_text(encoding="utf-8")
    targets = {t.split("#")[0] for t in re.findall(r"\]\(([^)]+)\)", text) if "://" not in t}
    assert {"PLUGIN-HOOKS.md", "adr/0002-plugin-architecture.md", "adr/0005-explicit-table-ownership.md"} <= targets
    missing = [t for t in sorted(targets) if not (QUICKSTART.parent / t).exists()]
    assert missing == []


def test_expected_output_matching_understands_ellipses():
    printed = "created plugin 'widgets' in /t/plugins/widgets (17 files)"
    assert matches("created plugin 'widgets' in ...plugins/widgets (...", printed)
    assert matches("widgets ... enabled ... folder", "│ widgets │ enabled │ 0.1.0 │ 0 │ folder │")
    assert not matches("widgets ... failed", "│ widgets │ enabled │")


@pytest.mark.slow
def test_every_quickstart_command_runs_in_order_and_prints_what_the_page_shows(tmp_path):
    steps = quickstart_steps(QUICKSTART.read_text(encoding="utf-8"))
    script = ["set -euo pipefail"]
    for number, step in enumerate(steps):
        script += [f"echo '{MARKER} {number}'", step.command]
    (tmp_path / "quickstart.sh").write_text("\n".join(script) + "\n")
    result = subprocess.run(["bash", "quickstart.sh"], cwd=tmp_path, env=clean_env(tmp_path),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)

    outputs: dict[int, str] = {}
    current = None
    for line in result.stdout.splitlines():
        if line.startswith(MARKER):
            current = int(line.split()[-1])
            outputs[current] = ""
        elif current is not None:
            outputs[current] += line + "\n"
    if result.returncode != 0:
        failed = max(outputs, default=0)
        pytest.fail(f"quickstart step {failed} failed (exit {result.returncode}):\n$ {steps[failed].command}\n"
                    f"{outputs.get(failed, result.stdout)[-4000:]}")
    assert len(outputs) == len(steps)
    for number, step in enumerate(steps):
        for expected in step.expected:
            assert matches(expected, outputs[number]), (
                f"step {number}: `{step.command.splitlines()[0]}` did not print {expected!r}; it printed:\n"
                f"{outputs[number][-3000:]}")
