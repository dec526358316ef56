"""`sesctl send` records its own sends into the event store.

Each recipient SES accepted becomes a Send fact (records.sent_fact): the campaign id (tag
``sesctl-campaign``, the run id), the template actually sent, the variant, the configuration
set and the message's tags, the recipient as the store's keyed hash and its domain. So a
campaign's sends can be counted (and its rates read, by the circuit breaker) before any SES
event arrives. The fact's key is the key of the Send event SES publishes for the same message
and recipient, so when `sesctl events consume` later reads that event it counts once.

The dispatcher calls the recorder under its lock, possibly from a worker thread, at the pace of
SES's answers. Writing there would put the disk in the send's path (a commit waits for the
store's lock and, now and then, a WAL checkpoint's fsync), so the recorder only queues the
sends; one writer thread commits them, several answers per transaction when they pile up, and
``close()`` waits for the queue to drain. A store that cannot be written does not stop a
campaign whose messages are already on their way: recording stops and the report says why
(SES's own Send events still reach the store through the consumer). A process killed before the
queue drained loses those records the same way, and SES's events fill the gap.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from reconciler.events.records import Fact, sent_fact
from reconciler.events.store import EventStore, StoreError, now_ms
from reconciler.sending.dispatch import SentMessage

if TYPE_CHECKING:
    from reconciler.sending.job import SendJob
    from reconciler.sending.report import SendReport

log = logging.getLogger(__name__)

MAX_FACTS_PER_COMMIT = 5000
_DONE = None


class SendRecorder:
    def __init__(self, store: EventStore, *, from_address: str, configuration_set: str | None) -> None:
        self.store = store
        self.from_address = from_address
        self.configuration_set = configuration_set
        self.recorded = 0
        self.failure: str | None = None  # why recording stopped, if it did
        self._queue: queue.Queue[list[Fact] | None] = queue.Queue()
        self._writer = threading.Thread(target=self._write, name="sesctl-send-recorder", daemon=True)
        self._writer.start()

    @classmethod
    def open(cls, path: Path, *, from_address: str, configuration_set: str | None) -> SendRecorder:
        """Open (creating when needed) the store at ``path``; a StoreError if it cannot be."""
        store = EventStore.open(path, shared=True)  # opened here, written by the writer thread
        return cls(store, from_address=from_address, configuration_set=configuration_set)

    @classmethod
    def for_job(cls, path: Path, job: SendJob) -> SendRecorder:
        """The recorder of ``job``'s sends into the store at ``path``."""
        return cls.open(path, from_address=job.from_address, configuration_set=job.configuration_set)

    def finish(self, report: SendReport) -> None:
        """Wait for the queue, then say in ``report`` what was recorded (and why recording
        stopped, if it did)."""
        self.flush()
        report.recorded = self.recorded
        if self.failure is not None:
            report.warnings.append(f"sends stopped being recorded in the event store: {self.failure}")

    def __call__(self, sent: Sequence[SentMessage]) -> None:
        if self.failure is not None:
            return
        stamp = now_ms()
        self._queue.put(
            [
                sent_fact(
                    self.store.hasher,
                    message_id=message.message_id,
                    recipient=message.email,
                    sent_at_ms=stamp,
                    tags=dict(message.tags),
                    configuration_set=self.configuration_set,
                    template=message.template,
                    variant=message.variant,
                    from_address=self.from_address,
                )
                for message in sent
                if message.message_id
            ]
        )

    def flush(self) -> None:
        """Wait until everything queued so far is committed (or recording has stopped)."""
        self._queue.join()

    def close(self) -> None:
        """Commit what is queued, stop the writer, close the store."""
        self._queue.put(_DONE)
        self._writer.join()
        self.store.close()

    def _write(self) -> None:
        while True:
            first = self._queue.get()
            if first is _DONE:
                self._queue.task_done()
                return
            facts, taken = list(first), 1
            done = False
            while len(facts) < MAX_FACTS_PER_COMMIT:  # what piled up meanwhile goes in the same commit
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                taken += 1
                if more is _DONE:
                    done = True
                    break
                facts.extend(more)
            self._commit(facts)
            for _ in range(taken):
                self._queue.task_done()
            if done:
                return

    def _commit(self, facts: list[Fact]) -> None:
        if self.failure is not None or not facts:
            return
        try:
            result = self.store.commit(facts, origin="sesctl send", consumed=False)
        except (StoreError, sqlite3.Error, ValueError) as exc:
            # Whatever the store does, the writer must go on draining the queue: close() and
            # flush() wait for it.
            self.failure = str(exc)
            log.warning("recording sends into the event store stopped: %s", exc)
            return
        self.recorded += result.added + result.duplicates  # a duplicate: SES's Send event came first
