"""EventDestination against the emulator: naming, ownership via the set, in-place update, sets
compared as sets, and the last BOUNCE/COMPLAINT destination risk."""

from __future__ import annotations

import json
from typing import Any

import pytest

from reconciler.aws.gateway import SesGateway
from reconciler.errors import UsageError
from reconciler.kinds.configuration_set import KIND as SETS
from reconciler.kinds.event_destination import KIND, split_name
from reconciler.kinds.risks import world_risks
from reconciler.kinds.specs.configuration_set import ConfigurationSetSpec
from reconciler.kinds.specs.event_destination import EventDestinationSpec

STACK = "test-stack"
TOPIC = "arn:aws:sns:us-east-1:123456789012:ses-events"


def spec(**yaml: Any) -> EventDestinationSpec:
    return EventDestinationSpec.model_validate({"configurationSet": "mkt", **yaml})


SNS = {"matchingEventTypes": ["COMPLAINT", "BOUNCE", "DELIVERY"], "snsDestination": {"topicArn": TOPIC}}
CLOUDWATCH = {
    "enabled": False,
    "matchingEventTypes": ["OPEN", "CLICK"],
    "cloudWatchDestination": {
        "dimensionConfigurations": [
            {
                "dimensionName": "z-campaign",
                "dimensionValueSource": "MESSAGE_TAG",
                "defaultDimensionValue": "none",
            },
            {"dimensionName": "a-link", "dimensionValueSource": "LINK_TAG", "defaultDimensionValue": "x.y@z"},
        ]
    },
}


def make_set(gateway: SesGateway, name: str = "mkt") -> None:
    SETS.create(
        gateway, name, SETS.normalize_desired(name, ConfigurationSetSpec.model_validate({}), STACK), STACK
    )


def create(gateway: SesGateway, name: str, yaml: dict[str, Any]) -> dict[str, Any]:
    desired = KIND.normalize_desired(name, spec(**yaml), STACK)
    KIND.create(gateway, name, desired, STACK)
    return desired


@pytest.mark.parametrize("yaml", [SNS, CLOUDWATCH], ids=["sns", "cloudwatch"])
def test_round_trip_and_ownership_from_the_set(gateway: SesGateway, yaml: dict[str, Any]) -> None:
    make_set(gateway)
    desired = create(gateway, "mkt/feed", yaml)
    live = KIND.read_live(gateway, ["mkt/feed"])["mkt/feed"]
    assert live.normalized == desired
    assert live.owner == STACK
    assert desired["matching_event_types"] == sorted(yaml["matchingEventTypes"])


def test_update_is_one_in_place_call(gateway: SesGateway) -> None:
    make_set(gateway)
    create(gateway, "mkt/feed", SNS)
    live = KIND.read_live(gateway, ["mkt/feed"])["mkt/feed"]
    target = KIND.normalize_desired(
        "mkt/feed", spec(**{**SNS, "enabled": False, "matchingEventTypes": ["SEND"]}), STACK
    )
    gateway.reset_counters()
    KIND.update(gateway, "mkt/feed", target, live, ["enabled", "matching_event_types"])
    assert dict(gateway.calls) == {"UpdateConfigurationSetEventDestination": 1}
    assert KIND.read_live(gateway, ["mkt/feed"])["mkt/feed"].normalized == target


def test_event_type_order_from_the_cli_is_no_diff_but_disabling_is(gateway: SesGateway, aws_cli: Any) -> None:
    make_set(gateway)
    desired = create(gateway, "mkt/feed", SNS)
    definition = {
        "Enabled": True,
        "MatchingEventTypes": ["DELIVERY", "BOUNCE", "COMPLAINT"],
        "SnsDestination": {"TopicArn": TOPIC},
    }
    aws_cli(
        "update-configuration-set-event-destination",
        "--configuration-set-name",
        "mkt",
        "--event-destination-name",
        "feed",
        "--event-destination",
        json.dumps(definition),
    )
    assert KIND.read_live(gateway, ["mkt/feed"])["mkt/feed"].normalized == desired
    aws_cli(
        "update-configuration-set-event-destination",
        "--configuration-set-name",
        "mkt",
        "--event-destination-name",
        "feed",
        "--event-destination",
        json.dumps({**definition, "Enabled": False}),
    )
    assert KIND.read_live(gateway, ["mkt/feed"])["mkt/feed"].normalized == {**desired, "enabled": False}


def test_reading_by_name_listing_and_missing(gateway: SesGateway, aws_cli: Any) -> None:
    make_set(gateway)
    create(gateway, "mkt/a", SNS)
    create(gateway, "mkt/b", CLOUDWATCH)
    aws_cli("create-configuration-set", "--configuration-set-name", "theirs")
    aws_cli(
        "create-configuration-set-event-destination",
        "--configuration-set-name",
        "theirs",
        "--event-destination-name",
        "x",
        "--event-destination",
        json.dumps({"Enabled": True, "MatchingEventTypes": ["SEND"], "SnsDestination": {"TopicArn": TOPIC}}),
    )
    assert KIND.read_live(gateway, ["mkt/b", "mkt/zz", "nosuchset/a"]).keys() == {"mkt/b"}
    everything = KIND.read_live(gateway, None)
    assert sorted(everything) == ["mkt/a", "mkt/b", "theirs/x"]
    assert everything["theirs/x"].owner is None
    KIND.delete(gateway, "mkt/a", everything["mkt/a"])
    assert KIND.read_live(gateway, ["mkt/a"]) == {}


def test_names_must_name_their_set() -> None:
    assert split_name("mkt/bounces") == ("mkt", "bounces")
    with pytest.raises(UsageError):
        split_name("bounces")


def test_last_bounce_destination_removed_is_a_high_risk() -> None:
    bounce = KIND.normalize_desired("mkt/a", spec(**SNS), STACK)
    other = KIND.normalize_desired("mkt/b", spec(**CLOUDWATCH), STACK)
    before = {"ConfigurationSet/mkt": {}, "EventDestination/mkt/a": bounce, "EventDestination/mkt/b": other}

    removed = world_risks(before, {k: v for k, v in before.items() if k != "EventDestination/mkt/a"})
    assert (
        sorted(r.code for r in removed["EventDestination/mkt/a"])
        == ["last_bounce_or_complaint_destination_removed"] * 2
    )

    disabled = world_risks(before, {**before, "EventDestination/mkt/a": {**bounce, "enabled": False}})
    assert "EventDestination/mkt/a" in disabled

    # A second destination still covering BOUNCE and COMPLAINT: no risk; the whole set going: none.
    second = {**before, "EventDestination/mkt/c": bounce}
    assert world_risks(second, {k: v for k, v in second.items() if k != "EventDestination/mkt/a"}) == {}
    assert world_risks(before, {}) == {}
