"""Deterministic A/B assignment: ``--variant A=welcome-a:50 --variant B=welcome-b:50``.

A recipient's variant depends only on a hash of its lower-cased address and on the variant
list, so every run (and every resume) puts an address in the same group. Each message carries
the tag ``sesctl-variant=<name>``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from reconciler.errors import UsageError
from reconciler.sending.addresses import normalized

_SPEC = re.compile(
    r"^(?P<name>[A-Za-z0-9_-]{1,64})=(?P<template>[A-Za-z0-9_-]{1,64})(?::(?P<weight>\d{1,7}))?$"
)


@dataclass(frozen=True)
class Variant:
    name: str
    template: str
    weight: int = 1


def parse_variant(spec: str) -> Variant:
    """``"A=welcome-a:50"`` -> Variant("A", "welcome-a", 50); the weight defaults to 1."""
    m = _SPEC.match(spec.strip())
    if m is None:
        raise UsageError(
            f"Invalid --variant {spec[:200]!r}: expected NAME=TEMPLATE[:WEIGHT], e.g. A=welcome-a:50 "
            "(names: letters, digits, '_' and '-'; weights: whole numbers up to 9,999,999)."
        )
    weight = int(m.group("weight") or 1)
    if weight <= 0:
        raise UsageError(f"Invalid --variant {spec!r}: the weight must be a positive integer.")
    return Variant(m.group("name"), m.group("template"), weight)


def check_variants(variants: Sequence[Variant]) -> None:
    names = [v.name for v in variants]
    if len(set(names)) != len(names):
        raise UsageError(f"Variant names must be unique, got {', '.join(names)}.")


def bucket_of(address: str, modulus: int) -> int:
    digest = hashlib.sha256(b"sesctl-ab\0" + normalized(address).encode()).digest()
    return int.from_bytes(digest[:8], "big") % modulus


def held_out(address: str, percent: float) -> bool:
    """Whether ``address`` is in an experiment's holdout of ``percent`` percent. A hash of its own
    (not the variant bucket), so the holdout takes recipients evenly from every variant and the
    variant of everyone else does not depend on the holdout's size."""
    if percent <= 0:
        return False
    digest = hashlib.sha256(b"sesctl-holdout\0" + normalized(address).encode()).digest()
    return int.from_bytes(digest[:8], "big") % 10_000 < round(percent * 100)


def assign(address: str, variants: Sequence[Variant]) -> Variant:
    """The variant for ``address``: its hash bucket falls in the variant's share of the weights."""
    total = sum(v.weight for v in variants)
    point = bucket_of(address, total)
    for variant in variants:
        if point < variant.weight:
            return variant
        point -= variant.weight
    return variants[-1]  # unreachable: point < total
