"""AlertPolicy: its CloudWatch alarms created, changed and pruned by plan/apply against the
emulator over HTTP (CloudWatch is moto's, on the emulator's endpoint), imported back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lifecycle_support import Lifecycle, run_lifecycle

TOPIC = "arn:aws:sns:us-east-1:123456789012:ses-alerts"


def _policy(spec: str) -> str:
    return f"apiVersion: sesctl/v1\nkind: AlertPolicy\nmetadata: {{name: reputation}}\nspec:\n{spec}---\n"


CREATE = _policy(f"  snsTopics: [{TOPIC}]\n  dailyCost: 5\n  tags: {{team: mail}}\n")
# The bounce threshold changes (PutMetricAlarm), the cost alarm goes (DeleteAlarms), a
# per-set rendering alarm comes, OK notifications stop, and a tag changes.
UPDATE = _policy(
    f"  snsTopics: [{TOPIC}]\n  notifyOnOk: false\n  bounceRate: 0.03\n"
    "  renderingFailureConfigurationSets: [marketing]\n  tags: {team: deliverability}\n"
)


def _alarms(emulator: Any) -> dict[str, dict[str, Any]]:
    answer = emulator.client("cloudwatch").describe_alarms(AlarmNamePrefix="sesctl/")
    return {a["AlarmName"]: a for a in answer["MetricAlarms"]}


def _tags(emulator: Any, arn: str) -> dict[str, str]:
    tags = emulator.client("cloudwatch").list_tags_for_resource(ResourceARN=arn)["Tags"]
    return {t["Key"]: t["Value"] for t in tags}


def _created(emulator: Any) -> None:
    alarms = _alarms(emulator)
    assert sorted(alarms) == [
        "sesctl/reputation/bounce-rate",
        "sesctl/reputation/complaint-rate",
        "sesctl/reputation/daily-cost",
        "sesctl/reputation/quota-use",
        "sesctl/reputation/rendering-failures",
    ]
    bounce = alarms["sesctl/reputation/bounce-rate"]
    assert (bounce["MetricName"], bounce["Namespace"], bounce["Threshold"]) == ("Reputation.BounceRate", "AWS/SES", 0.05)
    assert bounce["AlarmActions"] == bounce["OKActions"] == [TOPIC]
    assert alarms["sesctl/reputation/complaint-rate"]["Threshold"] == 0.001
    # The quota is the emulator account's Max24HourSend (50,000), read by the plan.
    expressions = [m.get("Expression") for m in alarms["sesctl/reputation/quota-use"]["Metrics"]]
    assert "sent / 50000" in expressions
    assert alarms["sesctl/reputation/quota-use"]["Threshold"] == 0.8
    assert "sent * 0.0001" in [m.get("Expression") for m in alarms["sesctl/reputation/daily-cost"]["Metrics"]]
    assert _tags(emulator, bounce["AlarmArn"]) == {"team": "mail", "sesctl:stack": "demo"}


def _updated(emulator: Any) -> None:
    alarms = _alarms(emulator)
    assert "sesctl/reputation/daily-cost" not in alarms
    per_set = alarms["sesctl/reputation/rendering-failures/marketing"]
    assert per_set["Dimensions"] == [{"Name": "ses:configuration-set", "Value": "marketing"}]
    bounce = alarms["sesctl/reputation/bounce-rate"]
    assert bounce["Threshold"] == 0.03 and bounce["OKActions"] == []
    for alarm in alarms.values():
        assert _tags(emulator, alarm["AlarmArn"]) == {"team": "deliverability", "sesctl:stack": "demo"}


def _deleted(emulator: Any) -> None:
    assert _alarms(emulator) == {}


def test_lifecycle(tmp_path: Path, emulator: Any) -> None:
    emulator.client("sns").create_topic(Name="ses-alerts")
    run_lifecycle(
        tmp_path,
        emulator,
        Lifecycle(
            address="AlertPolicy/reputation",
            create=CREATE,
            update=UPDATE,
            checks={"create": _created, "update": _updated, "delete": _deleted},
        ),
    )
