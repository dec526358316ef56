"""The account suppression list, read one address at a time (MCP check_suppression, diagnose)."""

from __future__ import annotations

from typing import Any

from reconciler.aws.gateway import SesGateway


def suppression_entry(gateway: SesGateway, address: str) -> dict[str, Any] | None:
    """The account suppression list's entry for ``address`` (Reason, LastUpdateTime), or None."""
    found = gateway.get_or_none("GetSuppressedDestination", EmailAddress=address)
    entry: dict[str, Any] | None = None if found is None else found["SuppressedDestination"]
    return entry
