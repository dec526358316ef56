"""The send engine's parts: SendBulkEmail through the gateway (paced, counted, never retried
behind the engine's back), the outcome policy, and a preflight shared by a preview and a run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sending_support import gateway_for, write_csv

from reconciler.errors import AwsError, RetryableAwsError
from reconciler.sending import Preflight, SendEngine, SendJob, file_digest, read_recipients
from reconciler.sending.outcome import CallOutcome, EntryOutcome, call_outcome, entry_outcome
from reconciler.testing import LocalEmulator


def rows(n: int) -> list[dict[str, str]]:
    return [{"email": f"user{i}@example.org", "name": f"U{i}", "plan": "pro"} for i in range(n)]


def test_send_bulk_email_goes_through_the_gateway_and_is_counted(
    emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "r.csv", rows(120))
    gateway = gateway_for(emulator)
    job = SendJob(from_address="news@example.com", template="welcome")
    report = SendEngine(gateway, job).run(read_recipients(path), source_digest=file_digest(path))
    assert report.sent == 120
    assert gateway.calls["SendBulkEmail"] == 3  # 50 + 50 + 20
    assert [op for op, _ in gateway.call_log].count("SendBulkEmail") == 3


def test_a_5xx_to_send_bulk_email_is_not_retried_by_the_gateway(
    emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path
) -> None:
    emulator.configure(fault_rate=1.0, fault_kind="500", fault_operations=["SendBulkEmail"], seed=1)
    path = write_csv(tmp_path / "r.csv", rows(3))
    gateway = gateway_for(emulator)
    report = SendEngine(gateway, SendJob(from_address="news@example.com", template="welcome")).run(
        read_recipients(path)
    )
    # No resolver and --in-doubt fail: the first 5xx stops the run, after exactly one request.
    assert report.stopped is not None and "in doubt" in report.stopped
    assert gateway.calls["SendBulkEmail"] == 1 and gateway.retries["SendBulkEmail"] == 0


def test_one_preflight_serves_the_preview_and_the_run(
    emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "r.csv", rows(5))
    gateway = gateway_for(emulator)
    job = SendJob(from_address="news@example.com", template="welcome")
    ready = Preflight.load(gateway, job)
    preview = SendEngine(gateway, SendJob(**{**job.__dict__, "dry_run": True}), preflight=ready).run(
        read_recipients(path)
    )
    report = SendEngine(gateway, job, preflight=ready).run(read_recipients(path))
    assert (preview.sent, report.sent) == (5, 5)
    assert gateway.calls["GetAccount"] == 1 and gateway.calls["GetEmailTemplate"] == 1
    assert gateway.calls["ListSuppressedDestinations"] == 1


def test_a_few_known_addresses_are_looked_up_not_paged(
    emulator: LocalEmulator, ses: Any, sender: str
) -> None:
    ses.put_suppressed_destination(EmailAddress="gone@example.org", Reason="BOUNCE")
    ses.put_suppressed_destination(EmailAddress="angry@example.org", Reason="COMPLAINT")
    gateway = gateway_for(emulator)
    job = SendJob(from_address="news@example.com", template="welcome")
    ready = Preflight.load(
        gateway, job, addresses=["GONE@example.org", "angry@example.org", "ok@example.org", "x@-bad.org"]
    )
    assert "gone@example.org" in ready.suppressed and "angry@example.org" in ready.suppressed
    assert "ok@example.org" not in ready.suppressed
    assert gateway.calls["ListSuppressedDestinations"] == 0
    assert gateway.calls["GetSuppressedDestination"] == 3  # the malformed one is never asked


@pytest.mark.parametrize(
    ("status", "attempts", "outcome"),
    [
        ("SUCCESS", 0, EntryOutcome.SENT),
        ("TRANSIENT_FAILURE", 0, EntryOutcome.RETRY),
        ("FAILED", 4, EntryOutcome.RETRY),
        ("FAILED", 5, EntryOutcome.FAILED),
        ("ACCOUNT_THROTTLED", 5, EntryOutcome.FAILED),
        ("ACCOUNT_DAILY_QUOTA_EXCEEDED", 0, EntryOutcome.STOP),
        ("TEMPLATE_NOT_FOUND", 0, EntryOutcome.STOP),
        ("MESSAGE_REJECTED", 0, EntryOutcome.FAILED),
        ("SOMETHING_NEW", 0, EntryOutcome.FAILED),
    ],
)
def test_entry_outcome_policy(status: str, attempts: int, outcome: EntryOutcome) -> None:
    assert entry_outcome(status, attempts, max_attempts=6) is outcome


def test_call_outcome_policy() -> None:
    assert call_outcome(RetryableAwsError("x", code="TooManyRequestsException")) is CallOutcome.THROTTLED
    assert call_outcome(RetryableAwsError("x", code="InternalFailure")) is CallOutcome.IN_DOUBT
    assert call_outcome(RetryableAwsError("x", code="ReadTimeoutError")) is CallOutcome.IN_DOUBT
    assert call_outcome(AwsError("x", code="MessageRejected")) is CallOutcome.FATAL
