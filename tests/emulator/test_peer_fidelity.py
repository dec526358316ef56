"""Peer fidelity: what other people recorded or tested against real SES, replayed on the emulator.

Each case names its source: a test in another project that runs against AWS (LocalStack's
``@markers.aws.validated`` tests, whose ``*.snapshot.json`` files are AWS recordings;
terraform-provider-aws acceptance tests), or a page of the SES documentation. The cases are
written here from what those sources show SES answering; no code is copied. Where SES's
behaviour is neither documented nor recorded, the emulator's choice is in docs/emulator.md
("Choices where SES is silent"), tested here or in the test_ops_* modules.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import ops_support
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from ops_support import expect_error

module_emulator, emulator, ses = ops_support.module_emulator, ops_support.emulator, ops_support.ses

SENDER = "sender@example.com"
SIMPLE = {"Simple": {"Subject": {"Data": "Hi"}, "Body": {"Text": {"Data": "Body"}}}}
TOPICS = [
    {"TopicName": "news", "DisplayName": "News", "Description": "d", "DefaultSubscriptionStatus": "OPT_IN"},
    {"TopicName": "offers", "DisplayName": "Offers", "DefaultSubscriptionStatus": "OPT_OUT"},
]


@pytest.fixture
def verified(emulator: Any) -> str:
    emulator.admin("verify_identity", identity="example.com")
    return SENDER


def _queue_on_topic(emulator: Any, name: str, *, raw: bool) -> tuple[str, Any, str]:
    """An SNS topic with an SQS queue subscribed to it: (topic ARN, sqs client, queue URL)."""
    sns, sqs = emulator.client("sns"), emulator.client("sqs")
    topic = sns.create_topic(Name=name)["TopicArn"]
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    attributes = {"RawMessageDelivery": "true"} if raw else {}
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes=attributes)
    return topic, sqs, url


def _drain(sqs: Any, url: str, expected: int) -> list[str]:
    bodies: list[str] = []
    deadline = time.monotonic() + 5
    while len(bodies) < expected and time.monotonic() < deadline:
        for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            bodies.append(message["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


def _sns_destination(ses: Any, topic: str, config_set: str = "tracked") -> None:
    ses.create_configuration_set(ConfigurationSetName=config_set)
    ses.create_configuration_set_event_destination(
        ConfigurationSetName=config_set,
        EventDestinationName="to-sns",
        EventDestination={
            "Enabled": True,
            "MatchingEventTypes": ["SEND", "DELIVERY", "BOUNCE", "REJECT", "RENDERING_FAILURE"],
            "SnsDestination": {"TopicArn": topic},
        },
    )


# ---- contact lists: Update is a complete replacement ---------------------------------------


def test_update_contact_list_replaces_topics_and_description(ses: Any) -> None:
    """Source: API reference UpdateContactList (the request carries the list's whole new
    definition); issue 14. A tool sending only a changed Description loses the topics."""
    ses.create_contact_list(ContactListName="l", Topics=TOPICS, Description="all customers")
    ses.update_contact_list(ContactListName="l", Description="renamed")
    got = ses.get_contact_list(ContactListName="l")
    assert got["Topics"] == [] and got["Description"] == "renamed"
    ses.update_contact_list(ContactListName="l", Topics=TOPICS[:1])
    got = ses.get_contact_list(ContactListName="l")
    assert got["Topics"] == TOPICS[:1] and "Description" not in got


def test_update_contact_without_preferences_removes_them(ses: Any) -> None:
    """Source: API reference UpdateContact: "You must specify all existing topic preferences
    in the TopicPreferences object, not just the ones that need updating; otherwise, all your
    existing preferences will be removed." """
    ses.create_contact_list(ContactListName="l", Topics=TOPICS)
    ses.create_contact(
        ContactListName="l",
        EmailAddress="ada@example.com",
        TopicPreferences=[{"TopicName": "offers", "SubscriptionStatus": "OPT_IN"}],
    )
    ses.update_contact(ContactListName="l", EmailAddress="ada@example.com", UnsubscribeAll=False)
    assert ses.get_contact(ContactListName="l", EmailAddress="ada@example.com")["TopicPreferences"] == []


# ---- custom MAIL FROM pending with REJECT_MESSAGE -----------------------------------------


