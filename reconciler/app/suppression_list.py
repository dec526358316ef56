"""The suppression-list use cases behind `sesctl suppression`: reads through the gateway (so
paced and retried), changes audited with the addresses as keyed hashes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from reconciler import audit
from reconciler.app.connect import connect
from reconciler.aws.ratelimit import RatesInput
from reconciler.settings import Settings
from reconciler.suppression import Entry, add, entries, remove, write_entries
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


__all__ = ["change", "export", "listing"]
