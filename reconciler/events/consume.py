"""The consumer: batches from a source -> facts -> one store transaction per batch -> the
source is told (SQS messages deleted only now).

Where a consumer can stop, and what happens then:
- before the commit: nothing of the batch is stored; SQS gives the messages again after their
  visibility timeout, S3 objects are not marked read, files are read again;
- after the commit, before the delete: the messages come again and their events are
  duplicates (every event has its key), so they count once.
So a consumer killed anywhere and started again loses and duplicates nothing, and several
consumers can share a queue and a store.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field

from reconciler.events.parsing import ParallelParser, Parsed, parse_items
from reconciler.events.sources import Batch, Source
from reconciler.events.store import EventStore, now_ms

log = logging.getLogger(__name__)

DEFAULT_RETENTION_DAYS = 90
RETENTION_EVERY_S = 600.0


@dataclass
class BatchResult:
    origin: str
    received: int
    added: int
    duplicates: int
    quarantined: int
    controls: int
    expired: int
    unacknowledged: int
    lag_p95_ms: int | None
    lag_max_ms: int | None


@dataclass
class ConsumeReport:
    batches: int = 0
    received: int = 0
    added: int = 0
    duplicates: int = 0
    quarantined: int = 0
    controls: int = 0
    expired: int = 0
    unacknowledged: int = 0
    lag_p95_ms: int | None = None  # the worst batch's p95
    lag_max_ms: int | None = None
    retention_removed: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def parse_batch(batch: Batch, store: EventStore) -> Parsed:
    """Facts, quarantined records and the number of control messages in a batch. Never raises
    for a record: whatever cannot be read is quarantined with the reason."""
    return parse_items(((item.raw, item.origin) for item in batch.items), store.hasher)


def _parsed(source: Source, store: EventStore, workers: int) -> Iterator[tuple[Batch, Parsed]]:
    if workers < 1:
        for batch in source.batches():
            yield batch, parse_batch(batch, store)
        return
    parser = ParallelParser(store.hasher.key, workers)
    yield from parser.run((batch, [(item.raw, item.origin) for item in batch.items]) for batch in source.batches())


def consume(
    store: EventStore,
    source: Source,
    *,
    retention_days: int = DEFAULT_RETENTION_DAYS,
    on_batch: Callable[[BatchResult], None] | None = None,
    clock: Callable[[], int] = now_ms,
    workers: int = 0,
) -> ConsumeReport:
    """Read ``source`` to its end (or until it is stopped) into ``store``. ``workers`` > 0
    parses batches in that many processes while this one commits (files and S3 objects: a
    queue's messages must not be read ahead of their commit)."""
    report = ConsumeReport()
    report.retention_removed = store.apply_retention(retention_days, clock())
    last_retention = time.monotonic()
    for batch, (found, quarantined, controls) in _parsed(source, store, workers):
        cutoff = clock() - retention_days * 86_400_000
        kept = [fact for fact in found if fact.event_time >= cutoff]
        result = store.commit(
            kept,
            origin=batch.origin,
            quarantined=quarantined,
            objects=batch.objects,
            received=len(batch.items),
            controls=controls,
            committed_at=clock(),
        )
        unacknowledged = source.acknowledge(batch)
        outcome = BatchResult(
            origin=batch.origin,
            received=len(batch.items),
            added=result.added,
            duplicates=result.duplicates,
            quarantined=result.quarantined,
            controls=controls,
            expired=len(found) - len(kept),
            unacknowledged=unacknowledged,
            lag_p95_ms=result.lag_p95_ms,
            lag_max_ms=result.lag_max_ms,
        )
        report.batches += 1
        report.received += outcome.received
        report.added += outcome.added
        report.duplicates += outcome.duplicates
        report.quarantined += outcome.quarantined
        report.controls += outcome.controls
        report.expired += outcome.expired
        report.unacknowledged += unacknowledged
        if outcome.lag_p95_ms is not None:
            report.lag_p95_ms = max(report.lag_p95_ms or 0, outcome.lag_p95_ms)
        if outcome.lag_max_ms is not None:
            report.lag_max_ms = max(report.lag_max_ms or 0, outcome.lag_max_ms)
        if on_batch is not None:
            on_batch(outcome)
        if time.monotonic() - last_retention > RETENTION_EVERY_S:
            removed = store.apply_retention(retention_days, clock())
            for table, count in removed.items():
                report.retention_removed[table] = report.retention_removed.get(table, 0) + count
            last_retention = time.monotonic()
    return report
