"""The sending part of the emulator's SES state: the 24-hour quota window, the send-rate
bucket and the ring of sent messages that tests inspect.

Only the quota window is persisted (it must survive a restart, as SES's does). The sent-message
ring and the rate bucket live in memory: persisting 10,000 rendered messages on every send
would make each SendBulkEmail pay for a multi-megabyte state write.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, PrivateAttr

from reconciler.emulator.faults import RefusingBucket

SENT_RING_SIZE = 10_000
VDM_RECORDS = 200_000  # the newest VDM data points kept (vdm.py); older ones leave the counts
# BatchGetMetricData's limits: 16 calls a second and 160 queries a second (the API reference)
VDM_CALLS_PER_SECOND = 16.0
VDM_QUERIES_PER_SECOND = 160.0
WINDOW_SECONDS = 24 * 3600
BUCKET_SECONDS = 60  # the quota window is counted in one-minute buckets


class SentMessage(BaseModel):
    """One accepted message as the emulator saw it (what ``sent_messages`` returns)."""

    message_id: str
    timestamp: datetime
    source: str
    source_arn: str = ""
    to: list[str] = Field(default_factory=list)
    cc: list[str] = Field(default_factory=list)
    bcc: list[str] = Field(default_factory=list)
    reply_to: list[str] = Field(default_factory=list)
    subject: str | None = None
    html: str | None = None
    text: str | None = None
    raw: str | None = None
    headers: list[dict[str, str]] = Field(default_factory=list)
    tags: dict[str, str] = Field(default_factory=dict)
    configuration_set: str | None = None
    template: str | None = None
    template_data: str | None = None
    # recipient -> delivered | bounced | complained | suppressed | rendering_failure
    outcomes: dict[str, str] = Field(default_factory=dict)
    error: str | None = None
    # ListManagementOptions of SendEmail: {"ContactListName": ..., "TopicName": ...}
    list_management: dict[str, str] | None = None
    # The ses:operation tag of its event records.
    operation: str = "SendEmail"
    # The TenantName it was sent through (None: none named).
    tenant: str | None = None

    @property
    def recipients(self) -> list[str]:
        return [*self.to, *self.cc, *self.bcc]


@dataclass(frozen=True)
class VdmRecord:
    """One count towards a VDM metric (see vdm.py for which events count)."""

    at: datetime
    metric: str  # SEND, DELIVERY, PERMANENT_BOUNCE, ... (BatchGetMetricData's Metric)
    message_id: str
    identity: str  # EMAIL_IDENTITY: the identity the message was sent through
    configuration_set: str  # CONFIGURATION_SET ("" without one)
    isp: str  # ISP: the recipient's mailbox provider


class SendingState(BaseModel):
    # minute (epoch seconds // 60) -> recipients counted against the daily quota
    quota_window: dict[int, float] = Field(default_factory=dict)

    _sent: deque[SentMessage] = PrivateAttr(default_factory=lambda: deque(maxlen=SENT_RING_SIZE))
    _rate_bucket: RefusingBucket | None = PrivateAttr(default=None)
    # Test hook: answer the next N bulk entries with TRANSIENT_FAILURE (admin configure_sending).
    _transient_failures: int = PrivateAttr(default=0)
    _vdm: deque[VdmRecord] = PrivateAttr(default_factory=lambda: deque(maxlen=VDM_RECORDS))
    _vdm_calls: RefusingBucket | None = PrivateAttr(default=None)
    _vdm_queries: RefusingBucket | None = PrivateAttr(default=None)

    # ---- the 24-hour quota ---------------------------------------------------------------

    def count_sent(self, now: datetime, recipients: float) -> None:
        """Remember ``recipients`` sent now, so they leave the 24-hour count a day later."""
        minute = int(now.timestamp()) // BUCKET_SECONDS
        self.quota_window[minute] = self.quota_window.get(minute, 0.0) + recipients

    def expire(self, now: datetime) -> float:
        """Forget buckets older than 24 hours; returns how many recipients they held."""
        oldest = (int(now.timestamp()) - WINDOW_SECONDS) // BUCKET_SECONDS
        expired = 0.0
        for minute in [m for m in self.quota_window if m <= oldest]:
            expired += self.quota_window.pop(minute)
        return expired

    def reset_quota(self) -> None:
        self.quota_window.clear()

    # ---- the send rate -----------------------------------------------------------------------

    def take_rate(self, recipients: int, max_send_rate: float) -> bool:
        """Spend ``recipients`` from a token bucket refilled at MaxSendRate per second and
        holding at most one second's worth; False (nothing spent) if there are too few."""
        now = time.monotonic()
        if self._rate_bucket is None:
            self._rate_bucket = RefusingBucket.full(max_send_rate, now)
        return self._rate_bucket.take(recipients, max_send_rate, now)

    # ---- transient failure injection ---------------------------------------------------------

    def inject_transient_failures(self, count: int) -> None:
        self._transient_failures = max(0, count)

    def take_transient_failure(self) -> bool:
        if self._transient_failures > 0:
            self._transient_failures -= 1
            return True
        return False

    # ---- the sent-message ring ---------------------------------------------------------------

    def remember(self, message: SentMessage) -> None:
        self._sent.append(message)

    def find(self, message_id: str) -> SentMessage | None:
        for message in reversed(self._sent):
            if message.message_id == message_id:
                return message
        return None

    def messages(self) -> list[SentMessage]:
        return list(self._sent)

    def clear_messages(self) -> None:
        self._sent.clear()

    # ---- VDM's data points ---------------------------------------------------------------------

    def count_vdm(self, record: VdmRecord) -> None:
        self._vdm.append(record)

    def vdm_records(self) -> Iterator[VdmRecord]:
        return iter(self._vdm)

    def take_vdm_call(self, queries: int) -> bool:
        """One BatchGetMetricData call of ``queries`` queries within SES's 16 calls and 160
        queries a second; False (nothing spent) when either is used up."""
        now = time.monotonic()
        if self._vdm_calls is None or self._vdm_queries is None:
            self._vdm_calls = RefusingBucket.full(VDM_CALLS_PER_SECOND, now)
            self._vdm_queries = RefusingBucket.full(VDM_QUERIES_PER_SECOND, now)
        if not self._vdm_calls.take(1, VDM_CALLS_PER_SECOND, now):
            return False
        if not self._vdm_queries.take(queries, VDM_QUERIES_PER_SECOND, now):
            self._vdm_calls.tokens += 1  # give the call back: nothing was answered
            return False
        return True

    def summary(self) -> dict[str, Any]:
        return {"stored": len(self._sent), "ring_size": SENT_RING_SIZE}
