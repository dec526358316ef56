"""Configuration-set event destinations through boto3 over HTTP."""

from __future__ import annotations

import ops_support
import pytest
from ops_support import expect_error

module_emulator, emulator, ses = ops_support.module_emulator, ops_support.emulator, ops_support.ses


@pytest.fixture(autouse=True)
def topic(emulator):
    """SES refuses an SNS destination whose topic does not exist."""
    return emulator.client("sns").create_topic(Name="ses-events")["TopicArn"]

SNS = {"SnsDestination": {"TopicArn": "arn:aws:sns:us-east-1:123456789012:ses-events"}}
TARGETS = {
    "sns": SNS,
    "firehose": {
        "KinesisFirehoseDestination": {
            "IamRoleArn": "arn:aws:iam::123456789012:role/ses-firehose",
            "DeliveryStreamArn": "arn:aws:firehose:us-east-1:123456789012:deliverystream/ses",
        }
    },
    "cloudwatch": {
        "CloudWatchDestination": {
            "DimensionConfigurations": [
                {
                    "DimensionName": "ses:configuration-set",
                    "DimensionValueSource": "MESSAGE_TAG",
                    "DefaultDimensionValue": "none",
                }
            ]
        }
    },
    "eventbridge": {
        "EventBridgeDestination": {"EventBusArn": "arn:aws:events:us-east-1:123456789012:event-bus/default"}
    },
    "pinpoint": {
        "PinpointDestination": {
            "ApplicationArn": "arn:aws:mobiletargeting:us-east-1:123456789012:apps/abc123"
        }
    },
}


@pytest.fixture
def config_set(ses):
    ses.create_configuration_set(ConfigurationSetName="events")
    return "events"


def create(ses, name, definition, config_set="events"):
    return ses.create_configuration_set_event_destination(
        ConfigurationSetName=config_set, EventDestinationName=name, EventDestination=definition
    )


@pytest.mark.parametrize("target", TARGETS.values(), ids=TARGETS.keys())
def test_each_target_round_trips(ses, config_set, target):
    definition = {"Enabled": True, "MatchingEventTypes": ["SEND", "BOUNCE"], **target}
    create(ses, "dest", definition)
    got = ses.get_configuration_set_event_destinations(ConfigurationSetName=config_set)["EventDestinations"]
    assert got == [{"Name": "dest", **definition}]


def test_update_and_delete(ses, config_set):
    create(ses, "d", {"Enabled": True, "MatchingEventTypes": ["SEND"], **SNS})
    ses.update_configuration_set_event_destination(
        ConfigurationSetName=config_set,
        EventDestinationName="d",
        EventDestination={
            "Enabled": False,
            "MatchingEventTypes": ["DELIVERY", "OPEN"],
            **TARGETS["eventbridge"],
        },
    )
    (got,) = ses.get_configuration_set_event_destinations(ConfigurationSetName=config_set)[
        "EventDestinations"
    ]
    assert got["Enabled"] is False and got["MatchingEventTypes"] == ["DELIVERY", "OPEN"]
    assert "SnsDestination" not in got and "EventBridgeDestination" in got
    ses.delete_configuration_set_event_destination(ConfigurationSetName=config_set, EventDestinationName="d")
    assert (
        ses.get_configuration_set_event_destinations(ConfigurationSetName=config_set)["EventDestinations"]
        == []
    )


BAD = {
    "no-target": {"MatchingEventTypes": ["SEND"]},
    "two-targets": {"MatchingEventTypes": ["SEND"], **SNS, **TARGETS["eventbridge"]},
    "no-event-types": {"MatchingEventTypes": [], **SNS},
    "missing-event-types": {**SNS},
    "unknown-event-type": {"MatchingEventTypes": ["SENT"], **SNS},
    "custom-bus": {
        "MatchingEventTypes": ["SEND"],
        "EventBridgeDestination": {"EventBusArn": "arn:aws:events:us-east-1:123456789012:event-bus/mine"},
    },
    "not-an-sns-arn": {"MatchingEventTypes": ["SEND"], "SnsDestination": {"TopicArn": "topic"}},
    "dimension-name": {
        "MatchingEventTypes": ["SEND"],
        "CloudWatchDestination": {
            "DimensionConfigurations": [
                {
                    "DimensionName": "bad name",
                    "DimensionValueSource": "MESSAGE_TAG",
                    "DefaultDimensionValue": "x",
                }
            ]
        },
    },
}


@pytest.mark.parametrize("definition", BAD.values(), ids=BAD.keys())
def test_invalid_definitions_are_bad_requests(emulator, config_set, definition):
    raw = emulator.client("sesv2", parameter_validation=False)
    expect_error(lambda: create(raw, "d", definition), "BadRequestException", 400)


def test_names_duplicates_and_limit(ses, config_set):
    ok = {"MatchingEventTypes": ["SEND"], **SNS}
    expect_error(lambda: create(ses, "bad name", ok), "BadRequestException", 400)
    for i in range(10):
        create(ses, f"d{i}", ok)
    expect_error(lambda: create(ses, "d0", ok), "AlreadyExistsException", 400)
    expect_error(lambda: create(ses, "d10", ok), "LimitExceededException", 400)


def test_not_found(ses, config_set):
    ok = {"MatchingEventTypes": ["SEND"], **SNS}
    expect_error(lambda: create(ses, "d", ok, config_set="ghost"), "NotFoundException", 404)
    expect_error(
        lambda: ses.get_configuration_set_event_destinations(ConfigurationSetName="ghost"),
        "NotFoundException",
        404,
    )
    expect_error(
        lambda: ses.update_configuration_set_event_destination(
            ConfigurationSetName=config_set, EventDestinationName="ghost", EventDestination=ok
        ),
        "NotFoundException",
        404,
    )
    expect_error(
        lambda: ses.delete_configuration_set_event_destination(
            ConfigurationSetName=config_set, EventDestinationName="ghost"
        ),
        "NotFoundException",
        404,
    )


def test_destinations_go_with_their_set(ses, config_set):
    create(ses, "d", {"MatchingEventTypes": ["SEND"], **SNS})
    ses.delete_configuration_set(ConfigurationSetName=config_set)
    ses.create_configuration_set(ConfigurationSetName=config_set)
    assert (
        ses.get_configuration_set_event_destinations(ConfigurationSetName=config_set)["EventDestinations"]
        == []
    )
