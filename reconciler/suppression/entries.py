"""Reading and changing the account suppression list through the gateway."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reconciler.aws.gateway import SesGateway

REASONS = ("BOUNCE", "COMPLAINT")


@dataclass(frozen=True)
class Entry:
    address: str
    reason: str
    last_update: datetime | None = None


def entries(
    gateway: SesGateway,
    reasons: Sequence[str] = REASONS,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Iterator[Entry]:
    """Every entry for ``reasons``, updated between ``since`` and ``until`` (SES filters)."""
    token: str | None = None
    while True:
        params: dict[str, Any] = {"Reasons": list(reasons), "PageSize": 1000}
        if since is not None:
            params["StartDate"] = since
        if until is not None:
            params["EndDate"] = until
        if token:
            params["NextToken"] = token
        page = gateway.call("ListSuppressedDestinations", **params)
        for item in page.get("SuppressedDestinationSummaries", []):
            yield Entry(str(item["EmailAddress"]), str(item["Reason"]), item.get("LastUpdateTime"))
        token = page.get("NextToken")
        if not token:
            return


def add(gateway: SesGateway, address: str, reason: str) -> None:
    gateway.call("PutSuppressedDestination", EmailAddress=address, Reason=reason)


def remove(gateway: SesGateway, address: str) -> bool:
    """False when the address was not on the list."""
    from reconciler.errors import AwsError

    try:
        gateway.call("DeleteSuppressedDestination", EmailAddress=address)
    except AwsError as exc:
        if exc.code == "NotFoundException":
            return False
        raise
    return True


__all__ = ["REASONS", "Entry", "add", "entries", "remove"]
