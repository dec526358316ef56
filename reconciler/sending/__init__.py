"""Bulk sending: the engine under ``sesctl send`` and the MCP server's send tools.

    from reconciler.sending import SendEngine, SendJob, Recipient, read_recipients, file_digest

    job = SendJob(from_address="news@example.com", template="welcome",
                  configuration_set="marketing", checkpoint=Path("welcome.ckpt"))
    report = SendEngine(gateway, job).run(read_recipients(path), source_digest=file_digest(path))
    report.sent, report.skipped_suppressed, report.refused_render, report.failed_permanent

``SendJob(dry_run=True)`` renders and checks everything and sends nothing. See docs/sending.md.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

# name -> the module that defines it, imported on first use (PEP 562): `reconciler.sending.masking`
# and its small siblings are imported by commands that never send (validate), and importing
# the package must not pull in the engine, its HTTP clients and the emulator's admin client.
_EXPORTS = {
    "address_problem": "reconciler.sending.addresses",
    "has_line_break": "reconciler.sending.addresses",
    "is_address": "reconciler.sending.addresses",
    "CheckpointError": "reconciler.sending.checkpoint",
    "CheckpointLock": "reconciler.sending.checkpoint",
    "SendEngine": "reconciler.sending.engine",
    "SendJob": "reconciler.sending.job",
    "batch_size_for": "reconciler.sending.job",
    "mask_email": "reconciler.sending.masking",
    "STATUS_STOP": "reconciler.sending.outcome",
    "STATUS_TRANSIENT": "reconciler.sending.outcome",
    "Preflight": "reconciler.sending.preflight",
    "Recipient": "reconciler.sending.recipients",
    "RecipientFileError": "reconciler.sending.recipients",
    "count_recipients": "reconciler.sending.recipients",
    "file_digest": "reconciler.sending.recipients",
    "read_recipients": "reconciler.sending.recipients",
    "recipients_from": "reconciler.sending.recipients",
    "Problem": "reconciler.sending.report",
    "SendReport": "reconciler.sending.report",
    "EmulatorResolver": "reconciler.sending.resolver",
    "InDoubtResolver": "reconciler.sending.resolver",
    "emulator_resolver": "reconciler.sending.resolver",
    "Variant": "reconciler.sending.variants",
    "assign": "reconciler.sending.variants",
    "parse_variant": "reconciler.sending.variants",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # looked up once
    return value


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