@pytest.fixture
def pending_mail_from(emulator: Any, ses: Any, verified: str) -> str:
    ses.put_email_identity_mail_from_attributes(
        EmailIdentity="example.com", MailFromDomain="bounce.example.com", BehaviorOnMxFailure="REJECT_MESSAGE"
    )
    return verified


def test_pending_mail_from_rejects_send_email(ses: Any, pending_mail_from: str) -> None:
    """Source: API reference SendEmail, error MailFromDomainNotVerifiedException; Developer
    Guide "Using a custom MAIL FROM domain" (REJECT_MESSAGE: SES returns an error and does not
    send while the MAIL FROM domain is not verified)."""
    expect_error(
        lambda: ses.send_email(
            FromEmailAddress=pending_mail_from, Destination={"ToAddresses": ["a@example.org"]}, Content=SIMPLE
        ),
        "MailFromDomainNotVerifiedException",
        400,
    )


def test_pending_mail_from_rejects_send_bulk_email(ses: Any, pending_mail_from: str) -> None:
    """Source: API reference SendBulkEmail, error MailFromDomainNotVerifiedException."""
    ses.create_email_template(TemplateName="t", TemplateContent={"Subject": "s", "Text": "x"})
    expect_error(
        lambda: ses.send_bulk_email(
            FromEmailAddress=pending_mail_from,
            DefaultContent={"Template": {"TemplateName": "t", "TemplateData": "{}"}},
            BulkEmailEntries=[{"Destination": {"ToAddresses": ["a@example.org"]}}],
        ),
        "MailFromDomainNotVerifiedException",
        400,
    )


def test_pending_mail_from_rejects_custom_verification_email(ses: Any, pending_mail_from: str) -> None:
    """Source: API reference SendCustomVerificationEmail, error MailFromDomainNotVerifiedException."""
    ses.create_custom_verification_email_template(
        TemplateName="v",
        FromEmailAddress=pending_mail_from,
        TemplateSubject="Verify",
        TemplateContent="<p>Click</p>",
        SuccessRedirectionURL="https://example.com/ok",
        FailureRedirectionURL="https://example.com/no",
    )
    expect_error(
        lambda: ses.send_custom_verification_email(EmailAddress="new@example.org", TemplateName="v"),
        "MailFromDomainNotVerifiedException",
        400,
    )


def test_pending_mail_from_with_use_default_value_sends(emulator: Any, ses: Any, verified: str) -> None:
    """Source: Developer Guide "Using a custom MAIL FROM domain": USE_DEFAULT_VALUE falls back
    to amazonses.com; and once the domain is verified, REJECT_MESSAGE sends too."""
    ses.put_email_identity_mail_from_attributes(
        EmailIdentity="example.com",
        MailFromDomain="bounce.example.com",
        BehaviorOnMxFailure="USE_DEFAULT_VALUE",
    )
    ses.send_email(FromEmailAddress=verified, Destination={"ToAddresses": ["a@example.org"]}, Content=SIMPLE)
    ses.put_email_identity_mail_from_attributes(
        EmailIdentity="example.com", MailFromDomain="bounce.example.com", BehaviorOnMxFailure="REJECT_MESSAGE"
    )
    emulator.admin("verify_identity", identity="example.com", mail_from_status="SUCCESS")
    ses.send_email(FromEmailAddress=verified, Destination={"ToAddresses": ["a@example.org"]}, Content=SIMPLE)


# ---- SNS event destinations ------------------------------------------------------------------


def test_sns_destination_for_a_missing_topic_is_refused(ses: Any) -> None:
    """Source: localstack/localstack tests/aws/services/ses/test_ses.py::test_cannot_create_event_for_no_topic (AWS: "SNS topic <arn>
    not found.", a client error)."""
    ses.create_configuration_set(ConfigurationSetName="cs")
    arn = "arn:aws:sns:us-east-1:123456789012:nowhere"
    message = expect_error(
        lambda: ses.create_configuration_set_event_destination(
            ConfigurationSetName="cs",
            EventDestinationName="d",
            EventDestination={"MatchingEventTypes": ["SEND"], "SnsDestination": {"TopicArn": arn}},
        ),
        "BadRequestException",
        400,
    )
    assert message == f"SNS topic <{arn}> not found."
    assert ses.get_configuration_set_event_destinations(ConfigurationSetName="cs")["EventDestinations"] == []


