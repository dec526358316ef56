"""Read identities from SES for the DNS commands."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from reconciler.dns.records import IdentityDns
from reconciler.errors import UsageError

if TYPE_CHECKING:
    from reconciler.aws.gateway import SesGateway


def read_identities(gateway: SesGateway, names: Sequence[str], region: str) -> list[IdentityDns]:
    """The named identities (all of the account's when ``names`` is empty), as SES reports them."""
    if not names:
        listed = gateway.paginate("ListEmailIdentities", "EmailIdentities")
        names = sorted(str(item["IdentityName"]) for item in listed)
    found = []
    for name in names:
        answer = gateway.get_or_none("GetEmailIdentity", EmailIdentity=name)
        if answer is None:
            raise UsageError(
                f"SES has no identity {name!r} in {region}",
                hint="Declare it as an EmailIdentity and apply it, or check --region/--env.",
            )
        found.append(IdentityDns.from_ses(name, answer, region))
    return found


__all__ = ["read_identities"]
