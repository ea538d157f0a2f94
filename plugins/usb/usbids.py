"""Vendor and product names from the system's ``usb.ids`` (the file ``lsusb`` uses), when present.

The file is found through ``SHOPDB_USB_IDS`` or the usual distribution paths, parsed once on first
use and re-parsed only when its path or modification time changes. No file: names are None.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

ENV_VAR = "SHOPDB_USB_IDS"
SYSTEM_PATHS = ("/usr/share/misc/usb.ids", "/usr/share/hwdata/usb.ids", "/var/lib/usbutils/usb.ids")
_VENDOR = re.compile(r"^([0-9a-fA-F]{4})\s+(.+?)\s*$")
_PRODUCT = re.compile(r"^\t([0-9a-fA-F]{4})\s+(.+?)\s*$")

Names = dict[str, tuple[str, dict[str, str]]]  # vendor id → (vendor name, {product id → name})
_lock = threading.Lock()
_cache: dict[str, tuple[tuple[str, int] | None, Names]] = {"db": (None, {})}


def find_file() -> Path | None:
    """The usb.ids to use: ``SHOPDB_USB_IDS`` when set (even if missing: then none), else the system's."""
    configured = os.environ.get(ENV_VAR)
    candidates = (configured,) if configured else SYSTEM_PATHS
    for candidate in candidates:
        path = Path(candidate)
        if path.is_file():
            return path
    return None


def _decode(raw: bytes) -> str:
    # usb.ids is UTF-8 today; older copies carry Latin-1 names, which must not stop the parse.
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def parse(path: Path) -> Names:
    """Vendors (unindented ``vvvv  Name``) and their products (``\\tpppp  Name``); the rest is skipped."""
    names: Names = {}
    current: dict[str, str] | None = None
    with path.open("rb") as handle:
        for raw in handle:
            line = _decode(raw).rstrip("\r\n")
            if not line or line.startswith("#"):
                continue
            if line.startswith("\t\t"):
                continue  # interfaces of a product
            if line.startswith("\t"):
                match = _PRODUCT.match(line)
                if match and current is not None:
                    current[match.group(1).lower()] = match.group(2)
                continue
            match = _VENDOR.match(line)
            if match:
                current = {}
                names[match.group(1).lower()] = (match.group(2), current)
            else:
                current = None  # "C 00 ..." class lists etc. follow the vendors: not ours
    return names


def database() -> Names:
    """The parsed names (empty when there is no usb.ids)."""
    path = find_file()
    if path is None:
        return {}
    try:
        key = (str(path), path.stat().st_mtime_ns)
    except OSError:
        return {}
    cached_key, names = _cache["db"]
    if cached_key == key:
        return names
    with _lock:
        cached_key, names = _cache["db"]
        if cached_key != key:
            try:
                names = parse(path)
            except OSError:
                return {}
            _cache["db"] = (key, names)
    return names


def names_for(vendor_id: str | None, product_id: str | None, names: Names | None = None) -> dict[str, str | None]:
    """``{"vendor_name", "product_name"}`` for the ids; None where unknown or without usb.ids."""
    names = database() if names is None else names
    vendor = names.get((vendor_id or "").lower())
    if vendor is None:
        return {"vendor_name": None, "product_name": None}
    return {"vendor_name": vendor[0], "product_name": vendor[1].get((product_id or "").lower())}