def test_sns_validation_message_then_notifications_with_ses_subject(
    emulator: Any, ses: Any, verified: str
) -> None:
    """Source: localstack/localstack tests/aws/services/ses/test_ses.py::test_ses_sns_topic_integration_send_email snapshot: first the
    validation message (no subject), then each event with the subject "Amazon SES Email Event
    Notification", the record as the message, ses:operation SendEmail, and ses:outgoing-ip on
    the Delivery record only."""
    topic, sqs, url = _queue_on_topic(emulator, "events", raw=False)
    _sns_destination(ses, topic)
    ses.send_email(
        FromEmailAddress=verified,
        Destination={"ToAddresses": ["success@simulator.amazonses.com"]},
        Content=SIMPLE,
        ConfigurationSetName="tracked",
        EmailTags=[{"Name": "custom-tag", "Value": "tag-value"}],
    )
    validation, *notifications = [json.loads(body) for body in _drain(sqs, url, 3)]
    assert validation["Message"] == "Successfully validated SNS topic for Amazon SES event publishing."
    assert "Subject" not in validation
    assert {n["Subject"] for n in notifications} == {"Amazon SES Email Event Notification"}
    records = {r["eventType"]: r for r in (json.loads(n["Message"]) for n in notifications)}
    assert set(records) == {"Send", "Delivery"}
    send_tags, delivery_tags = records["Send"]["mail"]["tags"], records["Delivery"]["mail"]["tags"]
    assert send_tags["ses:operation"] == ["SendEmail"] and send_tags["custom-tag"] == ["tag-value"]
    assert "ses:outgoing-ip" not in send_tags and "ses:outgoing-ip" in delivery_tags
    assert records["Send"]["send"] == {}


def test_templated_send_record_has_headers_before_rendering(emulator: Any, ses: Any, verified: str) -> None:
    """Source: localstack/localstack tests/aws/services/ses/test_ses.py::test_ses_sns_topic_integration_send_templated_email snapshot: the
    Send record of a templated message carries From, To and MIME-Version but no Subject, no
    subject in commonHeaders and no sourceArn; ses:operation is SendTemplatedEmail; the
    Delivery record has the rendered subject."""
    topic, sqs, url = _queue_on_topic(emulator, "templated", raw=True)
    _sns_destination(ses, topic)
    ses.create_email_template(TemplateName="t", TemplateContent={"Subject": "Hi {{name}}", "Text": "x"})
    ses.send_email(
        FromEmailAddress=verified,
        Destination={"ToAddresses": ["success@simulator.amazonses.com"]},
        Content={"Template": {"TemplateName": "t", "TemplateData": '{"name": "Ada"}'}},
        ConfigurationSetName="tracked",
    )
    bodies = _drain(sqs, url, 3)[1:]  # after the validation message
    records = {r["eventType"]: r for r in map(json.loads, bodies)}
    send, delivery = records["Send"]["mail"], records["Delivery"]["mail"]
    assert [h["name"] for h in send["headers"]] == ["From", "To", "MIME-Version"]
    assert "subject" not in send["commonHeaders"] and "sourceArn" not in send
    assert send["tags"]["ses:operation"] == ["SendTemplatedEmail"]
    assert delivery["commonHeaders"]["subject"] == "Hi Ada" and "sourceArn" in delivery


def test_raw_send_operation_tag(emulator: Any, ses: Any, verified: str) -> None:
    """Source: localstack/localstack tests/aws/services/ses/test_ses.py::test_ses_sns_topic_integration_send_raw_email snapshot
    (ses:operation SendRawEmail)."""
    topic, sqs, url = _queue_on_topic(emulator, "raw", raw=True)
    _sns_destination(ses, topic)
    raw = f"From: {verified}\r\nTo: success@simulator.amazonses.com\r\nSubject: r\r\n\r\nbody".encode()
    ses.send_email(Content={"Raw": {"Data": raw}}, ConfigurationSetName="tracked")
    send = json.loads(_drain(sqs, url, 3)[1])
    assert send["mail"]["tags"]["ses:operation"] == ["SendRawEmail"]


