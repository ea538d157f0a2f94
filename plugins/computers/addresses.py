"""MAC and IP addresses in the one normal form the computers table stores, and MAC vendors."""

from __future__ import annotations

import functools
import ipaddress
import re

from netaddr import EUI, AddrFormatError, NotRegisteredError, mac_unix_expanded

# netaddr alone is too lenient ("1" or "00:14:22" parse as MACs), so only the usual spellings
# of a full 48-bit address get that far: colons, dashes, Cisco dots or twelve bare hex digits.
_MAC_SPELLINGS = re.compile(
    r"[0-9A-Fa-f]{2}([:-])(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}"
    r"|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}"
    r"|[0-9A-Fa-f]{12}"
)
_NOT_A_NIC = {"00:00:00:00:00:00", "FF:FF:FF:FF:FF:FF"}


def normalise_mac(raw: str) -> str:
    """``"00-1a-2b-3c-4d-5e"`` → ``"00:1A:2B:3C:4D:5E"``; raises ValueError for anything else."""
    text = raw.strip() if isinstance(raw, str) else ""
    if not _MAC_SPELLINGS.fullmatch(text):
        raise ValueError(f"{raw!r} is not a MAC address (e.g. 00:1A:2B:3C:4D:5E).")
    try:
        mac = EUI(text, version=48).format(mac_unix_expanded).upper()
    except (AddrFormatError, TypeError, ValueError, IndexError):
        raise ValueError(f"{raw!r} is not a MAC address (e.g. 00:1A:2B:3C:4D:5E).") from None
    if mac in _NOT_A_NIC:
        raise ValueError(f"{mac} is not the address of a network card.")
    return mac


def mac_or_none(raw: str) -> str | None:
    try:
        return normalise_mac(raw)
    except ValueError:
        return None


@functools.lru_cache(maxsize=4096)
def _vendor_of_oui(oui: str) -> str | None:
    try:
        return EUI(f"{oui}:00:00:00").oui.registration().org.strip().rstrip(",") or None
    except (NotRegisteredError, IndexError, AddrFormatError):
        return None


def mac_vendor(mac: str | None) -> str | None:
    """The organisation the IEEE registered the MAC's OUI to (netaddr's copy), or None."""
    if not mac:
        return None
    normal = mac_or_none(mac)
    return _vendor_of_oui(normal[:8]) if normal else None


def normalise_ip(raw: str) -> str:
    """IPv4 or IPv6, compressed (``"2001:DB8:0::1"`` → ``"2001:db8::1"``); raises ValueError."""
    if not isinstance(raw, str):
        raise ValueError("An IP address must be a string.")
    try:
        return str(ipaddress.ip_address(raw.strip()))
    except ValueError:
        raise ValueError(f"{raw!r} is not a valid IPv4 or IPv6 address.") from None


def ip_or_none(raw: str) -> str | None:
    try:
        return normalise_ip(raw)
    except ValueError:
        return None
