"""`sesctl events consume` as an audited operation: a "started" entry (where from, into which
store) before the first batch is read, and an outcome entry with what was committed: batches,
records received, events added and duplicate, quarantined records, control messages, expired
events, unacknowledged SQS messages, the worst lag and what retention removed. The counts are
kept up to date batch by batch, so a consumer stopped by Ctrl-C still records what it committed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from reconciler import audit
from reconciler.events.consume import BatchResult, ConsumeReport, consume
from reconciler.events.sources import Source
from reconciler.events.store import EventStore


def consume_audited(
    store: EventStore,
    source: Source,
    details: Mapping[str, Any],
    *,
    retention_days: int,
    on_batch: Callable[[BatchResult], None] | None = None,
    start: Path = Path("."),
    workers: int = 0,
) -> ConsumeReport:
    """``details``: what the entry says about the source (no record content: it may hold addresses).
    ``workers``: parse processes (consume.consume)."""
    with audit.operation(
        "events-consume", {**details, "store": str(store.path)}, project=audit.project_at(start)
    ) as entry:
        totals = ConsumeReport()

        def counted(result: BatchResult) -> None:
            totals.batches += 1
            for name in _PER_BATCH:
                setattr(totals, name, getattr(totals, name) + getattr(result, name))
            entry.set(**_counts(totals))
            if on_batch is not None:
                on_batch(result)

        report = consume(store, source, retention_days=retention_days, on_batch=counted, workers=workers)
        entry.set(**_counts(report), lag_p95_ms=report.lag_p95_ms, retention_removed=report.retention_removed)
    return report


_PER_BATCH = ("received", "added", "duplicates", "quarantined", "controls", "expired", "unacknowledged")


def _counts(report: ConsumeReport) -> dict[str, int]:
    return {name: int(getattr(report, name)) for name in ("batches", *_PER_BATCH)}