def test_suppressionlist_simulator_bounce(emulator: Any, ses: Any, verified: str) -> None:
    """Source: Developer Guide "Using the mailbox simulator" (suppressionlist@ bounces as if on
    the global suppression list) and "Contents of event data" (bounce types: Permanent /
    Suppressed, "Amazon SES has suppressed sending to this address ...", reportingMTA
    "dns; amazonses.com")."""
    topic, sqs, url = _queue_on_topic(emulator, "suppressed", raw=True)
    _sns_destination(ses, topic)
    ses.send_email(
        FromEmailAddress=verified,
        Destination={"ToAddresses": ["suppressionlist@simulator.amazonses.com"]},
        Content=SIMPLE,
        ConfigurationSetName="tracked",
    )
    records = {r["eventType"]: r for r in map(json.loads, _drain(sqs, url, 3)[1:])}
    bounce = records["Bounce"]["bounce"]
    assert (bounce["bounceType"], bounce["bounceSubType"]) == ("Permanent", "Suppressed")
    assert bounce["reportingMTA"] == "dns; amazonses.com"
    diagnostic = bounce["bouncedRecipients"][0]["diagnosticCode"]
    assert diagnostic.startswith("Amazon SES has suppressed sending to this address")


# ---- identity policies ---------------------------------------------------------------------

POLICY = json.dumps({"Version": "2012-10-17", "Statement": []})


def test_policies_need_a_verified_identity(ses: Any) -> None:
    """Source: API reference Create/Update/Delete/GetEmailIdentityPolicies: "If you have not
    verified the identity, this API will return an error." """
    ses.create_email_identity(EmailIdentity="example.com")
    for call in (
        lambda: ses.create_email_identity_policy(EmailIdentity="example.com", PolicyName="p", Policy=POLICY),
        lambda: ses.update_email_identity_policy(EmailIdentity="example.com", PolicyName="p", Policy=POLICY),
        lambda: ses.delete_email_identity_policy(EmailIdentity="example.com", PolicyName="p"),
        lambda: ses.get_email_identity_policies(EmailIdentity="example.com"),
    ):
        expect_error(call, "BadRequestException", 400)


def test_update_and_delete_of_a_missing_policy_succeed(ses: Any, verified: str) -> None:
    """Source: API reference Update/DeleteEmailIdentityPolicy: "This API returns successfully
    even if a policy with the specified name does not exist." """
    ses.delete_email_identity_policy(EmailIdentity="example.com", PolicyName="ghost")
    ses.update_email_identity_policy(EmailIdentity="example.com", PolicyName="ghost", Policy=POLICY)


# ---- configuration sets --------------------------------------------------------------------


def test_bare_configuration_set_reports_no_delivery_options(ses: Any) -> None:
    """Source: hashicorp/terraform-provider-aws internal/service/ses/configuration_set_test.go
    TestAccSESConfigurationSet_basic: a set made bare has delivery_options.# = 0,
    sending_enabled true, reputation_metrics_enabled false and a last_fresh_start."""
    ses.create_configuration_set(ConfigurationSetName="bare")
    got = ses.get_configuration_set(ConfigurationSetName="bare")
    assert "DeliveryOptions" not in got and got["SendingOptions"] == {"SendingEnabled": True}
    assert got["ReputationOptions"]["ReputationMetricsEnabled"] is False
    assert "LastFreshStart" in got["ReputationOptions"]
    ses.put_configuration_set_delivery_options(ConfigurationSetName="bare", TlsPolicy="REQUIRE")
    got = ses.get_configuration_set(ConfigurationSetName="bare")["DeliveryOptions"]
    assert got == {"TlsPolicy": "REQUIRE"}


