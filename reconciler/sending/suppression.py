"""The account suppression list, as a run sees it: asked per address for a handful of
recipients, read once into a set for a file.

A file may hold millions of recipients, and one GetSuppressedDestination each would cost a
request per address (SES limits those calls), so for a file the list is paged once
(ListSuppressedDestinations, up to 1,000 entries a page) into a set. A handful of recipients
(an MCP send_email) is asked about one by one instead: paging a suppression list of a million
entries to send one message would cost a thousand requests. The trade-offs:

* the set's memory grows with the size of the *suppression list* (not of the recipient file);
* either way the answer is a snapshot: an address suppressed after it (a bounce during the run)
  is not skipped by the engine. SES still refuses it (a Bounce with bounceSubType
  OnAccountSuppressionList, counted against the quota but never delivered), so the cost of
  staleness is one wasted send, never a mail to a suppressed address. The snapshot is taken
  again at every run and resume.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from reconciler.aws.gateway import SesGateway
from reconciler.errors import AwsError
from reconciler.sending.addresses import normalized

REASONS = ("BOUNCE", "COMPLAINT")
# Up to this many known recipients, ask per address rather than page the whole list.
LOOKUP_LIMIT = 50


class Suppressed:
    """Which addresses the account suppression list holds for the reasons in force."""

    def __init__(self, addresses: set[str]) -> None:
        self._addresses = addresses

    def __contains__(self, address: object) -> bool:
        return isinstance(address, str) and normalized(address) in self._addresses

    def __len__(self) -> int:
        return len(self._addresses)

    def only(self, keep: Callable[[str], bool]) -> Suppressed:
        """The addresses ``keep`` keeps (normalized already)."""
        return Suppressed({address for address in self._addresses if keep(address)})

    @classmethod
    def nothing(cls) -> Suppressed:
        return cls(set())

    @classmethod
    def load(cls, gateway: SesGateway, reasons: Iterable[str], addresses: Sequence[str] | None) -> Suppressed:
        """``addresses`` known and few: asked one by one; otherwise the whole list, paged once."""
        wanted = list(reasons)
        if not wanted:
            return cls.nothing()
        if addresses is not None and len(addresses) <= LOOKUP_LIMIT:
            return cls(lookup_suppressed(gateway, wanted, addresses))
        return cls(load_suppressed(gateway, wanted))


def reasons_in_force(
    gateway: SesGateway, account: dict[str, Any], configuration_set: str | None
) -> list[str]:
    """SES's rule: a configuration set's SuppressionOptions override the account's reasons
    (an empty list there means "suppress nothing")."""
    if configuration_set:
        options = gateway.call("GetConfigurationSet", ConfigurationSetName=configuration_set).get(
            "SuppressionOptions"
        )
        if options is not None and "SuppressedReasons" in options:
            return list(options.get("SuppressedReasons") or [])
    attributes = account.get("SuppressionAttributes") or {}
    return list(attributes.get("SuppressedReasons", REASONS))


def lookup_suppressed(gateway: SesGateway, reasons: Sequence[str], addresses: Iterable[str]) -> set[str]:
    """Of ``addresses``, the lower-cased ones suppressed for any of ``reasons`` (a request each)."""
    found: set[str] = set()
    for address in {normalized(a) for a in addresses}:
        try:
            entry = gateway.call("GetSuppressedDestination", EmailAddress=address)["SuppressedDestination"]
        except AwsError as exc:
            if exc.code in ("NotFoundException", "BadRequestException"):
                continue  # not suppressed, or not an address SES takes (refused per row anyway)
            raise
        if entry.get("Reason") in reasons:
            found.add(address)
    return found


def load_suppressed(gateway: SesGateway, reasons: Iterable[str]) -> set[str]:
    """Lower-cased addresses on the account suppression list for any of ``reasons``."""
    wanted = list(reasons)
    if not wanted:
        return set()
    addresses: set[str] = set()
    token: str | None = None
    while True:
        params: dict[str, Any] = {"Reasons": wanted, "PageSize": 1000}
        if token:
            params["NextToken"] = token
        page = gateway.call("ListSuppressedDestinations", **params)
        for item in page.get("SuppressedDestinationSummaries", []):
            addresses.add(normalized(str(item["EmailAddress"])))
        token = page.get("NextToken")
        if not token:
            return addresses
