"""TemplateExperiment end to end: declared in the manifests (validated, never planned), sent
with `sesctl send --experiment` to the emulator's mailbox simulator, its events consumed from
SNS -> SQS into the store, its status read, and its winner promoted into the manifests."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.app.experiments import send_arms
from reconciler.testing import LocalEmulator, dummy_aws_env, local_emulator

SESCTL = str(Path(sys.executable).with_name("sesctl"))
ENV = dummy_aws_env()

PROJECT = """\
apiVersion: sesctl/v1
kind: Project
stack: exp
manifests: manifests
"""
MANIFESTS = """\
apiVersion: sesctl/v1
kind: EmailTemplate
metadata: {name: welcome-a}
spec:
  subject: "Welcome, {{name}}"
  html: "<p>Hi {{name}} <a href='https://example.com/start'>start</a></p>"
  text: "Hi {{name}}"
  defaults: {name: there}
---
apiVersion: sesctl/v1
kind: EmailTemplate
metadata: {name: welcome-b}
spec:
  subject: "{{name}}, you're in"
  html: "<p>{{name}}: <a href='https://example.com/start'>start now</a></p>"
  text: "{{name}}: start now"
  defaults: {name: there}
---
# The subject line test. Comments outside this document survive a promote.
apiVersion: sesctl/v1
kind: TemplateExperiment
metadata: {name: subject-test}
spec:
  variants:
    - {name: A, template: welcome-a, weight: 1}
    - {name: B, template: welcome-b, weight: 1}
  metric: click
  minSamplePerVariant: 10