def test_missing_configuration_set_and_destination_are_not_found(ses: Any) -> None:
    """Source: localstack/localstack tests/aws/services/ses/test_ses.py::test_deleting_non_existent_configuration_set,
    ::test_creating_event_destination_without_configuration_set,
    ::test_deleting_non_existent_configuration_set_event_destination,
    ::test_trying_to_delete_event_destination_from_non_existent_configuration_set
    (SES v1 codes ConfigurationSetDoesNotExist / EventDestinationDoesNotExist; v2's model
    answers both with NotFoundException)."""
    expect_error(lambda: ses.delete_configuration_set(ConfigurationSetName="ghost"), "NotFoundException", 404)
    expect_error(
        lambda: ses.create_configuration_set_event_destination(
            ConfigurationSetName="ghost",
            EventDestinationName="d",
            EventDestination={"MatchingEventTypes": ["SEND"]},
        ),
        "NotFoundException",
        404,
    )
    ses.create_configuration_set(ConfigurationSetName="cs")
    expect_error(
        lambda: ses.delete_configuration_set_event_destination(
            ConfigurationSetName="cs", EventDestinationName="d"
        ),
        "NotFoundException",
        404,
    )
    expect_error(
        lambda: ses.delete_configuration_set_event_destination(
            ConfigurationSetName="ghost", EventDestinationName="d"
        ),
        "NotFoundException",
        404,
    )


# ---- message tags --------------------------------------------------------------------------

TAG_CASES = {
    # LocalStack's test ids -> (name, value, SES's message)
    "test_invalid_name:123-test": (
        "test_invalid_name:123",
        "test",
        "Invalid tag name <test_invalid_name:123>: only alphanumeric ASCII characters, '_',  '-' are allowed.",
    ),
    "test-test_invalid_value:123": (
        "test",
        "test_invalid_value:123",
        "Invalid tag value <test_invalid_value:123>: only alphanumeric ASCII characters, '_',  '-' , '.', '@' "
        "are allowed.",
    ),
    "test_invalid_name_len": (
        "test_invalid_name_len" * 100,
        "test",
        "Tag name cannot exceed 255 characters.",
    ),
    "test_invalid_value_len": (
        "test",
        "test_invalid_value_len" * 100,
        "Tag value cannot exceed 255 characters.",
    ),
    "test_priority_name_value": (
        "test_invalid_name@123",
        "test_invalid_value_len" * 100,
        "Invalid tag name <test_invalid_name@123>: only alphanumeric ASCII characters, '_',  '-' are allowed.",
    ),
    "-": ("", "", "The tag name must be specified."),
    "-test": ("", "test", "The tag name must be specified."),
    "test-": ("test", "", "The tag value must be specified."),
}


@pytest.mark.parametrize("case", sorted(TAG_CASES))
def test_message_tag_rules_come_before_the_sender(ses: Any, case: str) -> None:
    """Source: localstack/localstack tests/aws/services/ses/test_ses.py::test_invalid_tags_send_email[<case>] snapshots: SES's message for
    each bad tag, given before the (unverified) sender is looked at."""
    name, value, message = TAG_CASES[case]
    got = expect_error(
        lambda: ses.send_email(
            FromEmailAddress="unverified@example.net",
            Destination={"ToAddresses": ["success@example.com"]},
            Content=SIMPLE,
            EmailTags=[{"Name": name, "Value": value}],
        ),
        "BadRequestException",
        400,
    )
    assert got == message


@pytest.mark.parametrize("name", ["ses:feedback-id-a", "ses:feedback-id-b"])
def test_feedback_id_tags_pass_validation(ses: Any, name: str) -> None:
    """Source: localstack/localstack tests/aws/services/ses/test_ses.py::test_special_tags_send_email (the request passes tag validation
    and fails on the unverified sender instead); values may hold '.' and '@'."""
    expect_error(
        lambda: ses.send_email(
            FromEmailAddress="unverified@example.net",
            Destination={"ToAddresses": ["success@example.com"]},
            Content=SIMPLE,
            EmailTags=[{"Name": name, "Value": "campaign.2024@x"}],
        ),
        "MessageRejected",
        400,
    )


# ---- identities ----------------------------------------------------------------------------


def _rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=1024)


@pytest.mark.parametrize("form", ["der", "pem"])
def test_byodkim_key_forms(ses: Any, form: str) -> None:
    """Source: hashicorp/terraform-provider-aws internal/service/sesv2/email_identity_test.go TestAccSESV2EmailIdentity_domainSigning
    (base64 of the PEM text) and API reference DkimSigningAttributes.DomainSigningPrivateKey
    (base64 of the key)."""
    key = _rsa_key()
    if form == "pem":
        data = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    else:
        data = key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    got = ses.create_email_identity(
        EmailIdentity="example.com",
        DkimSigningAttributes={
            "DomainSigningSelector": "sel1",
            "DomainSigningPrivateKey": base64.b64encode(data).decode(),
        },
    )
    assert got["DkimAttributes"]["SigningAttributesOrigin"] == "EXTERNAL"
    assert got["DkimAttributes"]["Tokens"] == ["sel1"]


