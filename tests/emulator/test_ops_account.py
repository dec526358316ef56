"""GetAccount and the account Put operations through boto3 over HTTP, plus configure_account."""

from __future__ import annotations

import ops_support
import pytest
from ops_support import expect_error

module_emulator, emulator, ses = ops_support.module_emulator, ops_support.emulator, ops_support.ses


def test_a_fresh_account(ses):
    account = ses.get_account()
    account.pop("ResponseMetadata")
    assert account == {
        "DedicatedIpAutoWarmupEnabled": False,
        "EnforcementStatus": "HEALTHY",
        "ProductionAccessEnabled": True,
        "SendQuota": {"Max24HourSend": 50000.0, "MaxSendRate": 14.0, "SentLast24Hours": 0.0},
        "SendingEnabled": True,
        "SuppressionAttributes": {"SuppressedReasons": ["BOUNCE", "COMPLAINT"]},
        "VdmAttributes": {"VdmEnabled": "DISABLED"},
    }


@pytest.mark.parametrize("enabled", [False, True])
def test_sending_attributes(ses, enabled):
    ses.put_account_sending_attributes(SendingEnabled=enabled)
    assert ses.get_account()["SendingEnabled"] is enabled


def test_vdm_attributes(ses):
    vdm = {
        "VdmEnabled": "ENABLED",
        "DashboardAttributes": {"EngagementMetrics": "ENABLED"},
        "GuardianAttributes": {"OptimizedSharedDelivery": "DISABLED"},
    }
    ses.put_account_vdm_attributes(VdmAttributes=vdm)
    assert ses.get_account()["VdmAttributes"] == vdm


def test_details_and_production_access_review(emulator, ses):
    emulator.admin("configure_account", production_access_enabled=False)
    assert ses.get_account()["SendQuota"]["Max24HourSend"] == 200.0
    ses.put_account_details(
        MailType="TRANSACTIONAL",
        WebsiteURL="https://example.com",
        ContactLanguage="EN",
        UseCaseDescription="Receipts",
        AdditionalContactEmailAddresses=["ops@example.com"],
        ProductionAccessEnabled=True,
    )
    details = ses.get_account()["Details"]
    assert details["MailType"] == "TRANSACTIONAL" and details["ReviewDetails"]["Status"] == "PENDING"
    assert ses.get_account()["ProductionAccessEnabled"] is False
    emulator.admin("configure_account", review_status="GRANTED")
    account = ses.get_account()
    assert (
        account["ProductionAccessEnabled"] is True
        and account["Details"]["ReviewDetails"]["Status"] == "GRANTED"
    )
    assert account["SendQuota"]["Max24HourSend"] == 50000.0


BAD_DETAILS = {
    "mail-type": {"MailType": "SPAM", "WebsiteURL": "https://example.com"},
    "language": {"MailType": "MARKETING", "WebsiteURL": "https://example.com", "ContactLanguage": "FR"},
    "use-case": {
        "MailType": "MARKETING",
        "WebsiteURL": "https://example.com",
        "UseCaseDescription": "x" * 5001,
    },
    "contacts": {
        "MailType": "MARKETING",
        "WebsiteURL": "https://example.com",
        "AdditionalContactEmailAddresses": [f"a{i}@example.com" for i in range(5)],
    },
}


@pytest.mark.parametrize("kwargs", BAD_DETAILS.values(), ids=BAD_DETAILS.keys())
def test_bad_details(emulator, kwargs):
    raw = emulator.client("sesv2", parameter_validation=False)
    expect_error(lambda: raw.put_account_details(**kwargs), "BadRequestException", 400)


def test_configure_account_sets_quotas(emulator, ses):
    emulator.admin("configure_account", max_24_hour_send=1000, max_send_rate=5, sent_last_24_hours=10)
    assert ses.get_account()["SendQuota"] == {
        "Max24HourSend": 1000.0,
        "MaxSendRate": 5.0,
        "SentLast24Hours": 10.0,
    }


def test_details_cannot_change_while_under_review(emulator, ses):
    """SES answers ConflictException while an earlier submission is under review."""
    emulator.admin("configure_account", production_access_enabled=False)
    details = {"MailType": "MARKETING", "WebsiteURL": "https://example.com", "ProductionAccessEnabled": True}
    ses.put_account_details(**details)
    expect_error(lambda: ses.put_account_details(**details), "ConflictException", 409)
    emulator.admin("configure_account", review_status="GRANTED")
    ses.put_account_details(**{**details, "MailType": "TRANSACTIONAL"})
    assert ses.get_account()["Details"]["MailType"] == "TRANSACTIONAL"