"""


def run(cwd: Path, *args: str, endpoint: str | None = None) -> subprocess.CompletedProcess[str]:
    root = ["--endpoint-url", endpoint] if endpoint else []
    return subprocess.run(
        [SESCTL, *root, *args], capture_output=True, text=True, env=ENV, cwd=cwd, stdin=subprocess.DEVNULL, timeout=300
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "manifests").mkdir()
    (tmp_path / "sesctl.yaml").write_text(PROJECT)
    (tmp_path / "manifests" / "stack.yaml").write_text(MANIFESTS)
    return tmp_path


def test_the_kind_is_validated_and_never_planned(project: Path) -> None:
    valid = run(project, "validate")
    assert valid.returncode == 0, valid.stdout + valid.stderr
    manifest = project / "manifests" / "stack.yaml"
    manifest.write_text(manifest.read_text().replace("template: welcome-b,", "template: welcome-c,"))
    invalid = run(project, "validate")
    assert invalid.returncode == 1
    assert "E3010" in invalid.stdout + invalid.stderr and "welcome-c" in invalid.stdout + invalid.stderr
    manifest.write_text(MANIFESTS.replace("metric: click", "metric: conversion"))
    assert "conversionLink" in run(project, "validate").stdout + run(project, "validate").stderr
    manifest.write_text(MANIFESTS)
    planned = run(project, "--local", "plan", "--json")
    assert planned.returncode == 0, planned.stderr
    addresses = [c["address"] for c in json.loads(planned.stdout)["changes"]]
    assert sorted(addresses) == ["EmailTemplate/welcome-a", "EmailTemplate/welcome-b"]


@pytest.fixture(scope="module")
def emu() -> Iterator[LocalEmulator]:
    with local_emulator() as emulator:
        sns, sqs, ses = emulator.client("sns"), emulator.client("sqs"), emulator.client("sesv2")
        topic = sns.create_topic(Name="exp-events")["TopicArn"]
        queue = sqs.create_queue(QueueName="exp-events")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
        ses.create_configuration_set(ConfigurationSetName="tracked")
        ses.create_configuration_set_event_destination(
            ConfigurationSetName="tracked",
            EventDestinationName="to-sns",
            EventDestination={
                "Enabled": True,
                "MatchingEventTypes": ["SEND", "DELIVERY", "BOUNCE", "CLICK", "OPEN"],
                "SnsDestination": {"TopicArn": topic},
            },
        )
        emulator.admin("verify_identity", identity="example.com")
        yield emulator


def test_send_consume_and_status_against_the_emulator(emu: LocalEmulator, project: Path) -> None:
    url = emu.endpoint_url
    applied = run(project, "apply", "--auto-approve", endpoint=url)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    recipients = project / "users.csv"
    recipients.write_text("email,name\n" + "".join(f"success+{i}@simulator.amazonses.com,U{i}\n" for i in range(40)))
    sent = run(
        project, "send", "--experiment", "subject-test", "--recipients", str(recipients),
        "--from", "news@example.com", "--configuration-set", "tracked", "--yes", "--json", endpoint=url,
    )
    assert sent.returncode == 0, sent.stdout + sent.stderr
    store = project / "events.db"
    consumed = run(project, "events", "consume", "--queue", "exp-events", "--store", str(store), endpoint=url)
    assert consumed.returncode == 0, consumed.stdout + consumed.stderr
    status = run(project, "experiment", "status", "subject-test", "--store", str(store), "--json")
    assert status.returncode == 0, status.stderr
    payload = json.loads(status.stdout)
    counts = {v["name"]: v for v in payload["variants"]}
    assert counts["A"]["sends"] + counts["B"]["sends"] == 40
    assert counts["A"]["deliveries"] + counts["B"]["deliveries"] == 40
    assert min(counts["A"]["deliveries"], counts["B"]["deliveries"]) >= 10  # a hash split of 40, about even
    assert payload["verdict"]["state"] == "no_significant_difference"  # nobody clicked on the simulator
    text = run(project, "experiment", "status", "subject-test", "--store", str(store))
    assert "Verdict: No significant difference" in text.stdout


def _events(variant: str, deliveries: int, clicks: int) -> list[str]:
    lines = []
    for i in range(deliveries):
        mail = {
            "timestamp": "2026-12-01T10:00:00.000Z",
            "messageId": f"{variant}-{i}",
            "source": "news@example.com",
            "destination": [f"u{variant}{i}@example.org"],
            "tags": {"sesctl-experiment": ["subject-test"], "sesctl-variant": [variant]},
        }
        lines.append(json.dumps({"eventType": "Delivery", "mail": mail, "delivery": {
            "timestamp": "2026-12-01T10:00:01.000Z", "recipients": mail["destination"], "smtpResponse": "250 ok"}}))
        if i < clicks:
            for repeat in range(2):  # clicked twice: still one converted message
                lines.append(json.dumps({"eventType": "Click", "mail": mail, "click": {
                    "timestamp": f"2026-12-01T10:0{repeat + 1}:00.000Z", "ipAddress": "192.0.2.1",
                    "userAgent": "UA", "link": "https://example.com/start", "linkTags": {}}}))
    return lines


def test_a_winner_is_called_and_promoted(project: Path) -> None:
    events = project / "events.ndjson"
    events.write_text("\n".join(_events("A", 1000, 100) + _events("B", 1000, 160)) + "\n")
    store = project / "events.db"
    consumed = run(project, "events", "consume", str(events), "--store", str(store))
    assert consumed.returncode == 0, consumed.stdout + consumed.stderr
    status = json.loads(run(project, "experiment", "status", "subject-test", "--store", str(store), "--json").stdout)
    assert {v["name"]: (v["deliveries"], v["clicks"]) for v in status["variants"]} == {"A": (1000, 100), "B": (1000, 160)}
    verdict = status["verdict"]
    assert verdict["state"] == "winner" and verdict["winner"] == "B" and verdict["p_value"] < 0.001
    promoted = run(project, "experiment", "promote", "subject-test", "--store", str(store))
    assert promoted.returncode == 0, promoted.stderr
    text = (project / "manifests" / "stack.yaml").read_text()
    assert 'winner: "B"' in text and "Comments outside this document survive" in text
    assert run(project, "validate").returncode == 0
    chosen = send_arms(project, None, "subject-test")
    assert [v.name for v in chosen.variants] == ["B"] and chosen.tags == {"sesctl-experiment": "subject-test"}


def test_promote_without_a_winner_is_refused(project: Path) -> None:
    events = project / "events.ndjson"
    events.write_text("\n".join(_events("A", 50, 5) + _events("B", 50, 6)) + "\n")
    store = project / "events.db"
    assert run(project, "events", "consume", str(events), "--store", str(store)).returncode == 0
    refused = run(project, "experiment", "promote", "subject-test", "--store", str(store))
    assert refused.returncode == 1 and "no winner to promote" in refused.stderr
    assert "winner:" not in (project / "manifests" / "stack.yaml").read_text()
    forced = run(project, "experiment", "promote", "subject-test", "--store", str(store), "--winner", "A")
    assert forced.returncode == 0


def test_a_holdout_is_sent_nothing_and_listed(project: Path) -> None:
    """spec.holdout: that share of recipients gets no message, the same ones on every run, and
    `sesctl experiment holdout` lists them by row (addresses only on request)."""
    manifest = project / "manifests" / "stack.yaml"
    manifest.write_text(MANIFESTS.replace("  minSamplePerVariant: 10", "  minSamplePerVariant: 10\n  holdout: 20"))
    recipients = project / "users.csv"
    recipients.write_text("email,name\n" + "".join(f"user{i}@example.org,U{i}\n" for i in range(1000)))
    assert run(project, "--local", "apply", "--auto-approve").returncode == 0
    args = ("send", "--experiment", "subject-test", "--recipients", str(recipients), "--from", "news@example.com")
    dry = run(project, "--local", *args, "--dry-run", "--json")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    report = json.loads(dry.stdout)
    report = report.get("report", report)
    held = report["held_out"]
    assert 140 <= held <= 260  # 20% of 1,000 by a hash of each address
    assert report["sent"] + held == 1000
    listed = run(project, "experiment", "holdout", "subject-test", "--recipients", str(recipients))
    assert listed.returncode == 0, listed.stderr
    rows = listed.stdout.splitlines()[1:]
    assert len(rows) == held and "@" not in listed.stdout  # rows and lines only, no addresses
    again = run(project, "experiment", "holdout", "subject-test", "--recipients", str(recipients))
    assert again.stdout == listed.stdout  # deterministic
    (project / "none.ndjson").write_text("")
    store = str(project / "events.db")
    assert run(project, "events", "consume", str(project / "none.ndjson"), "--store", store).returncode == 0
    status = run(project, "experiment", "status", "subject-test", "--store", store)
    assert "Holdout: 20% of recipients are sent nothing" in status.stdout


def test_the_holdout_is_independent_of_the_variant_split() -> None:
    from reconciler.sending.variants import Variant, assign, held_out

    arms = (Variant("A", "a", 1), Variant("B", "b", 1))
    addresses = [f"person{i}@example.net" for i in range(4000)]
    kept = [a for a in addresses if held_out(a, 10)]
    assert 320 <= len(kept) <= 480
    # Held-out recipients come evenly from both variants (a hash of their own).
    share_a = sum(assign(a, arms).name == "A" for a in kept) / len(kept)
    assert 0.4 <= share_a <= 0.6
    assert not any(held_out(a, 0) for a in addresses)
    assert held_out("Person1@Example.NET", 10) == held_out("person1@example.net", 10)