def test_mail_from_attributes_after_a_behaviour_only_put(ses: Any) -> None:
    """Source: hashicorp/terraform-provider-aws internal/service/sesv2/email_identity_mail_from_attributes_test.go
    TestAccSESV2EmailIdentityMailFromAttributes_basic (a put without a domain, then
    GetEmailIdentity has MailFromAttributes)."""
    ses.create_email_identity(EmailIdentity="example.com")
    ses.put_email_identity_mail_from_attributes(
        EmailIdentity="example.com", BehaviorOnMxFailure="REJECT_MESSAGE"
    )
    got = ses.get_email_identity(EmailIdentity="example.com")["MailFromAttributes"]
    assert got["BehaviorOnMxFailure"] == "REJECT_MESSAGE" and got["MailFromDomain"] == ""


def test_address_identity_dkim_attributes(ses: Any) -> None:
    """Source: hashicorp/terraform-provider-aws internal/service/sesv2/email_identity_test.go TestAccSESV2EmailIdentity_basic_emailAddress:
    origin AWS_SES, status NOT_STARTED, no tokens, no current key length or generation time,
    next key length RSA_1024_BIT, not verified for sending."""
    created = ses.create_email_identity(EmailIdentity="ada@example.com")
    got = ses.get_email_identity(EmailIdentity="ada@example.com")
    for dkim in (created["DkimAttributes"], got["DkimAttributes"]):
        assert dkim["SigningAttributesOrigin"] == "AWS_SES" and dkim["Status"] == "NOT_STARTED"
        assert dkim["Tokens"] == [] and dkim["NextSigningKeyLength"] == "RSA_1024_BIT"
        assert "CurrentSigningKeyLength" not in dkim and "LastKeyGenerationTimestamp" not in dkim
    assert created["IdentityType"] == "EMAIL_ADDRESS" and created["VerifiedForSendingStatus"] is False


def test_domain_identity_dkim_attributes(ses: Any) -> None:
    """Source: hashicorp/terraform-provider-aws internal/service/sesv2/email_identity_test.go TestAccSESV2EmailIdentity_basic_domain:
    2048-bit current and next keys, a generation time, PENDING, three tokens, AWS_SES."""
    ses.create_email_identity(EmailIdentity="example.com")
    dkim = ses.get_email_identity(EmailIdentity="example.com")["DkimAttributes"]
    assert dkim["CurrentSigningKeyLength"] == dkim["NextSigningKeyLength"] == "RSA_2048_BIT"
    assert dkim["Status"] == "PENDING" and len(dkim["Tokens"]) == 3 and "LastKeyGenerationTimestamp" in dkim
    assert dkim["SigningAttributesOrigin"] == "AWS_SES"


# ---- moto's sesv2 tests, judged by the API reference -----------------------------------------


def test_quota_counts_every_recipient(emulator: Any, ses: Any, verified: str) -> None:
    """Source: getmoto/moto tests/test_sesv2/test_sesv2.py::test_send_email (To, Cc and Bcc
    count 3) and Developer Guide "Service quotas" ("quotas count recipients, not messages")."""
    ses.send_email(
        FromEmailAddress=verified,
        Destination={
            "ToAddresses": ["to@example.org"],
            "CcAddresses": ["cc@example.org"],
            "BccAddresses": ["bcc@example.org"],
        },
        Content=SIMPLE,
    )
    assert ses.get_account()["SendQuota"]["SentLast24Hours"] == 3


