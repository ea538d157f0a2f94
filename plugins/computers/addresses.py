"""MAC vendors; the normal forms of MAC and IP addresses are the toolkit's (shared with every plugin)."""

from __future__ import annotations

import functools
import re

from netaddr import EUI, AddrFormatError, NotRegisteredError

from shopdb.plugins.toolkit import ip_or_none, mac_or_none, normalise_ip, normalise_mac

__all__ = ["ip_or_none", "mac_or_none", "mac_vendor", "normalise_ip", "normalise_mac"]

# How a stored MAC reads (normalise_mac's output): a list of PCs names a vendor per row, and parsing an
# address already in this form again cost more than the rest of the row.
NORMAL_MAC = re.compile(r"(?!00:00:00:00:00:00|FF:FF:FF:FF:FF:FF)[0-9A-F]{2}(?::[0-9A-F]{2}){5}")


@functools.lru_cache(maxsize=4096)
def vendor_of_oui(oui: str) -> str | None:
    try:
        return EUI(f"{oui}:00:00:00").oui.registration().org.strip().rstrip(",") or None
    except (NotRegisteredError, IndexError, AddrFormatError):
        return None


def mac_vendor(mac: str | None) -> str | None:
    """The organisation the IEEE registered the MAC's OUI to (netaddr's copy), or None."""
    if not mac:
        return None
    normal = mac if NORMAL_MAC.fullmatch(mac) else mac_or_none(mac)
    return vendor_of_oui(normal[:8]) if normal else None
