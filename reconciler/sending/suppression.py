"""The account suppression list, read once into a set before a run.

One GetSuppressedDestination per recipient would cost a request per address (and SES limits
those calls), so the engine pages through ListSuppressedDestinations once (up to 1,000 entries
a page) and checks each recipient against the set. The trade-offs:

* memory grows with the size of the *suppression list* (not of the recipient file);
* the set is a snapshot: an address suppressed after the snapshot (a bounce during the run)
  is not skipped by the engine. SES still refuses it (a Bounce with bounceSubType
  OnAccountSuppressionList, counted against the quota but never delivered), so the cost of
  staleness is one wasted send, never a mail to a suppressed address. The snapshot is taken
  again at every run and resume.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from reconciler.aws.gateway import SesGateway

REASONS = ("BOUNCE", "COMPLAINT")


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
            addresses.add(str(item["EmailAddress"]).strip().lower())
        token = page.get("NextToken")
        if not token:
            return addresses
