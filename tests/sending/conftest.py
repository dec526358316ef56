"""Sending fixtures: a verified sender, a template, and an SNS topic with an SQS queue
subscribed (moto's real SNS -> SQS delivery on the emulator's endpoint)."""

from __future__ import annotations

from typing import Any

import pytest
from sending_support import SENDER, TEMPLATE, EventQueue, sns_event_queue

from reconciler.testing import LocalEmulator


@pytest.fixture
def sender(emulator: LocalEmulator, ses: Any) -> str:
    emulator.admin("verify_identity", identity="example.com")
    emulator.admin("configure_account", max_send_rate=2000.0)
    ses.create_email_template(TemplateName="welcome", TemplateContent=TEMPLATE)
    return SENDER


@pytest.fixture
def events(emulator: LocalEmulator, ses: Any, sender: str) -> EventQueue:
    """Configuration set "tracked" publishing every event type to SNS, with an SQS queue
    subscribed (raw delivery, so each SQS body is the SES record itself)."""
    return sns_event_queue(emulator, "tracked")
