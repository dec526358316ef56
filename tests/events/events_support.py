"""Helpers shared by the event tests (imported as ``events_support``): SES-format records as
the emulator publishes them, and the store."""

from __future__ import annotations

import json
from typing import Any

T0 = "2026-11-28T06:40:01.123Z"


def mail(message_id: str, to: str = "ada@example.org", **tags: str) -> dict[str, Any]:
    all_tags = {
        "ses:configuration-set": ["tracked"],
        "ses:from-domain": ["example.com"],
        "ses:source-ip": ["192.0.2.1"],
    }
    all_tags.update({k: [v] for k, v in tags.items()})
    return {
        "timestamp": T0,
        "messageId": message_id,
        "source": "news@example.com",
        "destination": [to],
        "tags": all_tags,
    }


def record(
    kind: str, message_id: str, to: str = "ada@example.org", when: str = T0, **tags: str
) -> dict[str, Any]:
    base = {"eventType": kind, "mail": mail(message_id, to, **tags)}
    if kind == "Send":
        base["send"] = {}
    elif kind == "Delivery":
        base["delivery"] = {"timestamp": when, "recipients": [to], "smtpResponse": "250 ok"}
    elif kind == "Bounce":
        base["bounce"] = {
            "bounceType": "Permanent",
            "bounceSubType": "General",
            "bouncedRecipients": [
                {
                    "emailAddress": to,
                    "status": "5.1.1",
                    "diagnosticCode": f"smtp; 550 5.1.1 <{to}> user unknown",
                }
            ],
            "timestamp": when,
        }
    elif kind == "Complaint":
        base["complaint"] = {
            "complainedRecipients": [{"emailAddress": to}],
            "timestamp": when,
            "complaintFeedbackType": "abuse",
        }
    elif kind == "Open":
        base["open"] = {"timestamp": when, "ipAddress": "192.0.2.1", "userAgent": "UA"}
    elif kind == "Click":
        base["click"] = {
            "timestamp": when,
            "ipAddress": "192.0.2.1",
            "userAgent": "UA",
            "link": "https://example.com/a",
            "linkTags": {"pos": ["top"]},
        }
    elif kind == "Rendering Failure":
        base["failure"] = {"templateName": "welcome", "errorMessage": "Attribute 'plan' is not present"}
    elif kind == "Reject":
        base["reject"] = {"reason": "Bad content"}
    elif kind == "DeliveryDelay":
        base["deliveryDelay"] = {
            "timestamp": when,
            "delayType": "MailboxFull",
            "delayedRecipients": [{"emailAddress": to, "status": "4.2.2", "diagnosticCode": "452 full"}],
        }
    return base


def sns(body: dict[str, Any]) -> dict[str, Any]:
    return {"Type": "Notification", "MessageId": "sns-1", "Message": json.dumps(body)}


def eventbridge(body: dict[str, Any], source: str = "aws.ses") -> dict[str, Any]:
    return {"version": "0", "id": "e-1", "detail-type": "Email Sent", "source": source, "detail": body}


def ndjson(items: list[dict[str, Any]]) -> bytes:
    return b"".join(json.dumps(item).encode() + b"\n" for item in items)