def test_raw_recipients_come_from_destination_else_the_headers(
    emulator: Any, ses: Any, verified: str
) -> None:
    """Source: moto test_send_raw_email / test_send_raw_email__with_to_address_display_name,
    corrected by the API reference (SendEmail.Destination lists the recipients; moto counts
    the headers' recipients and Destination's together, 4 where SES counts 2): a display name
    full of commas is still one recipient."""
    names = ",".join("c" for _ in range(50))
    raw = (
        f'From: {verified}\r\nTo: "{names}" <to@example.org>, foo@example.org\r\nSubject: s\r\n\r\nbody'
    ).encode()
    ses.send_email(Content={"Raw": {"Data": raw}})
    assert ses.get_account()["SendQuota"]["SentLast24Hours"] == 2
    ses.send_email(
        FromEmailAddress=verified,
        Destination={"ToAddresses": ["only@example.org"]},
        Content={"Raw": {"Data": raw}},
    )
    assert ses.get_account()["SendQuota"]["SentLast24Hours"] == 3
    (last,) = emulator.admin("sent_messages", limit=1)
    assert last["to"] == ["only@example.org"]


def test_contact_calls_on_missing_list_or_contact_are_not_found(ses: Any) -> None:
    """Source: moto test_get_contact_no_contact_list, test_create_contact_no_contact_list,
    test_delete_contact_no_contact(_list), test_get_contact_no_contact (codes per the API
    reference: NotFoundException; moto's wording is its own)."""
    for call in (
        lambda: ses.get_contact_list(ContactListName="l"),
        lambda: ses.delete_contact_list(ContactListName="l"),
        lambda: ses.create_contact(ContactListName="l", EmailAddress="a@example.com"),
        lambda: ses.get_contact(ContactListName="l", EmailAddress="a@example.com"),
        lambda: ses.delete_contact(ContactListName="l", EmailAddress="a@example.com"),
    ):
        expect_error(call, "NotFoundException", 404)
    ses.create_contact_list(ContactListName="l")
    assert ses.list_contacts(ContactListName="l")["Contacts"] == []
    for call in (
        lambda: ses.get_contact(ContactListName="l", EmailAddress="a@example.com"),
        lambda: ses.delete_contact(ContactListName="l", EmailAddress="a@example.com"),
    ):
        expect_error(call, "NotFoundException", 404)


# ---- more of terraform-provider-aws's sesv2 acceptance tests ---------------------------------


def test_contact_list_topic_replaced_by_update(ses: Any) -> None:
    """Source: terraform-provider-aws internal/service/sesv2/contact_list_test.go
    TestAccSESV2ContactList_topic (topic1 replaced by topic2 in one update: one topic left) and
    _basic (no description, no topics, both timestamps)."""
    ses.create_contact_list(ContactListName="l")
    got = ses.get_contact_list(ContactListName="l")
    assert got["Topics"] == [] and "Description" not in got
    assert got["CreatedTimestamp"] and got["LastUpdatedTimestamp"]
    topic1 = {"TopicName": "topic1", "DisplayName": "topic1", "DefaultSubscriptionStatus": "OPT_IN"}
    topic2 = {
        "TopicName": "topic2",
        "DisplayName": "topic2",
        "Description": "description",
        "DefaultSubscriptionStatus": "OPT_OUT",
    }
    ses.update_contact_list(ContactListName="l", Topics=[topic1])
    ses.update_contact_list(ContactListName="l", Topics=[topic2])
    assert ses.get_contact_list(ContactListName="l")["Topics"] == [topic2]


def test_event_destination_left_disabled_when_enabled_is_omitted(ses: Any) -> None:
    """Source: terraform-provider-aws internal/service/sesv2/configuration_set_event_destination_test.go
    TestAccSESV2ConfigurationSetEventDestination_basic (no enabled given: enabled false)."""
    ses.create_configuration_set(ConfigurationSetName="cs")
    ses.create_configuration_set_event_destination(
        ConfigurationSetName="cs",
        EventDestinationName="d",
        EventDestination={
            "MatchingEventTypes": ["SEND"],
            "CloudWatchDestination": {
                "DimensionConfigurations": [
                    {
                        "DimensionName": "n",
                        "DimensionValueSource": "MESSAGE_TAG",
                        "DefaultDimensionValue": "v",
                    }
                ]
            },
        },
    )
    (destination,) = ses.get_configuration_set_event_destinations(ConfigurationSetName="cs")[
        "EventDestinations"
    ]
    assert destination["Enabled"] is False and destination["MatchingEventTypes"] == ["SEND"]
