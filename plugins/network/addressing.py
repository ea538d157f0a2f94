"""IP arithmetic the network plugin relies on: parsing, normalising, usable ranges, sort keys.

Pure functions over Python's ``ipaddress``; no database. Addresses are compared in SQL through a
fixed-width hex ``key`` (8 digits for IPv4, 32 for IPv6), so range checks and ordering work the
same way on SQLite, MariaDB and PostgreSQL without native inet types.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_network(text: str) -> IPNetwork:
    """``"10.1.2.77/24"`` → ``10.1.2.0/24``; host bits are dropped (strict=False). ValueError when invalid."""
    if not isinstance(text, str) or "%" in text:  # zone ids name an interface, not a subnet
        raise ValueError("Not a valid CIDR (e.g. 10.1.2.0/24 or fd00:1::/64).")
    if "/" not in text:
        raise ValueError("A CIDR needs a prefix length (e.g. 10.1.2.0/24).")
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        raise ValueError("Not a valid CIDR (e.g. 10.1.2.0/24 or fd00:1::/64).") from None


def parse_address(text: str) -> IPAddress:
    """A single IPv4 or IPv6 address; ValueError when invalid (zone ids like ``%eth0`` are refused)."""
    if not isinstance(text, str) or "%" in text or "/" in text:
        raise ValueError("Not a valid IPv4 or IPv6 address.")
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        raise ValueError("Not a valid IPv4 or IPv6 address.") from None


def normalise_address(text: str) -> str:
    """The canonical text of an address (IPv6 compressed, lower case)."""
    return str(parse_address(text))


def key_of(value: int, version: int) -> str:
    """Fixed-width hex of an address as an integer: sorts and compares like the address itself."""
    return f"{value:0{8 if version == 4 else 32}x}"


def address_key(address: IPAddress) -> str:
    return key_of(int(address), address.version)


def usable_range(network: IPNetwork) -> tuple[int, int]:
    """First and last assignable host as integers.

    IPv4: network and broadcast are skipped for /30 and bigger; a /31 has two hosts (RFC 3021)
    and a /32 one. IPv6: the subnet-router anycast address (``::0`` of the prefix) is skipped;
    a /127 has two hosts (RFC 6164) and a /128 one. IPv6 has no broadcast address.
    """
    first, last = int(network.network_address), int(network.broadcast_address)
    point_to_point = network.max_prefixlen - 1
    if network.prefixlen >= point_to_point:
        return first, last
    if network.version == 4:
        return first + 1, last - 1
    return first + 1, last


def usable_size(network: IPNetwork) -> int:
    first, last = usable_range(network)
    return last - first + 1


def reserved_reason(network: IPNetwork, address: IPAddress) -> str | None:
    """Why an address inside ``network`` cannot be assigned (network/broadcast/anycast), or None."""
    first, last = usable_range(network)
    value = int(address)
    if first <= value <= last:
        return None
    if value == int(network.network_address):
        return ("is the subnet-router anycast address" if network.version == 6
                else "is the network address")
    return "is the broadcast address"


def walk_used(candidate: int, used_sorted: Iterable[int]) -> tuple[int, bool]:
    """Advance ``candidate`` past sorted used addresses; returns (candidate, True) at the first gap.

    Feed it one chunk of used addresses at a time (each ``>= candidate``) and continue from the
    returned candidate, so a /16 with 60,000 used addresses never needs one giant query.
    """
    for value in used_sorted:
        if value < candidate:
            continue
        if value > candidate:
            return candidate, True
        candidate += 1
    return candidate, False


def utilisation(network: IPNetwork, used: int) -> dict[str, int | float]:
    size = usable_size(network)
    return {"size": size, "used": used, "free": max(size - used, 0),
            "percent": round(100.0 * used / size, 2) if size else 100.0}
