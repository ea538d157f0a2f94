"""Fields for the network identity of a device: hostname, MAC and IP address, in one normal form.

Shared by every plugin whose assets sit on the network (PCs, printers, switches...): the same
spelling rules everywhere, so a duplicate check compares like with like.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from marshmallow import ValidationError, validate

from .common import Text

# Labels of 1-63 letters, digits and inner hyphens, dot-separated. The total length (253) is the field's
# ``maxLength``, not a lookahead: a pattern with lookarounds is one test generators (schemathesis) can
# hardly satisfy, and the OpenAPI states the bound anyway (tests/test_openapi_patterns.py).
HOSTNAME = r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"

# netaddr alone is too lenient ("1" or "00:14:22" parse as MACs), so only the usual spellings
# of a full 48-bit address get that far: colons, dashes, Cisco dots or twelve bare hex digits.
MAC_SPELLINGS = re.compile(
    r"[0-9A-Fa-f]{2}([:-])(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}"
    r"|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}"
    r"|[0-9A-Fa-f]{12}"
)
NOT_HEX = re.compile(r"[^0-9A-Fa-f]")
NOT_A_NIC = frozenset({"00:00:00:00:00:00", "FF:FF:FF:FF:FF:FF"})


def normalise_mac(raw: str) -> str:
    """``"00-1a-2b-3c-4d-5e"`` → ``"00:1A:2B:3C:4D:5E"``; raises ValueError for anything else."""
    text = raw.strip() if isinstance(raw, str) else ""
    if not MAC_SPELLINGS.fullmatch(text):
        raise ValueError(f"{raw!r} is not a MAC address (e.g. 00:1A:2B:3C:4D:5E).")
    # Every spelling the pattern lets through is twelve hex digits in order, with separators or none:
    # netaddr's mac_unix_expanded in capitals, without parsing an EUI (an import writes many MACs).
    digits = NOT_HEX.sub("", text).upper()
    mac = ":".join(digits[i:i + 2] for i in range(0, 12, 2))
    if mac in NOT_A_NIC:
        raise ValueError(f"{mac} is not the address of a network card.")
    return mac


def mac_or_none(raw: str) -> str | None:
    try:
        return normalise_mac(raw)
    except ValueError:
        return None


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


class Hostname(Text):
    """A DNS hostname, lower-cased: ``PC-0042`` and ``pc-0042`` are the same machine."""

    def __init__(self, **kwargs: Any):
        super().__init__(253, validate=validate.Regexp(HOSTNAME, error="Not a valid hostname."), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        return result.lower() if isinstance(result, str) else result


class MacAddress(Text):
    """Accepts ``00-1a-2b-3c-4d-5e``, ``001a.2b3c.4d5e``, ``001A2B3C4D5E``; loads ``00:1A:2B:3C:4D:5E``."""

    def __init__(self, **kwargs: Any):
        super().__init__(32, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        try:
            return normalise_mac(result)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


class IpAddress(Text):
    """An IPv4 or IPv6 address, loaded in its compressed form."""

    def __init__(self, **kwargs: Any):
        super().__init__(64, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        try:
            return normalise_ip(result)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
