"""SES v2 enumerations that more than one layer needs (the emulator's state, the manifests'
spec models), defined once. Values are SES's own spelling, from botocore's sesv2 model."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, get_args

# The event types an event destination can match (MatchingEventTypes).
EventType = Literal[
    "SEND",
    "REJECT",
    "BOUNCE",
    "COMPLAINT",
    "DELIVERY",
    "OPEN",
    "CLICK",
    "RENDERING_FAILURE",
    "DELIVERY_DELAY",
    "SUBSCRIPTION",
]
EVENT_TYPES: tuple[str, ...] = get_args(EventType)

# VDM (BatchGetMetricData): its metrics, and the recipient ISPs the emulator reports by domain and
# `sesctl analytics --source vdm --group-by recipient-domain` asks for. SES documents the ISP
# dimension only as "the recipient ISP (e.g. Gmail, Yahoo, etc.)"; mail to any provider not named
# here is counted under "Other" by the emulator, and as the rest of the total by sesctl.
VDM_METRICS: tuple[str, ...] = (
    "SEND",
    "COMPLAINT",
    "PERMANENT_BOUNCE",
    "TRANSIENT_BOUNCE",
    "OPEN",
    "CLICK",
    "DELIVERY",
    "DELIVERY_OPEN",
    "DELIVERY_CLICK",
    "DELIVERY_COMPLAINT",
)
VDM_ISPS: tuple[str, ...] = ("Gmail", "Yahoo", "Microsoft", "Apple", "Comcast", "Other")

# DEED: SES's DkimSigningAttributesOrigin values that replicate a parent region's Easy DKIM
# (botocore's sesv2 enum without AWS_SES and EXTERNAL; tests/emulator/test_ops_deed.py keeps
# the list equal to the model's).
ReplicaOrigin = Literal[
    "AWS_SES_AF_SOUTH_1",
    "AWS_SES_AP_NORTHEAST_1",
    "AWS_SES_AP_NORTHEAST_2",
    "AWS_SES_AP_NORTHEAST_3",
    "AWS_SES_AP_SOUTHEAST_1",
    "AWS_SES_AP_SOUTHEAST_2",
    "AWS_SES_AP_SOUTHEAST_3",
    "AWS_SES_AP_SOUTHEAST_5",
    "AWS_SES_AP_SOUTH_1",
    "AWS_SES_AP_SOUTH_2",
    "AWS_SES_CA_CENTRAL_1",
    "AWS_SES_CA_WEST_1",
    "AWS_SES_EU_CENTRAL_1",
    "AWS_SES_EU_CENTRAL_2",
    "AWS_SES_EU_NORTH_1",
    "AWS_SES_EU_SOUTH_1",
    "AWS_SES_EU_WEST_1",
    "AWS_SES_EU_WEST_2",
    "AWS_SES_EU_WEST_3",
    "AWS_SES_IL_CENTRAL_1",
    "AWS_SES_ME_CENTRAL_1",
    "AWS_SES_ME_SOUTH_1",
    "AWS_SES_SA_EAST_1",
    "AWS_SES_US_EAST_1",
    "AWS_SES_US_EAST_2",
    "AWS_SES_US_WEST_1",
    "AWS_SES_US_WEST_2",
]


def is_replica_origin(origin: object) -> bool:
    """A DEED origin (``AWS_SES_<PARENT REGION>``), not Easy DKIM (AWS_SES) nor BYODKIM (EXTERNAL)."""
    return isinstance(origin, str) and origin.startswith("AWS_SES_")


def parent_region(origin: str) -> str:
    """A DEED origin's parent region: ``AWS_SES_EU_WEST_1`` -> ``eu-west-1``."""
    return origin.removeprefix("AWS_SES_").lower().replace("_", "-")


def signing_origin(dkim_attributes: Mapping[str, Any]) -> str | None:
    """GetEmailIdentity's DkimAttributes.SigningAttributesOrigin, inferred where SES's answer
    leaves it out (identities made before the member existed): BYODKIM's only token is its
    selector, with no key length or hosted zone (SES's, for Easy DKIM's three tokens). None: no
    DKIM set up."""
    given = dkim_attributes.get("SigningAttributesOrigin")
    if isinstance(given, str) and given:
        return given
    tokens = dkim_attributes.get("Tokens") or []
    easy_only = ("NextSigningKeyLength", "CurrentSigningKeyLength", "SigningHostedZone")
    if len(tokens) == 1 and not any(dkim_attributes.get(member) for member in easy_only):
        return "EXTERNAL"
    return "AWS_SES" if tokens else None


# Resource tags (TagResource, Create*'s Tags): ``aws:`` is reserved for AWS in keys and values
# (SES's Tag reference). The reference also lists the characters a tag may hold (letters,
# digits, white space and _ . : / = + -), which nothing shows SES enforcing: not checked.
RESERVED_TAG_PREFIX_AWS = "aws:"


def tag_problem(key: str, value: str) -> str | None:
    """Why SES refuses the tag ``key``=``value`` (lengths aside), or None."""
    for what, text in (("key", key), ("value", value)):
        if text.lower().startswith(RESERVED_TAG_PREFIX_AWS):
            return f"the tag {what} {text!r} starts with the reserved prefix 'aws:'"
    return None
