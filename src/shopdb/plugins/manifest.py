"""``manifest.json``: validated against ``manifest.schema.json``; versions checked with ``packaging``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import jsonschema
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

SCHEMA_PATH = Path(__file__).with_name("manifest.schema.json")


class ManifestError(Exception):
    """A manifest that cannot be used; the message names the file and the field."""


@dataclass(frozen=True)
class Manifest:
    name: str
    version: str
    description: str
    core_version: str
    requires: tuple[str, ...] = ()
    tables: tuple[str, ...] | None = None
    path: Path | None = field(default=None, compare=False)

    def is_compatible(self, core_version: str) -> bool:
        return Version(core_version) in SpecifierSet(self.core_version)


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text()))


def load_manifest(path: Path) -> Manifest:
    """Read and validate ``path``; raises ``ManifestError`` naming the file and field."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(f"{path}: file not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{path}: not valid JSON ({exc})") from None
    errors = sorted(_validator().iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = ".".join(str(p) for p in first.absolute_path) or "(top level)"
        raise ManifestError(f"{path}: field '{where}': {first.message}")
    try:
        Version(data["version"])
    except InvalidVersion:
        raise ManifestError(f"{path}: field 'version': {data['version']!r} is not a PEP 440 version") from None
    try:
        SpecifierSet(data["core_version"])
    except InvalidSpecifier:
        raise ManifestError(
            f"{path}: field 'core_version': {data['core_version']!r} is not a PEP 440 specifier "
            "(e.g. '>=0.1.0,<1.0.0')"
        ) from None
    if data["name"] in data.get("requires", []):
        raise ManifestError(f"{path}: field 'requires': a plugin cannot require itself")
    return Manifest(
        name=data["name"], version=data["version"], description=data["description"],
        core_version=data["core_version"], requires=tuple(data.get("requires", [])),
        tables=tuple(data["tables"]) if "tables" in data else None, path=path,
    )
