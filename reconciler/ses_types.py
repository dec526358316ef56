"""SES v2 enumerations that more than one layer needs (the emulator's state, the manifests'
spec models), defined once. Values are SES's own spelling, from botocore's sesv2 model."""

from __future__ import annotations

from typing import Literal, get_args

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
