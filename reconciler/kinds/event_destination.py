"""EventDestination: one event destination of a configuration set.

Its name is ``<configuration set>/<destination>`` (address ``EventDestination/marketing/bounces``);
SES names allow only ``[A-Za-z0-9_-]``, so the first ``/`` splits it unambiguously. It has no
tags of its own: it is owned when its configuration set is owned.

Normalized: ``{"enabled", "matching_event_types" (sorted), <one target>}`` where the target is
one of ``cloud_watch_destination`` (dimension configurations sorted by name),
``sns_destination``, ``kinesis_firehose_destination``, ``event_bridge_destination``,
``pinpoint_destination``, each in SES's shape with snake_case keys.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from reconciler.errors import UsageError
from reconciler.kinds.base import JsonDict, LiveObject, Risk, live_object
from reconciler.kinds.common import (
    InPlaceKind,
    get_or_none,
    iam,
    owner_of,
    pascal,
    snake,
    spec_dict,
    tag_dict,
)
from reconciler.kinds.configuration_set import KIND as CONFIGURATION_SETS
from reconciler.kinds.plugin import KindPlugin, Parent, Reference
from reconciler.kinds.specs.event_destination import EventDestinationSpec

if TYPE_CHECKING:
    from reconciler.aws.gateway import SesGateway


TARGETS = (
    "cloud_watch_destination",
    "sns_destination",
    "kinesis_firehose_destination",
    "event_bridge_destination",
    "pinpoint_destination",
)


def split_name(name: str) -> tuple[str, str]:
    """``"marketing/bounces"`` -> ``("marketing", "bounces")``."""
    configuration_set, sep, destination = name.partition("/")
    if not sep or not configuration_set or not destination:
        raise UsageError(
            f"Event destination name {name!r} must be <configuration set>/<destination>, e.g. marketing/bounces"
        )
    return configuration_set, destination


def join_name(configuration_set: str, destination: str) -> str:
    return f"{configuration_set}/{destination}"


class EventDestinationKind(InPlaceKind):
    kind: ClassVar[str] = "EventDestination"
    wave: ClassVar[int] = 30
    taggable: ClassVar[bool] = False  # ownership comes from the configuration set's tag
    iam_actions: ClassVar[frozenset[str]] = iam(
        "ListConfigurationSets",
        "GetConfigurationSet",
        "GetConfigurationSetEventDestinations",
        "CreateConfigurationSetEventDestination",
        "UpdateConfigurationSetEventDestination",
        "DeleteConfigurationSetEventDestination",
    )

    def normalize_desired(self, name: str, spec: Any, stack: str) -> JsonDict:
        data = spec_dict(spec)
        data.pop("configuration_set", None)  # part of the name
        return _normalize(data)

    def normalize_live(self, raw: JsonDict) -> JsonDict:
        data = snake({k: v for k, v in raw.items() if k != "Name"})
        return _normalize(data)

    def read_live(self, gateway: SesGateway, names: Sequence[str] | None) -> Mapping[str, LiveObject]:
        wanted: set[str] | None = None
        if names is None:
            sets = [
                str(n) for n in gateway.paginate("ListConfigurationSets", "ConfigurationSets", PageSize=1000)
            ]
        else:
            wanted = set(names)
            sets = sorted({split_name(n)[0] for n in names})
        found: dict[str, LiveObject] = {}
        for objects in gateway.read_many(lambda cs: self._read_set(gateway, cs), sets):
            found.update({n: o for n, o in objects.items() if wanted is None or n in wanted})
        return found

    def _read_set(self, gateway: SesGateway, configuration_set: str) -> dict[str, LiveObject]:
        listing = get_or_none(
            gateway, "GetConfigurationSetEventDestinations", ConfigurationSetName=configuration_set
        )
        if not listing or not listing.get("EventDestinations"):
            return {}
        # The set's tags say who owns its destinations (a cached read, shared with ConfigurationSet).
        parent = get_or_none(
            gateway, "GetConfigurationSet", cached=True, ConfigurationSetName=configuration_set
        )
        owner = owner_of(tag_dict((parent or {}).get("Tags")))
        objects: dict[str, LiveObject] = {}
        for raw in listing["EventDestinations"]:
            name = join_name(configuration_set, str(raw["Name"]))
            objects[name] = live_object(name, self.normalize_live(raw), owner, raw)
        return objects

    def create(self, gateway: SesGateway, name: str, desired: JsonDict, stack: str) -> None:
        _call(gateway, "CreateConfigurationSetEventDestination", name, EventDestination=pascal(desired))

    def update(
        self, gateway: SesGateway, name: str, desired: JsonDict, live: LiveObject, changed: Sequence[str]
    ) -> None:
        # One call for any change: SES replaces the whole definition, target type included.
        _call(gateway, "UpdateConfigurationSetEventDestination", name, EventDestination=pascal(desired))

    def delete(self, gateway: SesGateway, name: str, live: LiveObject) -> None:
        _call(gateway, "DeleteConfigurationSetEventDestination", name)

    def risks(self, name: str, before: JsonDict | None, after: JsonDict | None) -> list[Risk]:
        # Whether a removed BOUNCE/COMPLAINT destination was the last one needs its siblings:
        # see lost_destinations (this plug-in's world risks).
        return []


def _normalize(data: Mapping[str, Any]) -> JsonDict:
    normalized: JsonDict = {
        "enabled": bool(data.get("enabled", False)),
        "matching_event_types": sorted(set(data.get("matching_event_types") or [])),
    }
    for target in TARGETS:
        value = data.get(target)
        if value is None:
            continue
        if target == "cloud_watch_destination":
            dimensions = value.get("dimension_configurations") or []
            value = {
                "dimension_configurations": sorted(dimensions, key=lambda d: str(d.get("dimension_name")))
            }
        normalized[target] = dict(value)
    return normalized


def _call(gateway: SesGateway, operation: str, name: str, **params: Any) -> None:
    configuration_set, destination = split_name(name)
    gateway.call(
        operation, ConfigurationSetName=configuration_set, EventDestinationName=destination, **params
    )


KIND = EventDestinationKind()


WATCHED_EVENTS = ("BOUNCE", "COMPLAINT")


def lost_destinations(
    before: Mapping[str, JsonDict], after: Mapping[str, JsonDict]
) -> list[tuple[str, Risk]]:
    """``last_bounce_or_complaint_destination_removed`` (high): a configuration set that keeps
    existing loses its last enabled event destination for BOUNCE (or COMPLAINT): nobody will
    see bounces any more. Attached to each destination change that caused it."""
    risks: list[tuple[str, Risk]] = []
    for configuration_set in sorted(_configuration_sets(before)):
        set_address = f"{CONFIGURATION_SETS.kind}/{configuration_set}"
        if set_address in before and set_address not in after:
            continue  # the whole set goes: nothing is left to send without a bounce feed
        for event in WATCHED_EVENTS:
            had = _destinations(before, configuration_set, event)
            if had and not _destinations(after, configuration_set, event):
                for address in sorted(had):
                    risks.append(
                        (
                            address,
                            Risk(
                                "last_bounce_or_complaint_destination_removed",
                                "high",
                                f"Configuration set {configuration_set} is left without an enabled event "
                                f"destination for {event} events: {event.lower()}s will go unnoticed.",
                            ),
                        )
                    )
    return risks


def _destinations(world: Mapping[str, JsonDict], configuration_set: str, event: str) -> set[str]:
    prefix = f"{EventDestinationKind.kind}/{configuration_set}/"
    return {
        address
        for address, obj in world.items()
        if address.startswith(prefix)
        and obj.get("enabled")
        and event in (obj.get("matching_event_types") or [])
    }


def _configuration_sets(world: Mapping[str, JsonDict]) -> set[str]:
    sets = {a.split("/", 1)[1] for a in world if a.startswith(f"{CONFIGURATION_SETS.kind}/")}
    mine = f"{EventDestinationKind.kind}/"
    sets |= {a.split("/", 2)[1] for a in world if a.startswith(mine) and a.count("/") >= 2}
    return sets


PLUGIN = KindPlugin(
    kind=KIND,
    spec=EventDestinationSpec,
    import_file="event-destinations.yaml",
    summary="an event destination of a configuration set (address `EventDestination/<set>/<name>`)",
    parent=Parent(spec_field="configuration_set", noun="configuration set"),
    references=(
        Reference(
            kind=CONFIGURATION_SETS.kind,
            field="spec.configurationSet",
            code="E3001",
            noun="configuration set",
            plural="configuration sets",
            in_spec=lambda spec: str(spec.configuration_set),
            in_normalized=lambda name, _: name.split("/", 1)[0] if "/" in name else None,
        ),
    ),
    world_risks=lost_destinations,
)
