"""A MAC address is stored in one spelling whichever way it was typed (the duplicate checks compare that
spelling): ``normalise_mac`` gives netaddr's ``mac_unix_expanded`` in capitals for every spelling it
accepts, and refuses what is not a whole 48-bit address or not a network card's."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from netaddr import EUI, mac_unix_expanded

from shopdb.core.schemas.addresses import normalise_mac

octets = st.lists(st.integers(0, 255), min_size=6, max_size=6)


def _spellings(values: list[int]) -> list[str]:
    digits = "".join(f"{v:02x}" for v in values)
    pairs = [digits[i:i + 2] for i in range(0, 12, 2)]
    return [":".join(pairs), "-".join(pairs).upper(), f"{digits[:4]}.{digits[4:8]}.{digits[8:]}", digits.upper(),
            f"  {':'.join(pairs)}\t"]


@given(octets)
def test_every_spelling_of_an_address_is_stored_as_netaddr_writes_it_in_capitals(values):
    expected = EUI(bytes(values).hex(), version=48).format(mac_unix_expanded).upper()
    for spelling in _spellings(values):
        if expected in ("00:00:00:00:00:00", "FF:FF:FF:FF:FF:FF"):
            with pytest.raises(ValueError, match="network card"):
                normalise_mac(spelling)
        else:
            assert normalise_mac(spelling) == expected


@pytest.mark.parametrize("typed", ["1", "00:14:22", "00:1a:2b:3c:4d", "00:1a-2b:3c:4d:5e", "00:1a:2b:3c:4d:5g",
                                   "001a.2b3c.4d5e.6f", "0x001a2b3c4d5e", "", "00:1a:2b:3c:4d:5e:6f"])
def test_what_is_not_a_whole_address_is_refused(typed):
    with pytest.raises(ValueError, match="not a MAC address"):
        normalise_mac(typed)


def test_the_all_zero_and_broadcast_addresses_are_not_a_network_card():
    for typed in ("00-00-00-00-00-00", "ffff.ffff.ffff"):
        with pytest.raises(ValueError, match="network card"):
            normalise_mac(typed)
