"""Deterministic Easy DKIM (DEED): a domain identity whose DKIM is replicated from the same
domain's identity in another region (its parent).

CreateEmailIdentity with ``DkimSigningAttributes.DomainSigningAttributesOrigin`` set to
``AWS_SES_<PARENT REGION>`` (e.g. ``AWS_SES_EU_WEST_1``) makes a replica. What SES documents
(developer guide, "Using Deterministic Easy DKIM"; the model's DkimSigningAttributes) and the
emulator follows:

- the parent is "a verified identity configured with Easy DKIM" of the same domain in the
  named region, which is not the replica's own region;
- the replica shares the parent's DKIM tokens (the same CNAMEs serve both regions), so it is
  verified when the parent's records are found: its DKIM and verification status follow the
  parent's (read from the parent at every read);
- BYODKIM members cannot be given with a replica origin, and
  PutEmailIdentityDkimSigningAttributes takes only AWS_SES or EXTERNAL (a replica leaves DEED
  by switching to one of them).

The emulator's choices where SES is silent: a missing parent answers NotFoundException, a
parent that is unverified, an address, BYODKIM or itself a replica BadRequestException; a
replica whose parent was deleted keeps the tokens and status it last read.
"""

from __future__ import annotations

from typing import Any

from reconciler.emulator.errors import BadRequestException, NotFoundException
from reconciler.emulator.registry import OperationContext
from reconciler.emulator.state import DkimAttributes, EmailIdentity
from reconciler.ses_types import is_replica_origin, parent_region

EASY_DKIM = "AWS_SES"
BYODKIM = "EXTERNAL"


def _parent(ctx: OperationContext, name: str, origin: str) -> EmailIdentity:
    region = parent_region(origin)
    if region == ctx.region:
        raise BadRequestException(
            f"DomainSigningAttributesOrigin {origin} names this region ({region}): a replica's parent "
            "identity is in another region."
        )
    state = ctx.region_state(region)
    parent = state.identities.get(name.lower()) if state is not None else None
    if parent is None:
        raise NotFoundException(
            f"Parent identity {name} does not exist in {region}: create and verify it there with Easy DKIM first."
        )
    if parent.dkim.SigningAttributesOrigin != EASY_DKIM or parent.verification_status != "SUCCESS":
        raise BadRequestException(
            f"Parent identity {name} in {region} must be verified and use Easy DKIM (AWS_SES) to be replicated; "
            f"it is {parent.verification_status} with {parent.dkim.SigningAttributesOrigin}."
        )
    return parent


def replicate(ctx: OperationContext, name: str, origin: str, signing: dict[str, Any]) -> DkimAttributes:
    """The replica's DKIM attributes, copied from its parent (which must qualify)."""
    if signing.get("DomainSigningPrivateKey") is not None or signing.get("DomainSigningSelector") is not None:
        raise BadRequestException(
            f"DomainSigningAttributesOrigin {origin} replicates Easy DKIM: leave out DomainSigningSelector "
            "and DomainSigningPrivateKey."
        )
    parent = _parent(ctx, name, origin)
    return parent.dkim.model_copy(update={"SigningAttributesOrigin": origin, "SigningEnabled": True})


def follow_parent(ctx: OperationContext, identity: EmailIdentity) -> None:
    """Bring a replica's tokens and statuses up to its parent's (DNS is shared)."""
    origin = identity.dkim.SigningAttributesOrigin
    if not is_replica_origin(origin):
        return
    state = ctx.region_state(parent_region(str(origin)))
    parent = state.identities.get(identity.name.lower()) if state is not None else None
    if parent is None:
        return
    identity.dkim.Tokens = list(parent.dkim.Tokens or [])
    identity.dkim.Status = parent.dkim.Status
    if identity.verification_status != parent.verification_status:
        identity.verification_status = parent.verification_status
        identity.last_checked = ctx.now()
        if parent.verification_status == "SUCCESS":
            identity.last_success = identity.last_checked


def check_put_origin(origin: str) -> None:
    """PutEmailIdentityDkimSigningAttributes: the replica origins are CreateEmailIdentity's only."""
    if origin not in (EASY_DKIM, BYODKIM):
        raise BadRequestException(
            f"SigningAttributesOrigin {origin} is not allowed here: use AWS_SES or EXTERNAL "
            "(a DEED replica is made by CreateEmailIdentity)."
        )
