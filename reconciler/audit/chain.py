"""The hash chain of the audit trail: how an entry is hashed, signed and checked.

Each entry is one JSON object per line. ``hash`` is sha256 over the entry's canonical JSON
(sorted keys, no whitespace) without ``hash`` and ``hmac``; ``prev`` is the previous entry's
``hash`` (``GENESIS`` for the first) and ``seq`` counts from 0. So editing an entry breaks its
own hash, and deleting, inserting or reordering one breaks ``seq`` and ``prev`` of the next.
A plain hash chain can be recomputed by whoever edits the file; ``hmac`` (HMAC-SHA256 over
the same bytes with a key from a secret the editor does not have) cannot.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "sha256:" + "0" * 64
SIGNED_FIELDS_EXCLUDED = ("hash", "hmac")


def canonical(entry: Mapping[str, Any]) -> bytes:
    body = {k: v for k, v in entry.items() if k not in SIGNED_FIELDS_EXCLUDED}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def entry_hash(entry: Mapping[str, Any]) -> str:
    return "sha256:" + hashlib.sha256(canonical(entry)).hexdigest()


def entry_hmac(entry: Mapping[str, Any], key: bytes) -> str:
    return "hmac-sha256:" + hmac.new(key, canonical(entry), hashlib.sha256).hexdigest()


def seal(entry: dict[str, Any], key: bytes | None) -> dict[str, Any]:
    """``entry`` (with ``seq`` and ``prev`` set) with its ``hash`` and, given a key, ``hmac``."""
    entry["hash"] = entry_hash(entry)
    if key is not None:
        entry["hmac"] = entry_hmac(entry, key)
    return entry


@dataclass(frozen=True)
class Head:
    """The last entry's position, kept beside the log (and signed with the key when there is
    one) so that cutting entries off the end is detected too."""

    seq: int
    hash: str
    hmac: str | None = None

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"seq": self.seq, "hash": self.hash}
        if self.hmac is not None:
            data["hmac"] = self.hmac
        return data


def head_for(seq: int, hash_: str, key: bytes | None) -> Head:
    signature = None
    if key is not None:
        signature = "hmac-sha256:" + hmac.new(key, f"{seq}:{hash_}".encode(), hashlib.sha256).hexdigest()
    return Head(seq, hash_, signature)


@dataclass(frozen=True)
class Verdict:
    ok: bool
    entries: int  # entries read and found good
    line: int | None = None  # the first bad line (1-based), None when ok or for a head problem
    reason: str = ""
    signed: bool = False  # every entry's HMAC was checked


def anchor_for(seq: int, prev: str, key: bytes | None) -> dict[str, Any]:
    """Where a trail cut by retention starts: its first entry's seq and prev (signed with the key)."""
    anchor: dict[str, Any] = {"seq": seq, "prev": prev}
    if key is not None:
        anchor["hmac"] = "hmac-sha256:" + hmac.new(key, f"anchor:{seq}:{prev}".encode(), hashlib.sha256).hexdigest()
    return anchor


def _start(anchor: Mapping[str, Any] | None, key: bytes | None) -> tuple[int, str, str]:
    """(first seq, its prev, a problem) from the anchor file (none: the chain starts at 0)."""
    if anchor is None:
        return 0, GENESIS, ""
    seq, prev = anchor.get("seq"), anchor.get("prev")
    if not isinstance(seq, int) or not isinstance(prev, str):
        return 0, GENESIS, "the anchor file is malformed"
    if key is not None:
        expected = anchor_for(seq, prev, key).get("hmac", "")
        signature = anchor.get("hmac")
        if not isinstance(signature, str) or not hmac.compare_digest(signature, expected):
            return seq, prev, "the anchor file's HMAC does not match (edited, or another key)"
    return seq, prev, ""


def verify(
    lines: Iterable[str],
    key: bytes | None = None,
    head: Mapping[str, Any] | None = None,
    anchor: Mapping[str, Any] | None = None,
) -> Verdict:
    """Check every line of a trail; the verdict names the first bad line and why. ``anchor``:
    where a trail cut by retention (`sesctl gc`) starts."""
    count, prev, problem = _start(anchor, key)
    if problem:
        return Verdict(False, 0, 1, problem)
    first = count
    for number, line in enumerate(lines, start=1):
        if not line.endswith("\n"):
            return Verdict(False, count - first, number, "an incomplete last line (a write cut short?)")
        try:
            entry = json.loads(line)
        except ValueError:
            return Verdict(False, count - first, number, "not a JSON object (edited?)")
        if not isinstance(entry, dict):
            return Verdict(False, count - first, number, "not a JSON object (edited?)")
        if entry.get("seq") != count:
            return Verdict(
                False,
                count - first,
                number,
                f"sequence number {entry.get('seq')!r} where {count} was expected "
                "(an entry before it was deleted, or entries were inserted or reordered)",
            )
        if entry.get("prev") != prev:
            return Verdict(
                False, count - first, number, "does not chain to the entry before it (inserted, reordered or replaced)"
            )
        if entry.get("hash") != entry_hash(entry):
            return Verdict(False, count - first, number, "its content does not match its hash (edited)")
        if key is not None:
            signature = entry.get("hmac")
            if not isinstance(signature, str) or not hmac.compare_digest(signature, entry_hmac(entry, key)):
                return Verdict(
                    False,
                    count - first,
                    number,
                    "its HMAC does not match (edited and re-hashed, unsigned, or signed with another key)",
                )
        prev = str(entry["hash"])
        count += 1
    if head is not None:
        problem = _check_head(head, count, prev, key)
        if problem:
            return Verdict(False, count - first, None, problem, signed=key is not None)
    return Verdict(True, count - first, signed=key is not None)


def _check_head(head: Mapping[str, Any], count: int, last_hash: str, key: bytes | None) -> str:
    seq, hash_ = head.get("seq"), head.get("hash")
    if not isinstance(seq, int) or not isinstance(hash_, str):
        return "the head file is malformed"
    if key is not None:
        expected = head_for(seq, hash_, key).hmac or ""
        signature = head.get("hmac")
        if not isinstance(signature, str) or not hmac.compare_digest(signature, expected):
            return "the head file's HMAC does not match (edited, or another key)"
    if seq >= count:
        return f"truncated: the head names entry {seq}, the log ends after entry {count - 1}"
    if seq != count - 1 or hash_ != last_hash:
        return f"the head names entry {seq} but the log's last entry is {count - 1} (appended without the head?)"
    return ""


__all__ = ["GENESIS", "Head", "Verdict", "anchor_for", "canonical", "entry_hash", "entry_hmac", "head_for", "seal", "verify"]
