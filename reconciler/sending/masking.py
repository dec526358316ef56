"""Recipient addresses as they may appear in logs, progress and reports: masked.

mask_email("alice@example.com") -> "a***e@example.com"
"""

from __future__ import annotations


def mask_email(address: str) -> str:
    """Keep the first and last character of the local part and the whole domain (enough to
    tell addresses apart while debugging, not enough to harvest them)."""
    local, at, domain = address.strip().rpartition("@")
    if not at:
        return "***" if len(address) > 2 else "*" * len(address)
    if len(local) <= 2:
        masked = local[:1] + "*"
    else:
        masked = f"{local[0]}***{local[-1]}"
    return f"{masked}@{domain}"
