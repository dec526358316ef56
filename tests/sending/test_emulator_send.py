"""SendEmail / SendBulkEmail in the emulator: SES's validations, statuses and counters."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from sending_support import simple

from reconciler.testing import LocalEmulator


def code_of(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def sent(emulator: LocalEmulator, **filters: Any) -> list[dict[str, Any]]:
    return list(emulator.admin("sent_messages", **filters))


def test_simple_send_is_stored_and_counted(emulator: LocalEmulator, ses: Any, sender: str) -> None:
    mid = ses.send_email(
        FromEmailAddress=f"News <{sender}>",
        Destination={"ToAddresses": ["ada@example.org"], "CcAddresses": ["bob@example.org"]},
        Content=simple("Hi", "Text body"),
        EmailTags=[{"Name": "campaign", "Value": "spring-1"}],
        ReplyToAddresses=["help@example.com"],
    )["MessageId"]
    [message] = sent(emulator, message_id=mid)
    assert {h["name"]: h["value"] for h in message["headers"]}["Reply-To"] == "help@example.com"
    assert message["subject"] == "Hi" and message["text"] == "Text body"
    assert message["to"] == ["ada@example.org"] and message["cc"] == ["bob@example.org"]
    assert message["tags"] == {"campaign": "spring-1"}
    assert message["outcomes"] == {"ada@example.org": "delivered", "bob@example.org": "delivered"}
    assert ses.get_account()["SendQuota"]["SentLast24Hours"] == 2.0


def test_template_by_name_and_arn_and_inline(emulator: LocalEmulator, ses: Any, sender: str) -> None:
    data = json.dumps({"name": "Ada", "plan": "pro"})
    by_name = ses.send_email(
        FromEmailAddress=sender,
        Destination={"ToAddresses": ["ada@example.org"]},
        Content={"Template": {"TemplateName": "welcome", "TemplateData": data}},
    )["MessageId"]
    arn = "arn:aws:ses:us-east-1:123456789012:template/welcome"
    by_arn = ses.send_email(
        FromEmailAddress=sender,
        Destination={"ToAddresses": ["ada@example.org"]},
        Content={"Template": {"TemplateArn": arn, "TemplateData": data}},
    )["MessageId"]
    inline = ses.send_email(
        FromEmailAddress=sender,
        Destination={"ToAddresses": ["ada@example.org"]},
        Content={
            "Template": {"TemplateContent": {"Subject": "Yo {{name}}", "Text": "t"}, "TemplateData": data}
        },
    )["MessageId"]
    subjects = {m["message_id"]: m["subject"] for m in sent(emulator)}
    assert subjects == {by_name: "Welcome Ada", by_arn: "Welcome Ada", inline: "Yo Ada"}
    assert sent(emulator, message_id=by_name)[0]["text"] == "Hi Ada, your plan is pro."


def test_inline_template_refuses_block_helpers(ses: Any, sender: str) -> None:
    with pytest.raises(ClientError) as exc:
        ses.send_email(
            FromEmailAddress=sender,
            Destination={"ToAddresses": ["ada@example.org"]},
            Content={
                "Template": {
                    "TemplateContent": {"Subject": "{{#if vip}}VIP{{/if}}", "Text": "t"},
                    "TemplateData": "{}",
                }
            },
        )
    assert code_of(exc) == "BadRequestException"
    assert exc.value.response["Error"]["Message"] == "Template contains unsupported operations."


@pytest.mark.parametrize(
    ("change", "kwargs", "code"),
    [
        (None, {"FromEmailAddress": "someone@unverified.test"}, "MessageRejected"),
        (None, {"ConfigurationSetName": "nope"}, "NotFoundException"),
        ({"sending_enabled": False}, {}, "SendingPausedException"),
        (
            None,
            {"Destination": {"ToAddresses": [f"u{i}@example.org" for i in range(51)]}},
            "BadRequestException",
        ),
        (None, {"EmailTags": [{"Name": "bad name", "Value": "x"}]}, "BadRequestException"),
        (
            None,
            {
                "Content": {
                    "Simple": {
                        "Subject": {"Data": "s"},
                        "Body": {"Text": {"Data": "b"}},
                        "Headers": [{"Name": f"X-H{i}", "Value": "v"} for i in range(16)],
                    }
                }
            },
            "BadRequestException",
        ),
        (
            None,
            {"Content": {"Template": {"TemplateName": "missing", "TemplateData": "{}"}}},
            "NotFoundException",
        ),
        ({"max_24_hour_send": 1.0, "sent_last_24_hours": 1.0}, {}, "LimitExceededException"),
    ],
)
def test_send_email_refusals(
    emulator: LocalEmulator,
    ses: Any,
    sender: str,
    change: dict[str, Any] | None,
    kwargs: dict[str, Any],
    code: str,
) -> None:
    if change:
        emulator.admin("configure_account", **change)
    request: dict[str, Any] = {
        "FromEmailAddress": sender,
        "Destination": {"ToAddresses": ["ada@example.org"]},
        "Content": simple(),
        **kwargs,
    }
    with pytest.raises(ClientError) as exc:
        ses.send_email(**request)
    assert code_of(exc) == code
    assert sent(emulator) == []


def test_configuration_set_paused(ses: Any, sender: str) -> None:
    ses.create_configuration_set(ConfigurationSetName="paused", SendingOptions={"SendingEnabled": False})
    with pytest.raises(ClientError) as exc:
        ses.send_email(
            FromEmailAddress=sender,
            Destination={"ToAddresses": ["ada@example.org"]},
            Content=simple(),
            ConfigurationSetName="paused",
        )
    assert code_of(exc) == "SendingPausedException"


def test_send_rate_counts_recipients(emulator: LocalEmulator, ses: Any, sender: str) -> None:
    emulator.admin("configure_account", max_send_rate=3.0)
    # The bucket holds one second's worth (3 recipients): a 3-recipient message passes, the
    # next one at once is throttled.
    ses.send_email(
        FromEmailAddress=sender,
        Destination={"ToAddresses": ["a@example.org", "b@example.org", "c@example.org"]},
        Content=simple(),
    )
    with pytest.raises(ClientError) as exc:
        ses.send_email(
            FromEmailAddress=sender, Destination={"ToAddresses": ["d@example.org"]}, Content=simple()
        )
    assert code_of(exc) == "TooManyRequestsException"
    assert exc.value.response["Error"]["Message"] == "Maximum sending rate exceeded."


def test_sandbox_refuses_unverified_recipients_but_not_the_simulator(
    emulator: LocalEmulator, ses: Any, sender: str
) -> None:
    emulator.admin("configure_account", production_access_enabled=False, max_send_rate=100.0)
    with pytest.raises(ClientError) as exc:
        ses.send_email(
            FromEmailAddress=sender, Destination={"ToAddresses": ["ada@example.org"]}, Content=simple()
        )
    assert code_of(exc) == "MessageRejected"
    ses.send_email(
        FromEmailAddress=sender,
        Destination={"ToAddresses": ["success@simulator.amazonses.com"]},
        Content=simple(),
    )
    # Simulator mail does not count against the daily quota.
    assert ses.get_account()["SendQuota"]["SentLast24Hours"] == 0.0


def bulk_entry(address: str, data: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"Destination": {"ToAddresses": [address]}, **extra}
    if data is not None:
        entry["ReplacementEmailContent"] = {
            "ReplacementTemplate": {"ReplacementTemplateData": json.dumps(data)}
        }
    return entry


def test_bulk_merges_data_headers_and_tags(emulator: LocalEmulator, ses: Any, sender: str) -> None:
    results = ses.send_bulk_email(
        FromEmailAddress=sender,
        DefaultContent={
            "Template": {
                "TemplateName": "welcome",
                "TemplateData": json.dumps({"name": "friend", "plan": "free"}),
                "Headers": [{"Name": "X-Campaign", "Value": "default"}],
            }
        },
        DefaultEmailTags=[{"Name": "campaign", "Value": "c1"}, {"Name": "kind", "Value": "k"}],
        BulkEmailEntries=[
            bulk_entry(
                "ada@example.org",
                {"name": "Ada"},
                ReplacementHeaders=[{"Name": "X-Campaign", "Value": "ada"}],
                ReplacementTags=[{"Name": "kind", "Value": "vip"}],
            ),
            bulk_entry("bob@example.org"),
        ],
    )["BulkEmailEntryResults"]
    assert [r["Status"] for r in results] == ["SUCCESS", "SUCCESS"]
    ada, bob = sent(emulator)
    assert ada["subject"] == "Welcome Ada" and ada["text"] == "Hi Ada, your plan is free."
    assert bob["subject"] == "Welcome friend"
    assert {h["name"]: h["value"] for h in ada["headers"]}["X-Campaign"] == "ada"
    assert {h["name"]: h["value"] for h in bob["headers"]}["X-Campaign"] == "default"
    assert ada["tags"] == {"campaign": "c1", "kind": "vip"} and bob["tags"] == {"campaign": "c1", "kind": "k"}


def test_bulk_per_entry_statuses(emulator: LocalEmulator, ses: Any, sender: str) -> None:
    emulator.admin("configure_account", max_send_rate=2.0)
    emulator.admin("configure_sending", transient_failures=1)
    results = ses.send_bulk_email(
        FromEmailAddress=sender,
        DefaultContent={"Template": {"TemplateName": "welcome", "TemplateData": '{"name":"x","plan":"y"}'}},
        BulkEmailEntries=[
            bulk_entry("a@example.org"),  # injected TRANSIENT_FAILURE
            {
                "Destination": {"ToAddresses": ["b@example.org"]},
                "ReplacementEmailContent": {"ReplacementTemplate": {"ReplacementTemplateData": "not json"}},
            },
            bulk_entry("c@example.org"),
            bulk_entry("d@example.org"),
            bulk_entry("e@example.org"),  # over 2 recipients in this second
        ],
    )["BulkEmailEntryResults"]
    assert [r["Status"] for r in results] == [
        "TRANSIENT_FAILURE",
        "INVALID_PARAMETER",
        "SUCCESS",
        "SUCCESS",
        "ACCOUNT_THROTTLED",
    ]
    assert all("MessageId" in r for r in results if r["Status"] == "SUCCESS")
    assert len(sent(emulator)) == 2


def test_bulk_entry_count_and_daily_quota(emulator: LocalEmulator, ses: Any, sender: str) -> None:
    template = {"Template": {"TemplateName": "welcome", "TemplateData": '{"name":"x","plan":"y"}'}}
    with pytest.raises(ClientError) as exc:
        ses.send_bulk_email(
            FromEmailAddress=sender,
            DefaultContent=template,
            BulkEmailEntries=[bulk_entry(f"u{i}@example.org") for i in range(51)],
        )
    assert code_of(exc) == "BadRequestException"
    emulator.admin("configure_account", max_24_hour_send=2.0)
    results = ses.send_bulk_email(
        FromEmailAddress=sender,
        DefaultContent=template,
        BulkEmailEntries=[bulk_entry(f"u{i}@example.org") for i in range(3)],
    )["BulkEmailEntryResults"]
    assert [r["Status"] for r in results] == ["SUCCESS", "SUCCESS", "ACCOUNT_DAILY_QUOTA_EXCEEDED"]
    assert ses.get_account()["SendQuota"]["SentLast24Hours"] == 2.0


def test_suppressed_recipient_counts_but_is_not_delivered(
    emulator: LocalEmulator, ses: Any, sender: str
) -> None:
    ses.put_suppressed_destination(EmailAddress="gone@example.org", Reason="BOUNCE")
    ses.send_email(
        FromEmailAddress=sender, Destination={"ToAddresses": ["gone@example.org"]}, Content=simple()
    )
    [message] = sent(emulator)
    assert message["outcomes"] == {"gone@example.org": "suppressed"}
    assert ses.get_account()["SendQuota"]["SentLast24Hours"] == 1.0
    # A configuration set whose SuppressionOptions list no reason overrides the account's.
    ses.create_configuration_set(ConfigurationSetName="nosupp", SuppressionOptions={"SuppressedReasons": []})
    ses.send_email(
        FromEmailAddress=sender,
        Destination={"ToAddresses": ["gone@example.org"]},
        Content=simple(),
        ConfigurationSetName="nosupp",
    )
    assert sent(emulator)[-1]["outcomes"] == {"gone@example.org": "delivered"}
    # A COMPLAINT entry does not apply when the account suppresses only BOUNCE.
    ses.put_suppressed_destination(EmailAddress="angry@example.org", Reason="COMPLAINT")
    ses.put_account_suppression_attributes(SuppressedReasons=["BOUNCE"])
    ses.send_email(
        FromEmailAddress=sender, Destination={"ToAddresses": ["angry@example.org"]}, Content=simple()
    )
    assert sent(emulator)[-1]["outcomes"] == {"angry@example.org": "delivered"}


def test_raw_message(emulator: LocalEmulator, ses: Any, sender: str) -> None:
    raw = (
        f"From: {sender}\r\nTo: ada@example.org\r\nSubject: Raw hello\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nRaw body\r\n"
    ).encode()
    ses.send_email(Content={"Raw": {"Data": raw}})
    [message] = sent(emulator)
    assert message["subject"] == "Raw hello" and message["to"] == ["ada@example.org"]
    assert message["text"].strip() == "Raw body"


def test_sent_last_24_hours_ages_out_in_get_account(emulator: LocalEmulator, ses: Any, sender: str) -> None:
    ses.send_email(FromEmailAddress=sender, Destination={"ToAddresses": ["a@example.org"]}, Content=simple())
    assert ses.get_account()["SendQuota"]["SentLast24Hours"] == 1.0
    # A day later, with no send in between, GetAccount alone must show the window emptied.
    later = datetime.now(UTC) + timedelta(hours=24, minutes=1)
    emulator.set_clock(lambda: later)
    try:
        assert ses.get_account()["SendQuota"]["SentLast24Hours"] == 0.0
    finally:
        emulator.set_clock(None)
