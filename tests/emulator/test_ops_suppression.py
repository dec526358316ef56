"""The account suppression list through boto3 over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import ops_support
import pytest
from ops_support import expect_error

module_emulator, emulator, ses = ops_support.module_emulator, ops_support.emulator, ops_support.ses


def test_put_get_delete(ses):
    ses.put_suppressed_destination(EmailAddress="Bounced@Example.com", Reason="BOUNCE")
    got = ses.get_suppressed_destination(EmailAddress="bounced@example.com")["SuppressedDestination"]
    assert got["EmailAddress"] == "Bounced@Example.com" and got["Reason"] == "BOUNCE"
    assert abs(got["LastUpdateTime"] - datetime.now(UTC)) < timedelta(minutes=1)
    # A second put refreshes the entry (reason included) rather than failing.
    ses.put_suppressed_destination(EmailAddress="bounced@example.com", Reason="COMPLAINT")
    assert (
        ses.get_suppressed_destination(EmailAddress="bounced@example.com")["SuppressedDestination"]["Reason"]
        == "COMPLAINT"
    )
    ses.delete_suppressed_destination(EmailAddress="bounced@example.com")
    expect_error(
        lambda: ses.get_suppressed_destination(EmailAddress="bounced@example.com"), "NotFoundException", 404
    )
    expect_error(
        lambda: ses.delete_suppressed_destination(EmailAddress="bounced@example.com"),
        "NotFoundException",
        404,
    )


@pytest.mark.parametrize(
    "kwargs",
    [{"EmailAddress": "not-an-address", "Reason": "BOUNCE"}, {"EmailAddress": "a@b.co", "Reason": "SPAM"}],
)
def test_bad_puts(emulator, kwargs):
    raw = emulator.client("sesv2", parameter_validation=False)
    expect_error(lambda: raw.put_suppressed_destination(**kwargs), "BadRequestException", 400)


def test_list_filters_and_paging(emulator, ses):
    base = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(6):
        emulator.set_clock(lambda i=i: base + timedelta(days=i))
        ses.put_suppressed_destination(
            EmailAddress=f"u{i}@example.com", Reason="BOUNCE" if i % 2 else "COMPLAINT"
        )
    emulator.set_clock(None)

    def listed(**kwargs):
        return [
            s["EmailAddress"]
            for s in ses.list_suppressed_destinations(**kwargs)["SuppressedDestinationSummaries"]
        ]

    assert listed() == [f"u{i}@example.com" for i in range(6)]
    assert listed(Reasons=["BOUNCE"]) == ["u1@example.com", "u3@example.com", "u5@example.com"]
    assert listed(StartDate=base + timedelta(days=2), EndDate=base + timedelta(days=4)) == [
        "u2@example.com",
        "u3@example.com",
        "u4@example.com",
    ]
    first = ses.list_suppressed_destinations(PageSize=4)
    rest = ses.list_suppressed_destinations(PageSize=4, NextToken=first["NextToken"])
    assert len(first["SuppressedDestinationSummaries"]) == 4 and "NextToken" not in rest
    assert len(rest["SuppressedDestinationSummaries"]) == 2
    expect_error(
        lambda: ses.list_suppressed_destinations(NextToken="bogus"), "InvalidNextTokenException", 400
    )


@pytest.mark.parametrize("reasons", [["BOUNCE"], [], ["BOUNCE", "COMPLAINT"]])
def test_account_suppression_attributes(ses, reasons):
    assert ses.get_account()["SuppressionAttributes"] == {"SuppressedReasons": ["BOUNCE", "COMPLAINT"]}
    ses.put_account_suppression_attributes(SuppressedReasons=reasons)
    assert ses.get_account()["SuppressionAttributes"]["SuppressedReasons"] == reasons


def test_account_validation_attributes(ses):
    validation = {
        "ConditionThreshold": {
            "ConditionThresholdEnabled": "ENABLED",
            "OverallConfidenceThreshold": {"ConfidenceVerdictThreshold": "MANAGED"},
        }
    }
    ses.put_account_suppression_attributes(SuppressedReasons=["BOUNCE"], ValidationAttributes=validation)
    assert ses.get_account()["SuppressionAttributes"] == {
        "SuppressedReasons": ["BOUNCE"],
        "ValidationAttributes": validation,
    }
