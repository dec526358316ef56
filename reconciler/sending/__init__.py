"""Bulk sending: the engine under ``sesctl send`` and the MCP server's send tools.

    from reconciler.sending import SendEngine, SendJob, Recipient, read_recipients, file_digest

    job = SendJob(from_address="news@example.com", template="welcome",
                  configuration_set="marketing", checkpoint=Path("welcome.ckpt"))
    report = SendEngine(gateway, job).run(read_recipients(path), source_digest=file_digest(path))
    report.sent, report.skipped_suppressed, report.refused_render, report.failed_permanent

``SendJob(dry_run=True)`` renders and checks everything and sends nothing. See docs/sending.md.
"""

from __future__ import annotations

from reconciler.sending.addresses import address_problem, has_line_break, is_address
from reconciler.sending.checkpoint import CheckpointError, CheckpointLock
from reconciler.sending.engine import SendEngine
from reconciler.sending.job import SendJob, batch_size_for
from reconciler.sending.masking import mask_email
from reconciler.sending.outcome import STATUS_STOP, STATUS_TRANSIENT
from reconciler.sending.preflight import Preflight
from reconciler.sending.recipients import (
    Recipient,
    RecipientFileError,
    count_recipients,
    file_digest,
    read_recipients,
    recipients_from,
)
from reconciler.sending.report import Problem, SendReport
from reconciler.sending.resolver import EmulatorResolver, InDoubtResolver, emulator_resolver
from reconciler.sending.variants import Variant, assign, parse_variant

__all__ = [
    "STATUS_STOP",
    "STATUS_TRANSIENT",
    "CheckpointError",
    "CheckpointLock",
    "EmulatorResolver",
    "InDoubtResolver",
    "Preflight",
    "Problem",
    "Recipient",
    "RecipientFileError",
    "SendEngine",
    "SendJob",
    "SendReport",
    "Variant",
    "address_problem",
    "assign",
    "batch_size_for",
    "count_recipients",
    "emulator_resolver",
    "file_digest",
    "has_line_break",
    "is_address",
    "mask_email",
    "parse_variant",
    "read_recipients",
    "recipients_from",
]
