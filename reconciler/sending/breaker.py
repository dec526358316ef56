"""The campaign circuit breaker: a send pauses itself before it hurts the account's reputation.

While a campaign sends, the breaker watches two things:

* **its own bounce and complaint rates**, read through a ``RateProbe`` (the event store that
  `sesctl events consume` fills beside the send, or CloudWatch; see reconciler/events/watch.py),
  at most every ``check_every`` seconds, judged against the alert thresholds only once the
  campaign has a minimum sample of sends;
* **SES's error stream**: failed entries in a row, the share of failed entries once enough have
  been answered, and SendBulkEmail calls failing in a row (throttling does not count: it is
  pacing, handled by retries).

When one trips, the breaker raises ``Pause`` (a ``Stop``): the engine ends the run exactly as on
Ctrl-C (the calls in flight finish and are journaled, nothing is in doubt, the rest is unsent),
writes a ``pause`` line with the reason and the rates seen into the checkpoint, and reports
them. `sesctl send --resume` continues after a human has looked.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from reconciler.errors import ReconcilerError
from reconciler.sending.stop import Stop


@dataclass(frozen=True)
class BreakerLimits:
    """When the error stream trips the breaker (the rate thresholds live with the probe)."""

    consecutive_failures: int = 20  # failed entries in a row
    failure_ratio: float = 0.2  # failed / answered entries over the last failure_window ...
    failure_window: int = 200
    failure_sample: int = 50  # ... once at least this many entries were answered
    consecutive_call_errors: int = 5  # SendBulkEmail calls failing in a row (not throttling)
    check_every: float = 2.0  # seconds between two rate reads


@dataclass(frozen=True)
class RateReading:
    """The campaign's rates as one source saw them, judged against the thresholds."""

    source: str  # "store" or "cloudwatch"
    sends: int
    rates: Mapping[str, float | None]  # bounce_rate (hard bounces where the source knows), complaint_rate
    over: tuple[str, ...] = ()  # one message per threshold crossed; empty: within
    note: str | None = None  # e.g. "below the minimum sample of 100 sends"

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "sends": self.sends, "rates": dict(self.rates), "over": list(self.over)}


# (campaign id, sent since) -> the campaign's rates; raises ReconcilerError when it cannot read them.
RateProbe = Callable[[str, datetime], RateReading]
PROBE_FAILURES = 3  # rate reads failing in a row before the breaker pauses (it cannot watch)


class TripSignal(Protocol):
    """The shards of one campaign pause together: a trip in one is seen by the others."""

    def trip(self, reason: str, details: dict[str, Any]) -> None:
        """This shard's breaker tripped (told before it stops)."""
        ...

    def tripped(self) -> tuple[str, dict[str, Any]] | None:
        """Another shard's trip (its reason and details, saying which shard), or None."""
        ...


class Pause(Stop):
    """The breaker tripped: the run stops cleanly and says why."""

    def __init__(self, reason: str, details: dict[str, Any]) -> None:
        super().__init__(reason)
        self.details = details


@dataclass
class _Errors:
    in_a_row: int = 0
    calls_in_a_row: int = 0
    recent: deque[bool] = field(default_factory=deque)  # True: failed


class CircuitBreaker:
    """Called by the dispatcher after every answered batch and failed call (under its lock,
    possibly on a worker thread); raises Pause when a limit is crossed."""

    def __init__(
        self,
        limits: BreakerLimits,
        probe: RateProbe | None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = limits
        self.probe = probe
        self.clock = clock
        self.last: RateReading | None = None
        self.campaign = ""
        self.since = datetime.now(UTC)
        self._probe_failures = 0
        self._errors = _Errors()
        self._next_check = 0.0
        self._lock = threading.Lock()
        # A sharded run's shards share their trips: the others pause at their next batch.
        self.shared: TripSignal | None = None

    def begin(self, campaign: str) -> None:
        """A run of ``campaign`` starts: its rates count from now (mail sent by this session)."""
        self.campaign = campaign
        self.since = datetime.now(UTC)

    def after_batch(self, sent: int, failed: int) -> None:
        with self._lock:
            self._check_shared()
            errors = self._errors
            errors.calls_in_a_row = 0
            errors.in_a_row = 0 if sent else errors.in_a_row + failed
            errors.recent.extend([False] * sent + [True] * failed)
            while len(errors.recent) > self.limits.failure_window:
                errors.recent.popleft()
            self._check_errors()
            self._check_rates()

    def after_call_error(self, code: str) -> None:
        with self._lock:
            self._check_shared()
            self._errors.calls_in_a_row += 1
            if self._errors.calls_in_a_row >= self.limits.consecutive_call_errors:
                self._trip(
                    "errors",
                    f"{self._errors.calls_in_a_row} SendBulkEmail calls in a row failed (last: {code})",
                )

    # ---- inside the lock -------------------------------------------------------------------

    def _check_shared(self) -> None:
        elsewhere = self.shared.tripped() if self.shared is not None else None
        if elsewhere is not None:
            reason, details = elsewhere
            raise Pause(reason, details)

    def _check_errors(self) -> None:
        limits, errors = self.limits, self._errors
        if errors.in_a_row >= limits.consecutive_failures:
            self._trip("errors", f"{errors.in_a_row} recipients in a row failed at SES")
        answered = len(errors.recent)
        if answered >= limits.failure_sample:
            failed = sum(errors.recent)
            if failed / answered > limits.failure_ratio:
                self._trip(
                    "errors",
                    f"{failed} of the last {answered} recipients failed at SES "
                    f"({failed / answered:.0%}, over {limits.failure_ratio:.0%})",
                )

    def _check_rates(self) -> None:
        if self.probe is None or self.clock() < self._next_check:
            return
        self._next_check = self.clock() + self.limits.check_every
        try:
            reading = self.probe(self.campaign, self.since)
        except ReconcilerError as exc:
            self._probe_failures += 1
            if self._probe_failures >= PROBE_FAILURES:
                self._trip("unwatched", f"the campaign's rates cannot be read ({exc})")
            return
        self._probe_failures = 0
        self.last = reading
        if reading.over:
            self._trip("rates", "; ".join(reading.over) + f" (source: {reading.source})")

    def _trip(self, trigger: str, why: str) -> None:
        details: dict[str, Any] = {
            "trigger": trigger,
            "why": why,
            "failed_in_a_row": self._errors.in_a_row,
            "failed_recently": sum(self._errors.recent),
            "answered_recently": len(self._errors.recent),
        }
        if self.last is not None:
            details["rates_seen"] = self.last.to_dict()
        reason = f"paused by the circuit breaker: {why}"
        if self.shared is not None:
            self.shared.trip(reason, details)
        raise Pause(reason, details)
