"""Helpers shared by the sending tests (imported as ``sending_support``)."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

from reconciler.emulator.events import SNS_VALIDATION_MESSAGE
from reconciler.emulator.state import EventType
from reconciler.testing import dummy_aws_env

# The real CLI, as a user runs it, against an emulator URL (dummy credentials, no profile).
SESCTL = str(Path(sys.executable).parent / "sesctl")
# `sesctl send` records its sends in the event store: a scratch one, not the checkout's .sesctl/
ENV = dummy_aws_env(SESCTL_EVENTS_STORE=str(Path(tempfile.mkdtemp(prefix="sesctl-test-store-")) / "events.db"))


def sesctl(url: str, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SESCTL, "--endpoint-url", url, *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
        **{"env": ENV, **kwargs},
    )


def send_args(path: Path, *extra: str) -> list[str]:
    return ["send", "--template", "welcome", "--recipients", str(path), "--from", "news@example.com", *extra]


SENDER = "news@example.com"
TEMPLATE = {
    "Subject": "Welcome {{name}}",
    "Text": "Hi {{name}}, your plan is {{plan}}.",
    "Html": "<p>Hi {{name}}</p>",
}
ALL_EVENTS = list(get_args(EventType))  # every MatchingEventTypes value


@dataclass
class EventQueue:
    sqs: Any
    url: str
    topic_arn: str
    validations: int = 0  # SES's validation messages seen (one per destination made on the topic)

    def route(
        self, ses: Any, config_set: str, types: list[str], *, enabled: bool, update: bool = False
    ) -> None:
        """Create (or update) the set's SNS destination "to-sns" to this queue's topic."""
        call = (
            ses.update_configuration_set_event_destination
            if update
            else ses.create_configuration_set_event_destination
        )
        call(
            ConfigurationSetName=config_set,
            EventDestinationName="to-sns",
            EventDestination={
                "Enabled": enabled,
                "MatchingEventTypes": types,
                "SnsDestination": {"TopicArn": self.topic_arn},
            },
        )

    def drain(self, expected: int = 0, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Every SES record in the queue (waits until ``expected`` have arrived)."""
        records: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while True:
            answer = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
            messages = answer.get("Messages", [])
            for message in messages:
                if message["Body"] == SNS_VALIDATION_MESSAGE:  # SES's hello when the destination was made
                    self.validations += 1
                else:
                    records.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
            if not messages and (len(records) >= expected or time.monotonic() > deadline):
                return records


def simple(subject: str = "Hello", text: str = "Body") -> dict[str, Any]:
    return {"Simple": {"Subject": {"Data": subject}, "Body": {"Text": {"Data": text}}}}


def write_csv(path: Any, rows: list[dict[str, str]]) -> Any:
    import csv

    columns = list(dict.fromkeys(k for row in rows for k in row))
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def gateway_for(emulator: Any) -> Any:
    """A SesGateway on the emulator with fast control-plane buckets (tests, not SES's 1/s)."""
    from reconciler.aws.gateway import SesGateway
    from reconciler.aws.ratelimit import RateLimits

    return SesGateway(emulator.client("sesv2"), limits=RateLimits.parse(1000))


def sns_event_queue(emulator: Any, config_set: str, types: list[str] | None = None) -> EventQueue:
    """Create ``config_set`` with an enabled SNS destination "to-sns" for ``types`` (all by
    default) and an SQS queue subscribed to the topic with raw delivery, so each SQS body is
    an SES record. moto delivers SNS -> SQS for real."""
    sns, sqs, ses = emulator.client("sns"), emulator.client("sqs"), emulator.client("sesv2")
    topic = sns.create_topic(Name=f"{config_set}-events")["TopicArn"]
    url = sqs.create_queue(QueueName=f"{config_set}-events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    ses.create_configuration_set(ConfigurationSetName=config_set)
    queue = EventQueue(sqs, url, topic)
    queue.route(ses, config_set, types or ALL_EVENTS, enabled=True)
    return queue
