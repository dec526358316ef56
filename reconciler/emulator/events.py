"""SES event publishing: records in SES's exact format, delivered to a configuration set's
enabled event destinations (SNS, CloudWatch, Firehose, EventBridge) through moto's backends
in this process.

A record is ``{"eventType": ..., "mail": {...}, "<type object>": {...}}`` (see
docs/sending.md). Publishing never fails a send: SES publishes asynchronously and a broken
destination only loses events, so errors are logged and counted (``PUBLISH_ERRORS``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reconciler.emulator import vdm
from reconciler.emulator.errors import BadRequestException
from reconciler.emulator.registry import OperationContext
from reconciler.emulator.sending_state import SentMessage
from reconciler.emulator.simulator import bare_address as bare_address
from reconciler.emulator.state import ConfigurationSet, EventDestinationDefinition

log = logging.getLogger(__name__)

# eventType in the record -> (MatchingEventTypes member, CloudWatch metric, EventBridge detail-type)
EVENT_TYPES: dict[str, tuple[str, str, str]] = {
    "Send": ("SEND", "Send", "Email Sent"),
    "Reject": ("REJECT", "Reject", "Email Rejected"),
    "Bounce": ("BOUNCE", "Bounce", "Email Bounced"),
    "Complaint": ("COMPLAINT", "Complaint", "Email Complaint Received"),
    "Delivery": ("DELIVERY", "Delivery", "Email Delivered"),
    "Open": ("OPEN", "Open", "Email Opened"),
    "Click": ("CLICK", "Click", "Email Clicked"),
    "Rendering Failure": ("RENDERING_FAILURE", "RenderingFailure", "Email Rendering Failed"),
    "DeliveryDelay": ("DELIVERY_DELAY", "DeliveryDelay", "Email Delivery Delayed"),
    "Subscription": ("SUBSCRIPTION", "Subscription", "Email Subscribed"),
}
# eventType -> the member holding its details
DETAIL_MEMBER = {
    "Send": "send",
    "Reject": "reject",
    "Bounce": "bounce",
    "Complaint": "complaint",
    "Delivery": "delivery",
    "Open": "open",
    "Click": "click",
    "Rendering Failure": "failure",
    "DeliveryDelay": "deliveryDelay",
    "Subscription": "subscription",
}

NAMESPACE = "AWS/SES"
SOURCE_IP = "192.0.2.10"  # the caller's address as SES would record it (TEST-NET-1)
OUTGOING_IP = "198.51.100.10"
REPORTING_MTA = "a8-70.smtp-out.amazonses.com"
REMOTE_MTA_IP = "203.0.113.25"
USER_AGENT = "Mozilla/5.0 (sesctl emulator)"

# SES's SNS notifications: the subject of every event record, and the one message SES
# publishes when an SNS destination is created (LocalStack's AWS-recorded
# test_ses_sns_topic_integration_* snapshots).
SNS_SUBJECT = "Amazon SES Email Event Notification"
SNS_VALIDATION_MESSAGE = "Successfully validated SNS topic for Amazon SES event publishing."

TEMPLATED_OPERATIONS = ("SendTemplatedEmail", "SendBulkTemplatedEmail")

# Publishing failures so far, by destination name (tests and `sent_messages` report them).
PUBLISH_ERRORS: list[str] = []


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def domain_of(address: str) -> str:
    return address.rsplit("@", 1)[-1].strip(">").lower()


@dataclass
class EventContext:
    """What every record of one message shares."""

    ctx: OperationContext
    message: SentMessage
    config_set: ConfigurationSet | None
    source_arn: str

    def mail(self, event_type: str = "Send") -> dict[str, Any]:
        msg = self.message
        # SES records a templated message's Send event before rendering it: no Subject (nor
        # Message-ID) header yet, no subject in commonHeaders and no sourceArn (LocalStack's
        # AWS-recorded test_ses_sns_topic_integration_send_templated_email).
        unrendered = event_type == "Send" and msg.operation in TEMPLATED_OPERATIONS
        headers = [dict(h) for h in msg.headers]
        if unrendered:
            headers = [h for h in headers if h.get("name", "").lower() not in ("subject", "message-id")]
        common: dict[str, Any] = {"from": [msg.source], "messageId": msg.message_id}
        if msg.to:
            common["to"] = list(msg.to)
        if msg.cc:
            common["cc"] = list(msg.cc)
        if msg.reply_to:
            common["replyTo"] = list(msg.reply_to)
        if msg.subject is not None and not unrendered:
            common["subject"] = msg.subject
        common["date"] = msg.timestamp.strftime("%a, %d %b %Y %H:%M:%S +0000")
        mail: dict[str, Any] = {
            "timestamp": iso(msg.timestamp),
            "source": msg.source,
            "sourceArn": self.source_arn,
            "sendingAccountId": self.ctx.account_id,
            "messageId": msg.message_id,
            "destination": msg.recipients,
            "headersTruncated": False,
            "headers": headers,
            "commonHeaders": common,
        }
        if unrendered:
            del mail["sourceArn"]
        if self.config_set is not None:
            mail["tags"] = self.tags(event_type)
        return mail

    def tags(self, event_type: str = "Send") -> dict[str, list[str]]:
        assert self.config_set is not None
        tags: dict[str, list[str]] = {
            "ses:operation": [self.message.operation],
            "ses:configuration-set": [self.config_set.name],
            "ses:source-ip": [SOURCE_IP],
            "ses:from-domain": [domain_of(bare_address(self.message.source))],
            "ses:caller-identity": ["sesctl-local"],
        }
        for name, value in self.message.tags.items():
            tags[name] = [value]
        if event_type == "Delivery":  # only once the message has left through an SES address
            tags["ses:outgoing-ip"] = [OUTGOING_IP]
        return tags


def record(event: EventContext, event_type: str, detail: Mapping[str, Any]) -> dict[str, Any]:
    return {"eventType": event_type, "mail": event.mail(event_type), DETAIL_MEMBER[event_type]: dict(detail)}


# ---- the type objects ----------------------------------------------------------------------


def delivery(now: datetime, recipient: str, sent: datetime) -> dict[str, Any]:
    return {
        "timestamp": iso(now),
        "processingTimeMillis": max(0, int((now - sent).total_seconds() * 1000)),
        "recipients": [recipient],
        "smtpResponse": "250 2.6.0 Message received",
        "reportingMTA": REPORTING_MTA,
        "remoteMtaIp": REMOTE_MTA_IP,
    }


SUPPRESSED_DIAGNOSTIC = (
    "Amazon SES has suppressed sending to this address because it has a recent history of bouncing "
    "as an invalid address. For more information about how to remove an address from the suppression "
    "list, see the Amazon SES Developer Guide: "
    "http://docs.aws.amazon.com/ses/latest/DeveloperGuide/remove-from-suppressionlist.html "
)


# bounceType -> the bounceSubTypes SES reports with it (Developer Guide, "Contents of event data")
BOUNCE_SUBTYPES: dict[str, tuple[str, ...]] = {
    "Permanent": ("General", "NoEmail", "Suppressed", "OnAccountSuppressionList"),
    "Transient": ("General", "MailboxFull", "MessageTooLarge", "ContentRejected", "AttachmentRejected"),
    "Undetermined": ("Undetermined",),
}


def bounce(
    now: datetime, recipient: str, sub_type: str, feedback_id: str, bounce_type: str = "Permanent"
) -> dict[str, Any]:
    status = "5.1.1"
    if bounce_type != "Permanent":
        status = "4.2.2" if sub_type == "MailboxFull" else "4.0.0"
        diagnostic = f"smtp; 452 {status} " + ("Mailbox full" if sub_type == "MailboxFull" else "Try again later")
    elif sub_type == "OnAccountSuppressionList":
        diagnostic = "Amazon SES did not send the message to this address because it is on the suppression list for your account."
    elif sub_type == "Suppressed":
        # The global suppression list (and suppressionlist@simulator.amazonses.com): SES's
        # own wording, and SES itself as the reporting MTA.
        diagnostic = SUPPRESSED_DIAGNOSTIC
    else:
        diagnostic = "smtp; 550 5.1.1 user unknown"
    result: dict[str, Any] = {
        "feedbackId": feedback_id,
        "bounceType": bounce_type,
        "bounceSubType": sub_type,
        "bouncedRecipients": [
            {"emailAddress": recipient, "action": "failed", "status": status, "diagnosticCode": diagnostic}
        ],
        "timestamp": iso(now),
    }
    if sub_type == "Suppressed":
        result["reportingMTA"] = "dns; amazonses.com"
    elif sub_type != "OnAccountSuppressionList":
        result["reportingMTA"] = "dns; " + REPORTING_MTA
        result["remoteMtaIp"] = REMOTE_MTA_IP
    return result


def complaint(now: datetime, recipient: str, feedback_id: str, sent: datetime) -> dict[str, Any]:
    return {
        "feedbackId": feedback_id,
        "complaintSubType": None,
        "complainedRecipients": [{"emailAddress": recipient}],
        "timestamp": iso(now),
        "userAgent": "Amazon SES Mailbox Simulator",
        "complaintFeedbackType": "abuse",
        "arrivalDate": iso(sent),
    }


def rendering_failure(template: str, error: str) -> dict[str, Any]:
    return {"templateName": template, "errorMessage": error}


def subscription(
    now: datetime, contact_list: str, old: Mapping[str, Any], new: Mapping[str, Any]
) -> dict[str, Any]:
    return {
        "contactList": contact_list,
        "timestamp": iso(now),
        "source": "UnsubscribeHeader",
        "newTopicPreferences": dict(new),
        "oldTopicPreferences": dict(old),
    }


def opened(now: datetime, ip: str = "192.0.2.1", user_agent: str = USER_AGENT) -> dict[str, Any]:
    return {"ipAddress": ip, "timestamp": iso(now), "userAgent": user_agent}


def clicked(
    now: datetime, link: str, link_tags: Mapping[str, list[str]] | None = None, ip: str = "192.0.2.1"
) -> dict[str, Any]:
    return {
        "ipAddress": ip,
        "timestamp": iso(now),
        "userAgent": USER_AGENT,
        "link": link,
        "linkTags": {k: list(v) for k, v in (link_tags or {}).items()},
    }


def delivery_delay(now: datetime, recipient: str, delay_type: str = "MailboxFull") -> dict[str, Any]:
    return {
        "timestamp": iso(now),
        "delayType": delay_type,
        "expirationTime": iso(now.replace(microsecond=0)),
        "delayedRecipients": [
            {"emailAddress": recipient, "status": "4.2.2", "diagnosticCode": "smtp; 452 4.2.2 Mailbox full"}
        ],
        "reportingMTA": REPORTING_MTA,
    }


# ---- publishing ----------------------------------------------------------------------------


def publish(event: EventContext, event_type: str, detail: Mapping[str, Any]) -> int:
    """Send one record to every enabled destination of the message's configuration set whose
    MatchingEventTypes include ``event_type``; returns how many destinations received it."""
    vdm.observe(event, event_type, detail)  # VDM counts the account's mail, routed anywhere or not
    config_set = event.config_set
    if config_set is None:
        return 0
    matching, _, _ = EVENT_TYPES[event_type]
    body = record(event, event_type, detail)
    delivered = 0
    for name, destination in config_set.event_destinations.items():
        if destination.Enabled is False or matching not in (destination.MatchingEventTypes or []):
            continue
        try:
            _deliver(event, destination, event_type, body)
            delivered += 1
        except Exception as exc:  # a broken destination loses events; the send stands
            message = f"{config_set.name}/{name}: {event_type}: {exc.__class__.__name__}: {exc}"
            PUBLISH_ERRORS.append(message)
            del PUBLISH_ERRORS[:-100]
            log.warning("event publishing failed: %s", message)
    return delivered


def check_sns_destination(ctx: OperationContext, arn: str) -> None:
    """What SES does when an SNS event destination is created or repointed: refuse a topic
    that does not exist, else publish its validation message to the topic."""
    services = ctx.services
    if services is None:
        return
    from moto.sns.exceptions import SNSNotFoundError

    backend = services.moto_backend("sns", _arn_region(arn, ctx.region))
    try:
        backend.get_topic(arn)
    except SNSNotFoundError:
        raise BadRequestException(f"SNS topic <{arn}> not found.") from None
    backend.publish(SNS_VALIDATION_MESSAGE, arn=arn)


def _deliver(
    event: EventContext, destination: EventDestinationDefinition, event_type: str, body: dict[str, Any]
) -> None:
    services = event.ctx.services
    if services is None:
        return
    text = json.dumps(body)
    if destination.SnsDestination is not None:
        arn = destination.SnsDestination.TopicArn
        services.moto_backend("sns", _arn_region(arn, event.ctx.region)).publish(
            text, arn=arn, subject=SNS_SUBJECT
        )
    if destination.KinesisFirehoseDestination is not None:
        arn = destination.KinesisFirehoseDestination.DeliveryStreamArn
        stream = arn.rsplit("/", 1)[-1]
        backend = services.moto_backend("firehose", _arn_region(arn, event.ctx.region))
        backend.put_record(stream, {"Data": (text + "\n").encode()})
    if destination.CloudWatchDestination is not None:
        _, metric, _ = EVENT_TYPES[event_type]
        dimensions = [
            {
                "Name": d.DimensionName,
                "Value": _dimension_value(event, d.DimensionValueSource, d.DimensionName, body)
                or d.DefaultDimensionValue,
            }
            for d in destination.CloudWatchDestination.DimensionConfigurations
        ]
        backend = services.moto_backend("cloudwatch", event.ctx.region)
        backend.put_metric_data(
            NAMESPACE, [{"MetricName": metric, "Value": 1.0, "Unit": "Count", "Dimensions": dimensions}]
        )
    if destination.EventBridgeDestination is not None:
        _, _, detail_type = EVENT_TYPES[event_type]
        arn = destination.EventBridgeDestination.EventBusArn
        backend = services.moto_backend("events", _arn_region(arn, event.ctx.region))
        backend.put_events(
            [
                {
                    "Source": "aws.ses",
                    "DetailType": detail_type,
                    "Detail": text,
                    "EventBusName": arn,
                    "Resources": [event.ctx.arn(f"configuration-set/{event.config_set.name}")]
                    if event.config_set
                    else [],
                }
            ]
        )


def _dimension_value(event: EventContext, source: str, name: str, body: Mapping[str, Any]) -> str | None:
    if source == "MESSAGE_TAG":
        values = body["mail"].get("tags", {}).get(name)
        return values[0] if values else None
    if source == "EMAIL_HEADER":
        for header in event.message.headers:
            if header.get("name", "").lower() == name.lower():
                return header.get("value")
        return None
    if source == "LINK_TAG":
        values = body.get("click", {}).get("linkTags", {}).get(name)
        return values[0] if values else None
    return None


def _arn_region(arn: str, default: str) -> str:
    parts = arn.split(":")
    return parts[3] if len(parts) > 3 and parts[3] else default
