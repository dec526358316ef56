"""Helpers shared by the sending tests (imported as ``sending_support``)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

SENDER = "news@example.com"
TEMPLATE = {
    "Subject": "Welcome {{name}}",
    "Text": "Hi {{name}}, your plan is {{plan}}.",
    "Html": "<p>Hi {{name}}</p>",
}
ALL_EVENTS = [
    "SEND",
    "REJECT",
    "BOUNCE",
    "COMPLAINT",
    "DELIVERY",
    "OPEN",
    "CLICK",
    "RENDERING_FAILURE",
    "DELIVERY_DELAY",
    "SUBSCRIPTION",
]


@dataclass
class EventQueue:
    sqs: Any
    url: str
    topic_arn: str

    def drain(self, expected: int = 0, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Every SES record in the queue (waits until ``expected`` have arrived)."""
        records: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while True:
            answer = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
            messages = answer.get("Messages", [])
            for message in messages:
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
