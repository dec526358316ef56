"""Event publishing: SES-format records through SNS -> SQS, CloudWatch, Firehose -> S3 and
EventBridge, all moto services on the emulator's endpoint."""

from __future__ import annotations

import json
from typing import Any

from sending_support import ALL_EVENTS, EventQueue, simple

from reconciler.testing import LocalEmulator

MAIL_KEYS = {
    "timestamp",
    "messageId",
    "source",
    "sourceArn",
    "sendingAccountId",
    "destination",
    "headersTruncated",
    "headers",
    "commonHeaders",
    "tags",
}


def by_type(records: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        out.setdefault(record["eventType"], []).append(record)
    return out


def test_simulator_bounce_and_complaint_arrive_in_sqs(ses: Any, sender: str, events: EventQueue) -> None:
    bounce_id = ses.send_email(
        FromEmailAddress=sender,
        Destination={"ToAddresses": ["bounce+run1@simulator.amazonses.com"]},
        Content=simple("Bounce me"),
        ConfigurationSetName="tracked",
        EmailTags=[{"Name": "campaign", "Value": "spring"}],
    )["MessageId"]
    complaint_id = ses.send_email(
        FromEmailAddress=sender,
        Destination={"ToAddresses": ["complaint@simulator.amazonses.com"]},
        Content=simple("Complain"),
        ConfigurationSetName="tracked",
    )["MessageId"]
    records = by_type(events.drain(expected=5))
    assert sorted(records) == ["Bounce", "Complaint", "Delivery", "Send"]
    [bounce] = records["Bounce"]
    assert set(bounce) == {"eventType", "mail", "bounce"}
    assert set(bounce["mail"]) == MAIL_KEYS
    mail = bounce["mail"]
    assert mail["messageId"] == bounce_id and mail["source"] == sender
    assert mail["sourceArn"] == "arn:aws:ses:us-east-1:123456789012:identity/example.com"
    assert mail["destination"] == ["bounce+run1@simulator.amazonses.com"]
    assert mail["commonHeaders"]["subject"] == "Bounce me"
    assert mail["tags"]["ses:configuration-set"] == ["tracked"]
    assert mail["tags"]["ses:from-domain"] == ["example.com"]
    assert mail["tags"]["campaign"] == ["spring"]
    assert {"ses:operation", "ses:source-ip", "ses:caller-identity"} <= set(mail["tags"])
    assert mail["tags"]["ses:operation"] == ["SendEmail"]
    # SES names the outgoing IP on Delivery records only.
    assert "ses:outgoing-ip" not in mail["tags"]
    assert records["Delivery"][0]["mail"]["tags"]["ses:outgoing-ip"]
    assert mail["timestamp"].endswith("Z")
    detail = bounce["bounce"]
    assert detail["bounceType"] == "Permanent" and detail["bounceSubType"] == "General"
    assert detail["bouncedRecipients"][0]["emailAddress"] == "bounce+run1@simulator.amazonses.com"
    assert detail["bouncedRecipients"][0]["status"] == "5.1.1"
    [complaint] = records["Complaint"]
    assert complaint["mail"]["messageId"] == complaint_id
    assert complaint["complaint"]["complainedRecipients"] == [
        {"emailAddress": "complaint@simulator.amazonses.com"}
    ]
    assert complaint["complaint"]["complaintFeedbackType"] == "abuse"
    # The bounced simulator address is not added to the suppression list.
    assert ses.list_suppressed_destinations()["SuppressedDestinationSummaries"] == []


def test_rendering_failure_for_a_missing_variable(ses: Any, sender: str, events: EventQueue) -> None:
    mid = ses.send_email(
        FromEmailAddress=sender,
        Destination={"ToAddresses": ["ada@example.org"]},
        Content={"Template": {"TemplateName": "welcome", "TemplateData": json.dumps({"name": "Ada"})}},
        ConfigurationSetName="tracked",
    )["MessageId"]
    assert mid
    [failure] = events.drain(expected=1)
    assert failure["eventType"] == "Rendering Failure"
    assert failure["mail"]["messageId"] == mid
    assert failure["failure"]["templateName"] == "welcome"
    assert "plan" in failure["failure"]["errorMessage"]


def test_suppression_bounce_event(ses: Any, sender: str, events: EventQueue) -> None:
    ses.put_suppressed_destination(EmailAddress="gone@example.org", Reason="COMPLAINT")
    ses.send_email(
        FromEmailAddress=sender,
        Destination={"ToAddresses": ["gone@example.org"]},
        Content=simple(),
        ConfigurationSetName="tracked",
    )
    records = by_type(events.drain(expected=2))
    assert sorted(records) == ["Bounce", "Send"]
    assert records["Bounce"][0]["bounce"]["bounceSubType"] == "OnAccountSuppressionList"


def test_open_click_and_delay_hooks(
    emulator: LocalEmulator, ses: Any, sender: str, events: EventQueue
) -> None:
    mid = ses.send_email(
        FromEmailAddress=sender,
        Destination={"ToAddresses": ["ada@example.org"]},
        Content=simple(),
        ConfigurationSetName="tracked",
    )["MessageId"]
    assert emulator.admin("open", message_id=mid) == 1
    assert (
        emulator.admin("click", message_id=mid, link="https://example.com/a", link_tags={"pos": ["top"]}) == 1
    )
    assert emulator.admin("delivery_delay", message_id=mid) == 1
    records = by_type(events.drain(expected=5))
    assert records["Open"][0]["open"]["ipAddress"]
    assert records["Click"][0]["click"]["link"] == "https://example.com/a"
    assert records["Click"][0]["click"]["linkTags"] == {"pos": ["top"]}
    assert records["DeliveryDelay"][0]["deliveryDelay"]["delayType"] == "MailboxFull"


def test_disabled_destination_and_unmatched_types_publish_nothing(
    ses: Any, sender: str, events: EventQueue
) -> None:
    events.route(ses, "tracked", ["BOUNCE"], enabled=True, update=True)
    ses.send_email(
        FromEmailAddress=sender,
        Destination={"ToAddresses": ["ada@example.org"]},
        Content=simple(),
        ConfigurationSetName="tracked",
    )
    assert events.drain(timeout=0.3) == []
    events.route(ses, "tracked", ["BOUNCE"], enabled=False, update=True)
    ses.send_email(
        FromEmailAddress=sender,
        Destination={"ToAddresses": ["bounce@simulator.amazonses.com"]},
        Content=simple(),
        ConfigurationSetName="tracked",
    )
    assert events.drain(timeout=0.3) == []


def test_cloudwatch_firehose_and_eventbridge(emulator: LocalEmulator, ses: Any, sender: str) -> None:
    s3, firehose, events_client, sqs = (emulator.client(s) for s in ("s3", "firehose", "events", "sqs"))
    s3.create_bucket(Bucket="ses-archive")
    stream_arn = firehose.create_delivery_stream(
        DeliveryStreamName="ses-stream",
        ExtendedS3DestinationConfiguration={
            "RoleARN": "arn:aws:iam::123456789012:role/firehose",
            "BucketARN": "arn:aws:s3:::ses-archive",
        },
    )["DeliveryStreamARN"]
    url = sqs.create_queue(QueueName="bus")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events_client.put_rule(Name="ses", EventPattern=json.dumps({"source": ["aws.ses"]}))
    events_client.put_targets(Rule="ses", Targets=[{"Id": "q", "Arn": queue_arn}])
    ses.create_configuration_set(ConfigurationSetName="metrics")
    destinations = {
        "cw": {
            "CloudWatchDestination": {
                "DimensionConfigurations": [
                    {
                        "DimensionName": "campaign",
                        "DimensionValueSource": "MESSAGE_TAG",
                        "DefaultDimensionValue": "none",
                    },
                    {
                        "DimensionName": "ses:configuration-set",
                        "DimensionValueSource": "MESSAGE_TAG",
                        "DefaultDimensionValue": "x",
                    },
                ]
            }
        },
        "fh": {
            "KinesisFirehoseDestination": {
                "IamRoleArn": "arn:aws:iam::123456789012:role/ses",
                "DeliveryStreamArn": stream_arn,
            }
        },
        "eb": {
            "EventBridgeDestination": {
                "EventBusArn": "arn:aws:events:us-east-1:123456789012:event-bus/default"
            }
        },
    }
    for name, target in destinations.items():
        ses.create_configuration_set_event_destination(
            ConfigurationSetName="metrics",
            EventDestinationName=name,
            EventDestination={"Enabled": True, "MatchingEventTypes": ALL_EVENTS, **target},
        )
    ses.send_email(
        FromEmailAddress=sender,
        Destination={"ToAddresses": ["ada@example.org"]},
        Content=simple(),
        ConfigurationSetName="metrics",
        EmailTags=[{"Name": "campaign", "Value": "spring"}],
    )
    metrics = emulator.client("cloudwatch").list_metrics(Namespace="AWS/SES")["Metrics"]
    seen = {
        (m["MetricName"], tuple(sorted((d["Name"], d["Value"]) for d in m["Dimensions"]))) for m in metrics
    }
    dims = (("campaign", "spring"), ("ses:configuration-set", "metrics"))
    assert ("Send", dims) in seen and ("Delivery", dims) in seen
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="ses-archive").get("Contents", [])]
    lines = [
        json.loads(line)
        for key in keys
        for line in s3.get_object(Bucket="ses-archive", Key=key)["Body"].read().decode().splitlines()
    ]
    assert sorted(r["eventType"] for r in lines) == ["Delivery", "Send"]
    bus = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    kinds = sorted(json.loads(m["Body"])["detail-type"] for m in bus)
    assert kinds == ["Email Delivered", "Email Sent"]
    assert json.loads(bus[0]["Body"])["detail"]["mail"]["tags"]["campaign"] == ["spring"]


