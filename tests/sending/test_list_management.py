"""The engine with SES's list management: one SendEmail per recipient carrying
ListManagementOptions (SendBulkEmail cannot), SES's refusal of one message failing that
recipient only, and the header rules that change with it."""

from __future__ import annotations

from typing import Any

import pytest
from sending_support import gateway_for

from reconciler.errors import SendError, UsageError
from reconciler.sending import SendEngine, SendJob, recipients_from
from reconciler.sending.headers import parse_headers
from reconciler.sending.list_management import ListManagement
from reconciler.testing import LocalEmulator


def _news(ses: Any) -> None:
    ses.create_contact_list(
        ContactListName="news",
        Topics=[{"TopicName": "weekly", "DisplayName": "Weekly", "DefaultSubscriptionStatus": "OPT_IN"}],
    )


def test_one_send_email_per_recipient_and_a_rejected_one_fails_alone(
    emulator: LocalEmulator, ses: Any, sender: str
) -> None:
    _news(ses)
    emulator.admin("configure_account", production_access_enabled=False, max_send_rate=100.0)
    emulator.admin("verify_identity", identity="ada@example.org")  # the sandbox sends to verified only
    items = [
        {"email": "ada@example.org", "name": "Ada", "plan": "pro"},
        {"email": "bob@example.org", "name": "Bob", "plan": "pro"},  # not verified: MessageRejected
        {"email": "success@simulator.amazonses.com", "name": "Sim", "plan": "pro"},
    ]
    job = SendJob(
        from_address=sender,
        template="welcome",
        list_management=ListManagement("news", "weekly"),
        headers=parse_headers(["List-Id=<news.example.com>"], list_management=True),
    )
    gateway = gateway_for(emulator)
    report = SendEngine(gateway, job).run(recipients_from(items))
    assert (report.sent, report.failed_permanent, report.stopped) == (2, 1, None)
    assert "MESSAGE_REJECTED" in report.examples[0].reason and report.examples[0].email == "b***b@example.org"
    assert "bob@" not in report.examples[0].reason  # SES quotes the address: masked
    assert gateway.calls["SendEmail"] == 3 and "SendBulkEmail" not in gateway.calls
    for message in emulator.admin("sent_messages", include_body=False):
        names = {h["name"] for h in message["headers"]}
        assert {"List-Unsubscribe", "List-Unsubscribe-Post", "List-Id"} <= names
        assert message["list_management"] == {"ContactListName": "news", "TopicName": "weekly"}
        assert message["tags"]["sesctl-idem"].startswith(report.run_id)


def test_an_unknown_topic_stops_the_run_at_the_first_send(emulator: LocalEmulator, ses: Any, sender: str) -> None:
    _news(ses)
    items = [{"email": f"success+{i}@simulator.amazonses.com", "name": "A", "plan": "p"} for i in range(3)]
    job = SendJob(from_address=sender, template="welcome", list_management=ListManagement("news", "daily"))
    report = SendEngine(gateway_for(emulator), job).run(recipients_from(items))
    assert report.sent == 0 and report.stopped and "daily" in report.stopped
    assert emulator.admin("sent_messages", include_body=False) == []


def test_list_names_and_ses_owned_headers_are_refused() -> None:
    with pytest.raises(SendError, match="Invalid topic name"):
        SendJob(from_address="a@example.com", template="t", list_management=ListManagement("news", "a b")).validate()
    with pytest.raises(UsageError, match="added by SES"):
        parse_headers(["List-Unsubscribe-Post=List-Unsubscribe=One-Click"], list_management=True)
    assert parse_headers(["List-Unsubscribe-Post=List-Unsubscribe=One-Click"])[0].name == "List-Unsubscribe-Post"
