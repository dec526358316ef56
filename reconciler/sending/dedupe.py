"""Distinct recipient addresses seen so far in a run, in a compact table.

A recipient file that lists an address twice would otherwise mail that person twice (a merged
export, a list pasted in twice). The engine sends to the first row with an address and skips
the later ones as duplicates, as most senders do. Addresses are compared case-insensitively
(mailbox providers and SES's suppression list treat them so).

Memory is what keeps this from being a ``set[str]``: the table holds a 64-bit hash per distinct
address in an open-addressing array at most half full, 16 bytes per address (3.2 MB for
200,000), where a set of strings costs over 100 bytes each. Two different addresses share a
hash with probability about n²/2⁶⁵ (3·10⁻⁸ for a million addresses); the later one would then be
skipped as a duplicate, reported with its row.
"""

from __future__ import annotations

import hashlib
from array import array

_INITIAL_SLOTS = 1024  # a power of two


def address_key(address: str) -> int:
    """The 64-bit hash of a normalised address (never 0: 0 marks an empty slot)."""
    digest = hashlib.blake2b(address.strip().lower().encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") or 1


class SeenAddresses:
    def __init__(self) -> None:
        self._slots = array("Q", bytes(8 * _INITIAL_SLOTS))
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(self, address: str) -> bool:
        """Record ``address``; True if it had not been seen before."""
        if (self._count + 1) * 2 > len(self._slots):
            self._grow()
        return self._insert(address_key(address))

    def _insert(self, key: int) -> bool:
        mask = len(self._slots) - 1
        slot = key & mask
        while True:
            held = self._slots[slot]
            if held == 0:
                self._slots[slot] = key
                self._count += 1
                return True
            if held == key:
                return False
            slot = (slot + 1) & mask  # linear probing

    def _grow(self) -> None:
        old = self._slots
        self._slots = array("Q", bytes(16 * len(old)))
        self._count = 0
        for key in old:
            if key:
                self._insert(key)
