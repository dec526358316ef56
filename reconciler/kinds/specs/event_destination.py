"""EventDestination: where a configuration set publishes its events.

``metadata.name`` is the destination's name, unique within its configuration set (as in SES);
its address is therefore ``EventDestination/<configurationSet>/<name>``. Exactly one target
block is given. ``matchingEventTypes`` is a set in SES's spelling (``BOUNCE``, ``RENDERING_FAILURE``).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema, model_validator

from reconciler.kinds.specs.base import SesName, SpecModel, _unique, pattern, set_of
from reconciler.ses_types import EVENT_TYPES, EventType

EventTypeSet = Annotated[
    frozenset[EventType],
    BeforeValidator(_unique),
    Field(strict=False, min_length=1),
    WithJsonSchema(set_of(EVENT_TYPES, min_items=1)),
]

Arn = Annotated[
    str,
    pattern(
        r"^arn:[a-z0-9-]+:[a-z0-9-]+:[a-z0-9-]*:[0-9]*:.+$", "an ARN (arn:aws:SERVICE:REGION:ACCOUNT:...)"
    ),
]
DimensionValueSource = Literal["MESSAGE_TAG", "EMAIL_HEADER", "LINK_TAG"]


class CloudWatchDimensionConfiguration(SpecModel):
    dimension_name: Annotated[
        str, pattern(r"^[A-Za-z0-9_:-]{1,256}$", "1-256 letters, digits, '_', '-' or ':'")
    ]
    dimension_value_source: DimensionValueSource
    default_dimension_value: Annotated[
        str, pattern(r"^[A-Za-z0-9_.@-]{1,256}$", "1-256 letters, digits, '_', '-', '.' or '@'")
    ]


class CloudWatchDestination(SpecModel):
    dimension_configurations: list[CloudWatchDimensionConfiguration] = Field(min_length=1)


class SnsDestination(SpecModel):
    topic_arn: Arn


class KinesisFirehoseDestination(SpecModel):
    iam_role_arn: Arn
    delivery_stream_arn: Arn


class EventBridgeDestination(SpecModel):
    event_bus_arn: Arn


class PinpointDestination(SpecModel):
    application_arn: Arn


TARGETS: tuple[str, ...] = (
    "cloudWatchDestination",
    "snsDestination",
    "kinesisFirehoseDestination",
    "eventBridgeDestination",
    "pinpointDestination",
)


class EventDestinationSpec(SpecModel):
    """``kind: EventDestination``."""

    configuration_set: SesName
    enabled: bool = True
    matching_event_types: EventTypeSet
    cloud_watch_destination: CloudWatchDestination | None = None
    sns_destination: SnsDestination | None = None
    kinesis_firehose_destination: KinesisFirehoseDestination | None = None
    event_bridge_destination: EventBridgeDestination | None = None
    pinpoint_destination: PinpointDestination | None = None

    @model_validator(mode="after")
    def _exactly_one_target(self) -> EventDestinationSpec:
        given = [alias for alias in TARGETS if getattr(self, _attr(alias)) is not None]
        if len(given) != 1:
            found = ", ".join(given) if given else "none"
            raise ValueError(f"give exactly one target of {', '.join(TARGETS)} (found: {found})")
        return self

    @property
    def target(self) -> str:
        """The YAML name of the one target block, e.g. ``snsDestination``."""
        return next(alias for alias in TARGETS if getattr(self, _attr(alias)) is not None)


def _attr(alias: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in alias)


__all__ = [
    "EVENT_TYPES",
    "TARGETS",
    "CloudWatchDestination",
    "CloudWatchDimensionConfiguration",
    "EventBridgeDestination",
    "EventDestinationSpec",
    "EventType",
    "KinesisFirehoseDestination",
    "PinpointDestination",
    "SnsDestination",
]
