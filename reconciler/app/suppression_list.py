"""The suppression-list use cases behind `sesctl suppression`: reads through the gateway (so
paced and retried), changes audited with the addresses as keyed hashes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from reconciler import audit
from reconciler.app.connect import connect
from reconciler.aws.ratelimit import RatesInput
from reconciler.settings import Settings
from reconciler.suppression import Entry, add, entries, remove, write_entries
from reconciler.suppression.bulk import BulkReport, JobOutcome, job_outcome, list_jobs, run_import
from reconciler.suppression.entries import REASONS


def listing(
    settings: Settings,
    reasons: Sequence[str] = REASONS,
    since: datetime | None = None,
    until: datetime | None = None,
    rate: RatesInput = None,
) -> list[Entry]:
    with connect(settings, rate=rate) as conn:
        return list(entries(conn.gateway, reasons, since, until))


def export(
    settings: Settings,
    out: Path,
    fmt: str | None,
    reasons: Sequence[str] = REASONS,
    since: datetime | None = None,
    until: datetime | None = None,
    rate: RatesInput = None,
) -> int:
    with connect(settings, rate=rate) as conn:
        details = {"action": "export", "out": str(out), "reasons": list(reasons)}
        with audit.operation("suppression", details, project=audit.project_at(Path("."))) as entry:
            count = write_entries(out, entries(conn.gateway, reasons, since, until), fmt)
            entry.set(count=count)
            return count


def change(
    settings: Settings, action: str, items: Sequence[Entry], *, rate: RatesInput = None
) -> dict[str, int]:
    """``action`` "add" (put each entry) or "remove" (delete each address); counts by outcome."""
    counts = {"done": 0, "absent": 0}
    details = {"action": action, "count": len(items)}
    with connect(settings, rate=rate) as conn, audit.audited("suppression", details, addresses=[i.address for i in items]) as entry:
        for item in items:
            if action == "add":
                add(conn.gateway, item.address, item.reason)
                counts["done"] += 1
            elif remove(conn.gateway, item.address):
                counts["done"] += 1
            else:
                counts["absent"] += 1
        if entry is not None:
            entry.set(counts=counts)
    return counts


def bulk_import(
    settings: Settings,
    items: Sequence[Entry],
    s3_url: str,
    *,
    action: str = "PUT",
    keep_upload: bool = False,
    timeout: float = 3600.0,
    poll_seconds: float = 2.0,
    rate: RatesInput = None,
    on_progress: Callable[[JobOutcome], None] | None = None,
) -> BulkReport:
    """Add (PUT) or remove (DELETE) ``items`` through SES import jobs, audited like `change`
    with the job ids and counts as the outcome."""
    details = {"action": "import" if action == "PUT" else "remove", "mode": "bulk", "count": len(items), "s3_url": s3_url}
    with connect(settings, rate=rate) as conn, audit.audited("suppression", details, addresses=[i.address for i in items]) as entry:
        s3 = conn.aws.client("s3")
        report = run_import(
            conn.gateway, s3, s3_url, items, action=action, keep_upload=keep_upload,
            timeout=timeout, poll_seconds=poll_seconds, on_progress=on_progress,
        )  # fmt: skip
        if entry is not None:
            entry.set(jobs=[j.to_dict() for j in report.jobs], counts={"processed": report.processed, "failed": report.failed})
    return report


def import_jobs(settings: Settings, job_id: str | None = None, rate: RatesInput = None) -> list[dict[str, Any]]:
    """The suppression-list import jobs (or the one ``job_id``), without addresses."""
    with connect(settings, rate=rate) as conn:
        return [job_outcome(conn.gateway, job_id)] if job_id else list_jobs(conn.gateway)


__all__ = ["bulk_import", "change", "export", "import_jobs", "listing"]
