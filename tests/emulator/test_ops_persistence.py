"""Every resource kind survives an emulator restart through its state file, read back
identically through the API (the state models must round-trip through JSON)."""

from __future__ import annotations

import json

from reconciler.emulator.state import EmulatorState
from reconciler.testing import local_emulator

POLICY = json.dumps({"Version": "2012-10-17", "Statement": []})
ARCHIVE = "arn:aws:ses:us-east-1:123456789012:mailmanager-archive/a-abcdefghijklmnopqrstuvwxyz"


def populate(emu) -> None:
    ses = emu.client("sesv2")
    emu.client("sns").create_topic(Name="t")  # SES refuses an SNS destination without its topic
    ses.create_email_template(
        TemplateName="t",
        TemplateContent={"Subject": "s", "Html": "<b>h</b>"},
        Tags=[{"Key": "k", "Value": "v"}],
    )
    ses.create_dedicated_ip_pool(PoolName="p", ScalingMode="MANAGED")
    ses.create_configuration_set(
        ConfigurationSetName="cs",
        DeliveryOptions={"TlsPolicy": "REQUIRE", "SendingPoolName": "p", "MaxDeliverySeconds": 900},
        SendingOptions={"SendingEnabled": False},
        SuppressionOptions={"SuppressedReasons": []},
        VdmOptions={"GuardianOptions": {"OptimizedSharedDelivery": "ENABLED"}},
        ArchivingOptions={"ArchiveArn": ARCHIVE},
    )
    ses.create_configuration_set_event_destination(
        ConfigurationSetName="cs",
        EventDestinationName="d",
        EventDestination={
            "Enabled": True,
            "MatchingEventTypes": ["BOUNCE"],
            "SnsDestination": {"TopicArn": "arn:aws:sns:us-east-1:123456789012:t"},
        },
    )
    ses.put_dedicated_ip_warmup_attributes(Ip="198.51.100.10", WarmupPercentage=30)
    ses.put_suppressed_destination(EmailAddress="x@example.com", Reason="COMPLAINT")
    ses.put_account_suppression_attributes(SuppressedReasons=["BOUNCE"])
    ses.put_account_details(MailType="MARKETING", WebsiteURL="https://example.com")
    ses.create_email_identity(EmailIdentity="example.com", ConfigurationSetName="cs")
    ses.put_email_identity_mail_from_attributes(EmailIdentity="example.com", MailFromDomain="m.example.com")
    emu.admin("verify_identity", identity="example.com")  # policies need a verified identity
    ses.create_email_identity_policy(EmailIdentity="example.com", PolicyName="p", Policy=POLICY)
    ses.create_contact_list(
        ContactListName="l",
        Topics=[{"TopicName": "n", "DisplayName": "N", "DefaultSubscriptionStatus": "OPT_IN"}],
    )
    ses.create_contact(
        ContactListName="l",
        EmailAddress="c@example.com",
        TopicPreferences=[{"TopicName": "n", "SubscriptionStatus": "OPT_OUT"}],
    )


def snapshot(ses) -> dict:
    calls = {
        "template": lambda: ses.get_email_template(TemplateName="t"),
        "templates": lambda: ses.list_email_templates(),
        "config_set": lambda: ses.get_configuration_set(ConfigurationSetName="cs"),
        "destinations": lambda: ses.get_configuration_set_event_destinations(ConfigurationSetName="cs"),
        "pool": lambda: ses.get_dedicated_ip_pool(PoolName="p"),
        "ips": lambda: ses.get_dedicated_ips(),
        "suppressed": lambda: ses.get_suppressed_destination(EmailAddress="x@example.com"),
        "account": lambda: ses.get_account(),
        "identity": lambda: ses.get_email_identity(EmailIdentity="example.com"),
        "contact_list": lambda: ses.get_contact_list(ContactListName="l"),
        "contact": lambda: ses.get_contact(ContactListName="l", EmailAddress="c@example.com"),
    }
    result = {}
    for name, call in calls.items():
        response = call()
        response.pop("ResponseMetadata")
        result[name] = response
    return result


def test_every_kind_survives_a_restart(tmp_path):
    state_file = tmp_path / "ses-state.json"
    with local_emulator(state_file=state_file) as emu:
        populate(emu)
        before = snapshot(emu.client("sesv2"))
    # The file is the typed state, and loads back as such.
    reloaded = EmulatorState.from_json(state_file.read_text())
    assert "cs" in reloaded.region("us-east-1").configuration_sets
    with local_emulator(state_file=state_file) as emu:
        assert snapshot(emu.client("sesv2")) == before
