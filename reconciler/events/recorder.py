"""`sesctl send` records its own sends into the event store.

Each recipient SES accepted becomes a Send fact (records.sent_fact): the campaign id (tag
``sesctl-campaign``, the run id), the template actually sent, the variant, the configuration
set and the message's tags, the recipient as the store's keyed hash and its domain. So a
campaign's sends can be counted (and its rates read, by the circuit breaker) before any SES
event arrives. The fact's key is the key of the Send event SES publishes for the same message
and recipient, so when `sesctl events consume` later reads that event it counts once.

The dispatcher calls the recorder under its own lock, possibly from a worker thread, hence one
connection opened ``shared`` and a lock of our own. A store that cannot be written does not
stop a campaign whose messages are already on their way: the recorder stops recording and the
report says so (the events SES publishes still reach the store through the consumer).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path

from reconciler.events.records import sent_fact
from reconciler.events.store import EventStore, StoreError, now_ms
from reconciler.sending.dispatch import SentMessage

log = logging.getLogger(__name__)


class SendRecorder:
    def __init__(self, store: EventStore, *, from_address: str, configuration_set: str | None) -> None:
        self.store = store
        self.from_address = from_address
        self.configuration_set = configuration_set
        self.recorded = 0
        self.failure: str | None = None  # why recording stopped, if it did
        self._lock = threading.Lock()

    @classmethod
    def open(cls, path: Path, *, from_address: str, configuration_set: str | None) -> SendRecorder:
        """Open (creating when needed) the store at ``path``; a StoreError if it cannot be."""
        return cls(
            EventStore.open(path, shared=True), from_address=from_address, configuration_set=configuration_set
        )

    def close(self) -> None:
        with self._lock:
            self.store.close()

    def __call__(self, sent: Sequence[SentMessage]) -> None:
        with self._lock:
            if self.failure is not None:
                return
            stamp = now_ms()
            facts = [
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
            try:
                result = self.store.commit(facts, origin="sesctl send", consumed=False)
            except StoreError as exc:
                self.failure = str(exc)
                log.warning("recording sends into the event store stopped: %s", exc)
                return
            self.recorded += result.added + result.duplicates  # a duplicate: SES's Send event came first
