"""ConfigurationSet against the emulator over HTTP: round trips, in-place updates, tri-state
suppression, drift made with the AWS CLI, delete."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from reconciler.aws.gateway import SesGateway
from reconciler.kinds.configuration_set import KIND
from reconciler.kinds.dedicated_ip_pool import KIND as POOLS
from reconciler.kinds.specs.configuration_set import ConfigurationSetSpec
from reconciler.kinds.specs.dedicated_ip_pool import DedicatedIpPoolSpec

STACK = "test-stack"
ARCHIVE = "arn:aws:ses:us-east-1:123456789012:mailmanager-archive/a-abcdefghijklmnopqrstuvwxyz"


def spec(**yaml: Any) -> ConfigurationSetSpec:
    return ConfigurationSetSpec.model_validate(yaml)


def changed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def create_and_read(gateway: SesGateway, name: str, s: ConfigurationSetSpec) -> tuple[dict[str, Any], Any]:
    desired = KIND.normalize_desired(name, s, STACK)
    KIND.create(gateway, name, desired, STACK)
    return desired, KIND.read_live(gateway, [name])[name]


def test_minimal_set_round_trips_with_ses_defaults(gateway: SesGateway) -> None:
    desired, live = create_and_read(gateway, "plain", spec())
    assert live.normalized == desired
    assert desired["delivery_options"] == {
        "tls_policy": "OPTIONAL",
        "sending_pool_name": None,
        "max_delivery_seconds": 50400,
    }
    assert desired["sending_options"] == {"sending_enabled": True}
    assert desired["suppression_options"] is None
    assert live.owner == STACK
    assert live.fingerprint.startswith("sha256:")


FULL = {
    "deliveryOptions": {"tlsPolicy": "REQUIRE", "sendingPoolName": "warm", "maxDeliverySeconds": 600},
    "reputationOptions": {"reputationMetricsEnabled": True},
    "sendingOptions": {"sendingEnabled": False},
    "trackingOptions": {"customRedirectDomain": "click.example.com", "httpsPolicy": "REQUIRE"},
    "suppressionOptions": {
        "suppressedReasons": ["COMPLAINT", "BOUNCE"],
        "validationOptions": {
            "conditionThreshold": {
                "conditionThresholdEnabled": "ENABLED",
                "overallConfidenceThreshold": {"confidenceVerdictThreshold": "HIGH"},
            }
        },
    },
    "vdmOptions": {"dashboardOptions": {"engagementMetrics": "ENABLED"}},
    "archivingOptions": {"archiveArn": ARCHIVE},
    "tags": {"team": "growth", "emoji": "🚀"},
}


def make_pool(gateway: SesGateway, name: str = "warm") -> None:
    POOLS.create(
        gateway, name, POOLS.normalize_desired(name, DedicatedIpPoolSpec.model_validate({}), STACK), STACK
    )


def test_every_option_group_round_trips(gateway: SesGateway) -> None:
    make_pool(gateway)
    desired, live = create_and_read(gateway, "full", spec(**FULL))
    assert live.normalized == desired
    assert desired["suppression_options"]["suppressed_reasons"] == ["BOUNCE", "COMPLAINT"]
    assert desired["tags"] == {"emoji": "🚀", "team": "growth"}


def test_missing_set_is_absent_and_listing_reads_all(gateway: SesGateway) -> None:
    assert KIND.read_live(gateway, ["nope"]) == {}
    create_and_read(gateway, "a", spec())
    create_and_read(gateway, "b", spec())
    assert sorted(KIND.read_live(gateway, None)) == ["a", "b"]


GROUP_CHANGES: dict[str, dict[str, Any]] = {
    "delivery_options": {"deliveryOptions": {"tlsPolicy": "REQUIRE", "maxDeliverySeconds": 900}},
    "reputation_options": {"reputationOptions": {"reputationMetricsEnabled": True}},
    "sending_options": {"sendingOptions": {"sendingEnabled": False}},
    "tracking_options": {"trackingOptions": {"customRedirectDomain": "t.example.org"}},
    "suppression_options": {"suppressionOptions": {"suppressedReasons": ["BOUNCE"]}},
    "vdm_options": {"vdmOptions": {"guardianOptions": {"optimizedSharedDelivery": "ENABLED"}}},
    "archiving_options": {"archivingOptions": {"archiveArn": ARCHIVE}},
    "tags": {"tags": {"cost-centre": "42"}},
}
PUTS = {
    "delivery_options": "PutConfigurationSetDeliveryOptions",
    "reputation_options": "PutConfigurationSetReputationOptions",
    "sending_options": "PutConfigurationSetSendingOptions",
    "tracking_options": "PutConfigurationSetTrackingOptions",
    "suppression_options": "PutConfigurationSetSuppressionOptions",
    "vdm_options": "PutConfigurationSetVdmOptions",
    "archiving_options": "PutConfigurationSetArchivingOptions",
    "tags": "TagResource",
}


@pytest.mark.parametrize("group", sorted(GROUP_CHANGES))
def test_each_group_updates_in_place_with_one_call_and_back(gateway: SesGateway, group: str) -> None:
    base, live = create_and_read(gateway, "cs", spec())
    target = KIND.normalize_desired("cs", spec(**GROUP_CHANGES[group]), STACK)
    assert changed(live.normalized, target) == [group]

    gateway.reset_counters()
    KIND.update(gateway, "cs", target, live, [group])
    assert dict(gateway.calls) == {PUTS[group]: 1}  # no delete, no create, no other group
    live = KIND.read_live(gateway, ["cs"])["cs"]
    assert live.normalized == target

    # ... and back to SES's defaults (removing an option group is an in-place call too).
    gateway.reset_counters()
    KIND.update(gateway, "cs", base, live, [group])
    assert set(gateway.calls) == {"UntagResource" if group == "tags" else PUTS[group]}
    assert KIND.read_live(gateway, ["cs"])["cs"].normalized == base


SUPPRESSION_STATES: dict[str, dict[str, Any]] = {
    "inherit": {},
    "disabled": {"suppressionOptions": {"suppressedReasons": []}},
    "reasons": {"suppressionOptions": {"suppressedReasons": ["BOUNCE", "COMPLAINT"]}},
}


@pytest.mark.parametrize(("start", "end"), list(itertools.permutations(SUPPRESSION_STATES, 2)))
def test_suppression_tri_state_round_trips_in_all_six_transitions(
    gateway: SesGateway, start: str, end: str
) -> None:
    _, live = create_and_read(gateway, "s", spec(**SUPPRESSION_STATES[start]))
    target = KIND.normalize_desired("s", spec(**SUPPRESSION_STATES[end]), STACK)
    assert changed(live.normalized, target) == ["suppression_options"]
    KIND.update(gateway, "s", target, live, ["suppression_options"])
    after = KIND.read_live(gateway, ["s"])["s"].normalized
    assert after == target
    expected = {"inherit": None, "disabled": [], "reasons": ["BOUNCE", "COMPLAINT"]}[end]
    assert (after["suppression_options"] or {}).get("suppressed_reasons") == expected


def test_drift_made_with_the_aws_cli_shows_as_a_difference(gateway: SesGateway, aws_cli: Any) -> None:
    desired, _ = create_and_read(
        gateway, "drifty", spec(**{"suppressionOptions": {"suppressedReasons": ["BOUNCE"]}})
    )
    aws_cli(
        "put-configuration-set-sending-options", "--configuration-set-name", "drifty", "--no-sending-enabled"
    )
    aws_cli(
        "put-configuration-set-suppression-options",
        "--configuration-set-name",
        "drifty",
        "--suppressed-reasons",
        "COMPLAINT",
    )
    live = KIND.read_live(gateway, ["drifty"])["drifty"]
    assert changed(live.normalized, desired) == ["sending_options", "suppression_options"]
    assert live.normalized["suppression_options"]["suppressed_reasons"] == ["COMPLAINT"]
    # Re-enabling sending is not a risk; disabling it is. Swapping reasons loses one either way.
    assert [r.code for r in KIND.risks("drifty", live.normalized, desired)] == ["suppression_disabled"]
    assert [r.code for r in KIND.risks("drifty", desired, live.normalized)] == [
        "sending_disabled",
        "suppression_disabled",
    ]


def test_risks_for_suppression_turned_off(gateway: SesGateway) -> None:
    inherit = KIND.normalize_desired("r", spec(), STACK)
    off = KIND.normalize_desired("r", spec(**SUPPRESSION_STATES["disabled"]), STACK)
    bounce_only = KIND.normalize_desired(
        "r", spec(**{"suppressionOptions": {"suppressedReasons": ["BOUNCE"]}}), STACK
    )
    assert [(r.code, r.severity) for r in KIND.risks("r", inherit, off)] == [("suppression_disabled", "high")]
    assert [(r.code, r.severity) for r in KIND.risks("r", None, off)] == [("suppression_disabled", "high")]
    assert [(r.code, r.severity) for r in KIND.risks("r", inherit, bounce_only)] == [
        ("suppression_disabled", "medium")
    ]
    assert KIND.risks("r", off, inherit) == []


def test_delete(gateway: SesGateway) -> None:
    _, live = create_and_read(gateway, "gone", spec())
    KIND.delete(gateway, "gone", live)
    assert KIND.read_live(gateway, ["gone"]) == {}


def test_unowned_set_has_no_owner(gateway: SesGateway, aws_cli: Any) -> None:
    aws_cli("create-configuration-set", "--configuration-set-name", "theirs")
    live = KIND.read_live(gateway, None)["theirs"]
    assert live.owner is None
    assert live.normalized == KIND.normalize_desired("theirs", spec(), STACK)