def test_virus_is_rejected(ses: Any, sender: str, events: EventQueue) -> None:
    from reconciler.emulator.operations.sending import EICAR

    mid = ses.send_email(
        FromEmailAddress=sender,
        Destination={"ToAddresses": ["ada@example.org"]},
        Content=simple("Attachment", EICAR),
        ConfigurationSetName="tracked",
    )["MessageId"]
    records = by_type(events.drain(expected=2))
    assert sorted(records) == ["Reject", "Send"]
    assert records["Reject"][0]["reject"] == {"reason": "Bad content"}
    assert records["Reject"][0]["mail"]["messageId"] == mid


def test_list_management_headers_opt_out_and_subscription_event(
    emulator: LocalEmulator, ses: Any, sender: str, events: EventQueue
) -> None:
    ses.create_contact_list(
        ContactListName="news",
        Topics=[{"TopicName": "weekly", "DisplayName": "Weekly", "DefaultSubscriptionStatus": "OPT_IN"}],
    )
    ses.create_contact(ContactListName="news", EmailAddress="ada@example.org")
    options = {"ContactListName": "news", "TopicName": "weekly"}

    def send_weekly() -> str:
        return str(
            ses.send_email(
                FromEmailAddress=sender,
                Destination={"ToAddresses": ["ada@example.org"]},
                Content=simple("Weekly"),
                ConfigurationSetName="tracked",
                ListManagementOptions=options,
            )["MessageId"]
        )

    first = send_weekly()
    [message] = emulator.admin("sent_messages", message_id=first)
    headers = {h["name"]: h["value"] for h in message["headers"]}
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert headers["List-Unsubscribe"].startswith("<https://")
    assert message["outcomes"] == {"ada@example.org": "delivered"}
    events.drain(expected=2)
    assert emulator.admin("unsubscribe", message_id=first) == 1
    [subscription] = events.drain(expected=1)
    assert subscription["eventType"] == "Subscription"
    detail = subscription["subscription"]
    assert detail["contactList"] == "news"
    assert detail["newTopicPreferences"]["topicSubscriptionStatus"] == [
        {"topicName": "weekly", "subscriptionStatus": "OptOut"}
    ]
    contact = ses.get_contact(ContactListName="news", EmailAddress="ada@example.org")
    assert contact["TopicPreferences"] == [{"TopicName": "weekly", "SubscriptionStatus": "OPT_OUT"}]
    second = send_weekly()
    assert emulator.admin("sent_messages", message_id=second)[0]["outcomes"] == {
        "ada@example.org": "unsubscribed"
    }
    assert [r["eventType"] for r in events.drain(expected=1)] == ["Send"]
