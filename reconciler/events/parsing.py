"""Raw records -> facts, quarantined records and control messages: what the consumer does to
each batch before it commits it, also in worker processes (``ParallelParser``), so that on a
machine with two cores one parses the next batch while the other writes this one.

Worker processes are started (``spawn``: nothing of the parent's SQLite connections or threads
is inherited) only once a source yields a second batch, so a small file never pays for them.
They hold the store's recipient key, in memory only, to hash addresses as the store does.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

from reconciler.events.records import Control, Fact, RecipientHasher, Unparseable, facts, unwrap
from reconciler.events.store import Quarantined

log = logging.getLogger(__name__)

Parsed = tuple[list[Fact], list[Quarantined], int]
B = TypeVar("B")


def parse_items(items: Iterable[tuple[bytes, str]], hasher: RecipientHasher) -> Parsed:
    """Facts, quarantined records and the number of control messages among (raw, origin)
    items. Never raises for a record: whatever cannot be read is quarantined with the reason."""
    found: list[Fact] = []
    quarantined: list[Quarantined] = []
    controls = 0
    for raw, origin in items:
        try:
            record = unwrap(raw)
            if isinstance(record, Control):
                controls += 1
                continue
            found.extend(facts(record, hasher))
        except Unparseable as exc:
            quarantined.append(Quarantined(origin, str(exc), raw))
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError, RecursionError) as exc:
            # A record shaped in a way no SES record is: keep it, say what broke.
            quarantined.append(Quarantined(origin, f"unreadable record: {exc.__class__.__name__}: {exc}", raw))
    return found, quarantined, controls


_worker_hasher: RecipientHasher | None = None


def _start_worker(key: bytes) -> None:
    global _worker_hasher
    _worker_hasher = RecipientHasher(key)


def _parse_in_worker(items: list[tuple[bytes, str]]) -> Parsed:
    assert _worker_hasher is not None
    return parse_items(items, _worker_hasher)


class ParallelParser:
    """Parses batches in ``workers`` processes, ahead of the caller, in order. Where processes
    cannot be started (no semaphores in a container, say) or a worker dies, the batches are
    parsed here instead: slower, never lost."""

    def __init__(self, key: bytes, workers: int) -> None:
        self.key = key
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._broken = False

    def _submit(self, items: list[tuple[bytes, str]]) -> Future[Parsed] | None:
        if self._broken:
            return None
        try:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    self.workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start_worker,
                    initargs=(self.key,),
                )
            return self._pool.submit(_parse_in_worker, items)
        except (OSError, RuntimeError, NotImplementedError) as exc:  # BrokenProcessPool is a RuntimeError
            log.warning("parsing in this process: cannot use worker processes (%s)", exc)
            self._broken = True
            return None

    def run(self, batches: Iterable[tuple[B, list[tuple[bytes, str]]]]) -> Iterator[tuple[B, Parsed]]:
        """(batch, items) -> (batch, parsed), in the order given; at most two batches per worker
        are read ahead of the one the caller holds."""
        hasher = RecipientHasher(self.key)
        pending: deque[tuple[B, list[tuple[bytes, str]], Future[Parsed] | None]] = deque()
        try:
            for batch, items in batches:
                pending.append((batch, items, None))
                if len(pending) < 2:
                    continue  # a source with one batch is parsed here, without workers
                pending = deque(
                    (b, work, future if future is not None else self._submit(work)) for b, work, future in pending
                )
                while len(pending) > 2 * self.workers:
                    yield self._done(pending.popleft(), hasher)
            while pending:
                yield self._done(pending.popleft(), hasher)
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None

    def _done(
        self, entry: tuple[B, list[tuple[bytes, str]], Future[Parsed] | None], hasher: RecipientHasher
    ) -> tuple[B, Parsed]:
        batch, items, future = entry
        if future is not None:
            try:
                return batch, future.result()
            except BrokenProcessPool as exc:  # a worker was killed (out of memory, a signal)
                log.warning("parsing in this process: a worker process died (%s)", exc)
                self._broken = True
        return batch, parse_items(items, hasher)
