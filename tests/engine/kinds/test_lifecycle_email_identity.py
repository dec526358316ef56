"""EmailIdentity: create, update (to BYODKIM from an environment variable), import and delete
against the emulator over HTTP."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from engine_support import configuration_set
from identity_support import POLICY, identity, private_key_pem
from lifecycle_support import Lifecycle, run_lifecycle

CREATE = identity(
    "example.com",
    "  configurationSet: tx\n  mailFrom: {domain: mail.example.com}\n"
    f"  policies: {{allow: {POLICY}}}\n  tags: {{team: mail}}\n",
)
UPDATE = identity(
    "example.com",
    "  configurationSet: tx\n  mailFrom: {domain: mail.example.com, behaviorOnMxFailure: REJECT_MESSAGE}\n"
    "  dkim: {selector: s1, privateKey: {env: SESCTL_TEST_DKIM_KEY}}\n  feedbackForwarding: false\n"
    "  tags: {team: mail}\n",
)


def _created(emulator: Any) -> None:
    got = emulator.client("sesv2").get_email_identity(EmailIdentity="example.com")
    assert got["ConfigurationSetName"] == "tx"
    assert got["MailFromAttributes"]["MailFromDomain"] == "mail.example.com"
    assert json.loads(got["Policies"]["allow"])["Statement"][0]["Action"] == ["ses:SendEmail"]
    assert got["DkimAttributes"]["SigningAttributesOrigin"] == "AWS_SES"


def _updated(emulator: Any) -> None:
    got = emulator.client("sesv2").get_email_identity(EmailIdentity="example.com")
    assert got["DkimAttributes"]["SigningAttributesOrigin"] == "EXTERNAL"
    assert got["DkimAttributes"]["Tokens"] == ["s1"]
    assert got["MailFromAttributes"]["BehaviorOnMxFailure"] == "REJECT_MESSAGE"
    assert got["FeedbackForwardingStatus"] is False and got["Policies"] == {}


def _deleted(emulator: Any) -> None:
    names = emulator.client("sesv2").list_email_identities()["EmailIdentities"]
    assert [i["IdentityName"] for i in names] == []


def test_lifecycle(tmp_path: Path, emulator: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    emulator.admin("configure_identities", default_status="SUCCESS")  # policies need a verified identity
    monkeypatch.setenv("SESCTL_TEST_DKIM_KEY", private_key_pem())
    run_lifecycle(
        tmp_path,
        emulator,
        Lifecycle(
            address="EmailIdentity/example.com",
            needs={"sets.yaml": configuration_set("tx")},
            create=CREATE,
            update=UPDATE,
            checks={"create": _created, "update": _updated, "delete": _deleted},
        ),
    )
