"""Distinct recipient addresses seen so far in a run, at no more than 16 bytes each.

A recipient file that lists an address twice would otherwise mail that person twice (a merged
export, a list pasted in twice). The engine sends to the first row with an address and skips
the later ones as duplicates, as most senders do. Addresses are compared case-insensitively
(mailbox providers and SES's suppression list treat them so).

What is kept is a 64-bit keyed hash per address (blake2b under a key drawn per process, so the
hashes say nothing about the addresses outside this run, even when spilled to disk), in sorted
runs of unsigned 64-bit integers, merged like a binary counter:

* new keys go to a small set (``BUFFER`` keys, a constant ~1 MB); when it is full it becomes a
  sorted run, and runs of equal size are merged, so there are at most log2(n / BUFFER) + 1 runs,
  each searched by bisection;
* a run holds 8 bytes per key; merging two runs builds the merged one before freeing them, so
  the peak is 16 bytes per key of the merge, which is at most every key: **16 bytes per distinct
  address at the peak, 8 between merges**;
* a run that reaches ``SPILL_AT`` keys (8 MiB) is written to an unlinked temporary file and
  searched through mmap, so past a million addresses the heap stops growing (the page cache
  holds what is searched often, and the kernel may drop it).

Two different addresses share a hash with probability about n²/2⁶⁵ (3·10⁻⁸ for a million
addresses); the later one would then be skipped as a duplicate, reported with its row.
"""

from __future__ import annotations

import hashlib
import heapq
import mmap
import secrets
import tempfile
from array import array
from bisect import bisect_left
from collections.abc import Sequence
from typing import IO

from reconciler.sending.addresses import normalized

BUFFER = 16384
SPILL_AT = 1 << 20  # keys in one run before it goes to disk (8 MiB)
_KEY = secrets.token_bytes(16)


def address_key(address: str) -> int:
    """The keyed 64-bit hash of a normalised address."""
    digest = hashlib.blake2b(normalized(address).encode(), digest_size=8, key=_KEY).digest()
    return int.from_bytes(digest, "big")


class _DiskRun:
    """A sorted run in an unlinked temporary file, searched through mmap."""

    def __init__(self, keys: array[int], directory: str | None) -> None:
        self._file: IO[bytes] = tempfile.TemporaryFile(prefix="sesctl-seen-", dir=directory)
        keys.tofile(self._file)
        self._file.flush()
        self._map = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ)
        self.keys: Sequence[int] = memoryview(self._map).cast("Q")

    def __len__(self) -> int:
        return len(self.keys)

    def close(self) -> None:
        if isinstance(self.keys, memoryview):
            self.keys.release()
        self._map.close()
        self._file.close()


def _contains(keys: Sequence[int], key: int) -> bool:
    at = bisect_left(keys, key)
    return at < len(keys) and keys[at] == key


def _merged(a: Sequence[int], b: Sequence[int]) -> array[int]:
    """The sorted union of two sorted runs with no key in common, allocated once at its size."""
    out = array("Q", [0]) * (len(a) + len(b))
    for index, key in enumerate(heapq.merge(a, b)):
        out[index] = key
    return out


class SeenAddresses:
    def __init__(
        self, *, buffer: int = BUFFER, spill_at: int = SPILL_AT, directory: str | None = None
    ) -> None:
        self._buffer: set[int] = set()
        self._buffer_size = buffer
        self._runs: list[array[int]] = []  # in memory, largest first
        self._disk: list[_DiskRun] = []
        self._count = 0
        self._spill_at = spill_at
        self._directory = directory

    def __len__(self) -> int:
        return self._count

    def add(self, address: str) -> bool:
        """Record ``address``; True if it had not been seen before."""
        key = address_key(address)
        if key in self._buffer:
            return False
        for run in self._runs:  # inlined: this runs for every row of the file
            at = bisect_left(run, key)
            if at < len(run) and run[at] == key:
                return False
        if self._disk and any(_contains(run.keys, key) for run in self._disk):
            return False
        self._buffer.add(key)
        self._count += 1
        if len(self._buffer) >= self._buffer_size:
            self._flush()
        return True

    def close(self) -> None:
        """Free the spilled runs (their files are unlinked already)."""
        for run in self._disk:
            run.close()
        self._disk.clear()

    def memory_bytes(self) -> int:
        """Heap bytes held for the keys now (the buffer counted at its keys' 8 bytes)."""
        return 8 * (len(self._buffer) + sum(len(run) for run in self._runs))

    def _flush(self) -> None:
        run = array("Q", sorted(self._buffer))
        self._buffer.clear()
        while self._runs and len(self._runs[-1]) <= len(run):
            run = _merged(self._runs.pop(), run)
        if len(run) >= self._spill_at:
            self._disk.append(_DiskRun(run, self._directory))
        else:
            self._runs.append(run)
