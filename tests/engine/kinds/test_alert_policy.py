"""AlertPolicy: the alarms a policy makes, its normalized form, drift and the quota basis."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from reconciler.aws.gateway import SesGateway
from reconciler.engine.diff import diff
from reconciler.kinds.alert_policy import KIND, alarms_for, signature, split_alarm_name
from reconciler.kinds.specs.alert_policy import AlertPolicySpec

STACK = "test-stack"


def _desired(**spec: Any) -> dict[str, Any]:
    return KIND.normalize_desired("p", AlertPolicySpec.model_validate(spec), STACK)


def test_the_defaults_make_four_alarms_and_off_removes_them() -> None:
    alarms = alarms_for("p", {**_desired(), "max_24_hour_send": 200})
    assert sorted(alarms) == ["bounce-rate", "complaint-rate", "quota-use", "rendering-failures"]
    assert [alarms[k]["Threshold"] for k in sorted(alarms)] == [0.05, 0.001, 0.8, 0.0]
    assert alarms["bounce-rate"]["AlarmName"] == "sesctl/p/bounce-rate"
    off = _desired(disabled=["bounceRate", "quotaUse"], dailyVolume=10)
    assert off["bounce_rate"] is None and off["max_24_hour_send"] is None
    assert sorted(alarms_for("p", off)) == ["complaint-rate", "daily-volume", "rendering-failures"]


def test_cost_is_volume_at_ten_cents_per_thousand() -> None:
    alarm = alarms_for("p", _desired(dailyCost=10.0, disabled=["quotaUse"]))["daily-cost"]
    expression = next(m["Expression"] for m in alarm["Metrics"] if "Expression" in m)
    assert expression == "sent * 0.0001" and alarm["Threshold"] == 10.0  # 100,000 sends


def test_bad_specs_are_refused() -> None:
    for spec in (
        {"bounceRate": 5},
        {"disabled": ["renderingFailures"], "renderingFailureConfigurationSets": ["m"]},
        {"snsTopics": ["arn:aws:sqs:us-east-1:123456789012:q"]},
        {"disabled": ["nope"]},
    ):
        with pytest.raises(ValidationError):
            AlertPolicySpec.model_validate(spec)


def test_alarm_names_split_back() -> None:
    assert split_alarm_name("sesctl/p/rendering-failures/marketing") == ("p", "rendering-failures/marketing")
    assert split_alarm_name("other/p/x") is None and split_alarm_name("sesctl/p") is None


def test_an_unlimited_quota_switches_quota_use_off() -> None:
    filled = KIND.fill_unmanaged(_desired(), {"account_max_24_hour_send": 0})
    assert filled["quota_use"] is None and "quotaUse" in filled["disabled"]
    filled = KIND.fill_unmanaged(_desired(), {"account_max_24_hour_send": 5000})
    assert filled["max_24_hour_send"] == 5000


def test_drift_outside_sesctl_is_planned_back(gateway: SesGateway, emulator: Any) -> None:
    desired = _desired(snsTopics=["arn:aws:sns:us-east-1:123456789012:t"], disabled=["quotaUse"])
    KIND.create(gateway, "p", desired, STACK)
    live = KIND.read_live(gateway, ["p"])["p"]
    assert live.owner == STACK and not diff(live.normalized, KIND.fill_unmanaged(desired, live.normalized))
    # Someone lengthens the bounce alarm's period in the console, and adds an alarm under our prefix.
    cloudwatch = emulator.client("cloudwatch")
    changed = dict(alarms_for("p", desired)["bounce-rate"], Period=86400)
    cloudwatch.put_metric_alarm(**changed)
    cloudwatch.put_metric_alarm(**dict(changed, AlarmName="sesctl/p/stray"))
    live = KIND.read_live(gateway, ["p"])["p"]
    assert live.normalized["drifted_alarms"] == ["bounce-rate", "stray"]
    target = KIND.fill_unmanaged(desired, live.normalized)
    assert [c.path for c in diff(live.normalized, target)] == ["drifted_alarms"]
    KIND.update(gateway, "p", target, live, ["drifted_alarms"])
    live = KIND.read_live(gateway, ["p"])["p"]
    assert live.normalized["drifted_alarms"] is None
    assert signature(live.raw["Alarms"]["bounce-rate"]) == signature(alarms_for("p", desired)["bounce-rate"])
    KIND.delete(gateway, "p", live)
    assert KIND.read_live(gateway, None) == {}


def test_a_per_set_alarm_no_destination_feeds_is_a_risk() -> None:
    from reconciler.kinds.risks import world_risks

    policy = _desired(renderingFailureConfigurationSets=["marketing"])
    feeding = {
        "enabled": True,
        "matching_event_types": ["RENDERING_FAILURE"],
        "cloud_watch_destination": {
            "dimension_configurations": [
                {"dimension_name": "ses:configuration-set", "dimension_value_source": "MESSAGE_TAG", "default_dimension_value": "none"}
            ]
        },
    }
    alone = world_risks({}, {"AlertPolicy/p": policy})
    assert [r.code for r in alone["AlertPolicy/p"]] == ["alarm_without_data"]
    fed = world_risks({}, {"AlertPolicy/p": policy, "EventDestination/marketing/cw": feeding})
    assert "AlertPolicy/p" not in fed
    # Another dimension too: the series has both, and the alarm's single dimension matches nothing.
    extra = {"dimension_name": "campaign", "dimension_value_source": "MESSAGE_TAG", "default_dimension_value": "none"}
    dimensions: list[Any] = feeding["cloud_watch_destination"]["dimension_configurations"]  # type: ignore[index]
    two = dict(feeding, cloud_watch_destination={"dimension_configurations": [*dimensions, extra]})
    assert "AlertPolicy/p" in world_risks({}, {"AlertPolicy/p": policy, "EventDestination/marketing/cw": two})
