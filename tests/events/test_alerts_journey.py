"""The README's "see an alert fire", end to end through the real executable against the emulator
over HTTP: an AlertPolicy applied as CloudWatch alarms, mail to the mailbox simulator, its events
consumed, `sesctl alerts check` firing on the policy's thresholds, and the policy pruned."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from test_consume import ENV, SESCTL

from reconciler.testing import local_emulator

TOPIC = "arn:aws:sns:us-east-1:123456789012:ses-events"
MANIFESTS = f"""apiVersion: sesctl/v1
kind: ConfigurationSet
metadata: {{name: marketing}}
spec: {{}}
---
apiVersion: sesctl/v1
kind: EventDestination
metadata: {{name: to-sns}}
spec:
  configurationSet: marketing
  matchingEventTypes: [SEND, DELIVERY, BOUNCE, COMPLAINT, REJECT, RENDERING_FAILURE]
  snsDestination: {{topicArn: "{TOPIC}"}}
"""
POLICY = f"""---
apiVersion: sesctl/v1
kind: AlertPolicy
metadata: {{name: reputation}}
spec:
  snsTopics: ["{TOPIC}"]
  bounceRate: 0.2
  dailyVolume: 100
"""


def _sesctl(root: Path, endpoint: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SESCTL, "--endpoint-url", endpoint, *args],
        capture_output=True, text=True, env=ENV, cwd=root, stdin=subprocess.DEVNULL, timeout=120,
    )  # fmt: skip


def test_an_alert_policy_is_applied_and_fires(tmp_path: Path) -> None:
    root = tmp_path / "project"
    (root / "manifests").mkdir(parents=True)
    (root / "sesctl.yaml").write_text("apiVersion: sesctl/v1\nkind: Project\nstack: demo\nmanifests: manifests\n")
    (root / "manifests" / "mail.yaml").write_text(MANIFESTS + POLICY)
    with local_emulator() as emu:
        emu.admin("verify_identity", identity="example.com")
        sns, sqs, ses = emu.client("sns"), emu.client("sqs"), emu.client("sesv2")
        sns.create_topic(Name="ses-events")
        queue = sqs.create_queue(QueueName="ses-events")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=TOPIC, Protocol="sqs", Endpoint=arn)

        applied = _sesctl(root, emu.endpoint_url, "apply", "--auto-approve")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        alarms = emu.client("cloudwatch").describe_alarms(AlarmNamePrefix="sesctl/reputation/")["MetricAlarms"]
        assert {a["AlarmName"].rsplit("/", 1)[1]: a["Threshold"] for a in alarms} == {
            "bounce-rate": 0.2,
            "complaint-rate": 0.001,
            "daily-volume": 100.0,
            "quota-use": 0.8,
            "rendering-failures": 0.0,
        }
        assert all(a["AlarmActions"] == [TOPIC] for a in alarms)
        again = _sesctl(root, emu.endpoint_url, "plan", "--detailed-exitcode")
        assert again.returncode == 0, again.stdout

        # Two deliveries and two bounces: a 50 % bounce rate, over the policy's 20 %.
        for to in ("success", "success+2", "bounce", "bounce+2"):
            ses.send_email(
                FromEmailAddress="news@example.com",
                Destination={"ToAddresses": [f"{to}@simulator.amazonses.com"]},
                ConfigurationSetName="marketing",
                Content={"Simple": {"Subject": {"Data": "Hi"}, "Body": {"Text": {"Data": "Hello"}}}},
            )
        consumed = _sesctl(root, emu.endpoint_url, "events", "consume", "--queue", "ses-events", "--wait", "1", "--json")
        assert consumed.returncode == 0, consumed.stderr
        assert json.loads(consumed.stdout)["added"] >= 8

        fired = _sesctl(root, emu.endpoint_url, "alerts", "check", "--json")
        assert fired.returncode == 3, fired.stdout + fired.stderr
        alerts = {a["name"]: a for a in json.loads(fired.stdout)["alerts"]}
        assert alerts["bounce_rate"]["fired"] and alerts["bounce_rate"]["threshold"] == 0.2
        assert alerts["bounce_rate"]["policy"] == "reputation" and alerts["bounce_rate"]["value"] == 0.5
        assert not alerts["daily_volume"]["fired"]

        # The policy leaves the manifests: apply --prune deletes its alarms.
        (root / "manifests" / "mail.yaml").write_text(MANIFESTS)
        pruned = _sesctl(root, emu.endpoint_url, "apply", "--auto-approve", "--prune")
        assert pruned.returncode == 0, pruned.stdout + pruned.stderr
        assert emu.client("cloudwatch").describe_alarms(AlarmNamePrefix="sesctl/")["MetricAlarms"] == []
