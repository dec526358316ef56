"""Configuration-set event destinations: Create/Update/Delete and GetConfigurationSetEventDestinations."""

from __future__ import annotations

import re

from reconciler.emulator import events
from reconciler.emulator.errors import BadRequestException
from reconciler.emulator.lookups import find_configuration_set, find_in
from reconciler.emulator.operations.common import check_name, check_new, parse
from reconciler.emulator.registry import OperationContext, Params, Result, operation
from reconciler.emulator.state import TARGET_MEMBERS, ConfigurationSet, EventDestinationDefinition

MAX_DESTINATIONS = 10
ARN = re.compile(r"^arn:aws[a-z-]*:(?P<service>[a-z0-9-]+):[a-z0-9-]*:\d{12}:(?P<resource>.+)$")
# Which service each target's ARN must name (and, for EventBridge, SES's "default bus only").
ARN_RULES = {
    ("SnsDestination", "TopicArn"): ("sns", r"[A-Za-z0-9_-]{1,256}(\.fifo)?"),
    ("KinesisFirehoseDestination", "DeliveryStreamArn"): ("firehose", r"deliverystream/[A-Za-z0-9_.-]{1,64}"),
    ("KinesisFirehoseDestination", "IamRoleArn"): ("iam", r"role/.+"),
    ("EventBridgeDestination", "EventBusArn"): ("events", r"event-bus/default"),
    ("PinpointDestination", "ApplicationArn"): ("mobiletargeting", r"apps/[A-Za-z0-9]+"),
}


def _definition(params: Params) -> EventDestinationDefinition:
    definition = parse(EventDestinationDefinition, params["EventDestination"], "EventDestination")
    targets = [m for m in TARGET_MEMBERS if getattr(definition, m) is not None]
    if len(targets) != 1:
        found = ", ".join(targets) or "none"
        raise BadRequestException(
            f"An event destination needs exactly one of {', '.join(TARGET_MEMBERS)}; found {found}."
        )
    if not definition.MatchingEventTypes:
        raise BadRequestException("MatchingEventTypes must name at least one event type.")
    for (member, field), (service, resource) in ARN_RULES.items():
        target = getattr(definition, member)
        arn = getattr(target, field, None) if target is not None else None
        if arn is None:
            continue
        match = ARN.match(arn)
        if not match or match["service"] != service or not re.fullmatch(resource, match["resource"]):
            hint = " (only the default event bus is supported)" if service == "events" else ""
            raise BadRequestException(f"Invalid {member}.{field} '{arn}'{hint}.")
    if definition.Enabled is None:
        definition.Enabled = False  # SES stores a left-out boolean as false
    # De-duplicate event types, keeping the caller's order.
    definition.MatchingEventTypes = list(dict.fromkeys(definition.MatchingEventTypes))
    return definition


def _destination_of(config_set: ConfigurationSet, name: str) -> EventDestinationDefinition:
    return find_in(
        config_set.event_destinations,
        name,
        f"Event destination {name} does not exist in configuration set {config_set.name}.",
    )


@operation("CreateConfigurationSetEventDestination")
def create_event_destination(ctx: OperationContext, params: Params) -> Result:
    config_set = find_configuration_set(ctx.state, params["ConfigurationSetName"])
    name = check_name(params["EventDestinationName"], "EventDestinationName")
    definition = _definition(params)
    check_new(
        config_set.event_destinations,
        name,
        f"Event destination {name} already exists in configuration set {config_set.name}.",
        MAX_DESTINATIONS,
        "event destinations per configuration set",
    )
    _validate_topic(ctx, definition, None)
    config_set.event_destinations[name] = definition
    return {}


def _validate_topic(
    ctx: OperationContext, new: EventDestinationDefinition, old: EventDestinationDefinition | None
) -> None:
    """SES checks an SNS destination's topic (and publishes its validation message) when the
    destination is created or pointed at another topic."""
    if new.SnsDestination is None:
        return
    arn = new.SnsDestination.TopicArn
    if old is not None and old.SnsDestination is not None and old.SnsDestination.TopicArn == arn:
        return
    events.check_sns_destination(ctx, arn)


@operation("UpdateConfigurationSetEventDestination")
def update_event_destination(ctx: OperationContext, params: Params) -> Result:
    config_set = find_configuration_set(ctx.state, params["ConfigurationSetName"])
    name = params["EventDestinationName"]
    old = _destination_of(config_set, name)
    definition = _definition(params)
    _validate_topic(ctx, definition, old)
    config_set.event_destinations[name] = definition
    return {}


@operation("DeleteConfigurationSetEventDestination")
def delete_event_destination(ctx: OperationContext, params: Params) -> Result:
    config_set = find_configuration_set(ctx.state, params["ConfigurationSetName"])
    name = params["EventDestinationName"]
    _destination_of(config_set, name)
    del config_set.event_destinations[name]
    return {}


@operation("GetConfigurationSetEventDestinations")
def get_event_destinations(ctx: OperationContext, params: Params) -> Result:
    config_set = find_configuration_set(ctx.state, params["ConfigurationSetName"])
    return {
        "EventDestinations": [
            {"Name": name, **definition.out()} for name, definition in config_set.event_destinations.items()
        ]
    }
