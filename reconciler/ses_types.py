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
