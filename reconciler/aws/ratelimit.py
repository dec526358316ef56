"""Client-side rate limits and retries for SES calls.

SES throttles most control-plane operations at about one request per second *per operation*
and returns no Retry-After header. So sesctl keeps one token bucket per operation (calls to
different operations never wait for each other) and retries throttling and 5xx answers with
full-jitter exponential backoff, bounded in attempts, in total time and by a deadline.

    limits = RateLimits.parse("5")                     # every operation 5/s
    limits = RateLimits.parse({"GetEmailTemplate": 2}) # one operation 2/s, the rest 1/s
    limits.bucket("GetEmailTemplate").acquire(deadline=time.monotonic() + 30)

Buckets *reserve* their slot under a lock and sleep outside it, so N threads sharing a
bucket at rate r are spaced exactly 1/r apart, whatever their number.

Pacing to meet SES exactly (docs/performance.md): SES's bucket holds one token, so a client
spacing its requests 1/r apart by its own clock overruns it whenever one request is delayed on
its way and the next is not. With one token (the default burst) a bucket is *spaced*: one
request of its operation in flight, the next sent one interval after the previous one's answer
came (the server counted it before answering), so the server never sees two closer than 1/r,
at the cost of one round trip per request rather than a margin. Buckets with a larger burst
pace ``PACING_MARGIN`` under the rate instead. A bucket told of a throttle slows down
(multiplicative decrease), and each success after it speeds it up again by a step (additive
recovery). A throttled call may retry past its own ``max_attempts`` while the run's RetryBudget
lasts, so one unlucky read does not abort a 2,000-template plan.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

DEFAULT_RATE = 1.0  # requests per second: SES's documented limit for many control-plane calls
DEFAULT_BURST = 1.0
PACING_MARGIN = 0.95  # buckets with a burst over 1 pace this fraction of the configured rate
SLOWDOWN = 0.7  # a throttle multiplies a bucket's rate by this...
RECOVERY_STEP = 0.1  # ...and each success adds back this fraction of its paced rate
MIN_FRACTION = 0.1  # never slower than this fraction of the paced rate


class DeadlineExceeded(Exception):
    """Waiting for a token (or a backoff) would pass the caller's deadline."""

    def __init__(self, operation: str, wait: float) -> None:
        super().__init__(f"{operation}: waiting {wait:.1f}s for the rate limit would pass the deadline")
        self.operation = operation
        self.wait = wait


@dataclass
class TokenBucket:
    """``rate`` tokens per second (times ``margin``: the paced rate), at most ``burst`` saved
    up; :meth:`throttled` slows it down, :meth:`succeeded` recovers. Thread-safe."""

    rate: float
    burst: float = DEFAULT_BURST
    operation: str = ""
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    margin: float = 1.0
    # One request in flight, the next one interval after its answer (see enter).
    spaced: bool = False
    _tokens: float = field(init=False)
    _updated: float = field(init=False)
    _current: float = field(init=False)
    _last_done: float | None = field(init=False, default=None)
    _busy: bool = field(init=False, default=False)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)
    _free: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        if self.rate <= 0:
            raise ValueError(f"rate for {self.operation or 'an operation'} must be positive, got {self.rate}")
        if not 0 < self.margin <= 1:
            raise ValueError(f"pacing margin must be in (0, 1], got {self.margin}")
        self.burst = max(1.0, self.burst)
        self._tokens = self.burst
        self._updated = self.clock()
        self._current = self.paced
        self._free = threading.Condition(self._lock)

    @property
    def paced(self) -> float:
        """The rate this bucket runs at when nothing is throttled."""
        return self.rate * self.margin

    @property
    def current(self) -> float:
        """The rate it runs at now (below ``paced`` after a throttle, until it recovers)."""
        return self._current

    def _refill(self, now: float) -> None:
        self._tokens = min(self.burst, self._tokens + (now - self._updated) * self._current)
        self._updated = now

    def throttled(self) -> None:
        """The server refused a call for its rate: slow down, and start from an empty bucket
        (the server's is empty), so the next call waits a whole interval at the slower rate."""
        with self._lock:
            self._refill(self.clock())
            self._current = max(self.paced * MIN_FRACTION, self._current * SLOWDOWN)
            self._tokens = min(self._tokens, 0.0)

    def succeeded(self) -> None:
        """A call went through: recover a step towards the paced rate."""
        if self._current < self.paced:
            with self._lock:
                self._refill(self.clock())
                self._current = min(self.paced, self._current + self.paced * RECOVERY_STEP)

    def reserve(self, deadline: float | None = None) -> float:
        """Take a token, possibly on credit; return how long the caller must wait before using it."""
        with self._lock:
            now = self.clock()
            self._refill(now)
            wait = 0.0 if self._tokens >= 1.0 else (1.0 - self._tokens) / self._current
            if deadline is not None and now + wait > deadline:
                raise DeadlineExceeded(self.operation, wait)
            self._tokens -= 1.0  # may go negative: later callers queue behind this reservation
            return wait

    def acquire(self, deadline: float | None = None) -> float:
        """Block until this caller may make one request; return the time waited. The request
        counts as answered at once (a spaced bucket keeps its interval from this moment); callers
        that can say when the answer came use :meth:`enter` and :meth:`leave` instead."""
        waited = self.enter(deadline)
        self.leave()
        return waited

    def enter(self, deadline: float | None = None) -> float:
        """Block until this caller may send one request; return the time waited. Call
        :meth:`leave` when its answer (or error) has come.

        A ``spaced`` bucket keeps one request of its operation in flight, and sends the next one
        interval after the previous one was *answered*. The server counted the previous request
        at some moment between our sending it and its answer, and counts this one no earlier
        than we send it, so the server sees them at least one interval apart however late a
        thread wakes or a request travels: no margin under the rate is needed, and no jitter
        can make a request land early (the cost is one round trip per request)."""
        wait = self.reserve(deadline)
        if wait > 0:
            self.sleep(wait)
        while self.spaced:
            with self._free:
                while self._busy:
                    left = None if deadline is None else deadline - self.clock()
                    if left is not None and left <= 0:
                        raise DeadlineExceeded(self.operation, 1.0 / self._current)
                    self._free.wait(left)
                now = self.clock()
                gap = 0.0 if self._last_done is None else self._last_done + 1.0 / self._current - now
                if gap <= 0:
                    self._busy = True
                    break
            if deadline is not None and now + gap > deadline:
                raise DeadlineExceeded(self.operation, gap)
            self.sleep(gap)
            wait += gap
        return wait

    def leave(self) -> None:
        """The request let in by :meth:`enter` has its answer (or failed): the next may follow."""
        if not self.spaced:
            return
        with self._free:
            self._busy = False
            self._last_done = self.clock()
            self._free.notify()


RatesInput = float | int | str | Mapping[str, float] | None


@dataclass
class RateLimits:
    """One bucket per operation: ``per_operation`` overrides, else ``default`` requests/s; spaced
    (see TokenBucket.enter) when ``burst`` is 1, else paced at ``margin`` times its rate."""

    default: float = DEFAULT_RATE
    per_operation: dict[str, float] = field(default_factory=dict)
    burst: float = DEFAULT_BURST
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    margin: float = PACING_MARGIN
    _buckets: dict[str, TokenBucket] = field(init=False, default_factory=dict)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)

    @classmethod
    def parse(cls, rates: RatesInput = None, *, burst: float = DEFAULT_BURST) -> RateLimits:
        """``None`` (defaults), a number for every operation (``--rate 5``), a string of either a
        number or ``Op=rate,Op2=rate`` (``default=`` sets the rest), or a dict of the same."""
        if rates is None:
            return cls(burst=burst)
        if isinstance(rates, int | float):
            return cls(default=_positive(rates, "every operation"), burst=burst)
        if isinstance(rates, str):
            text = rates.strip()
            if "=" not in text:
                return cls(default=_positive(text, "every operation"), burst=burst)
            pairs = dict(item.split("=", 1) for item in text.split(",") if item.strip())
            rates = {key.strip(): _positive(value, key.strip()) for key, value in pairs.items()}
        table = {str(op): _positive(rate, str(op)) for op, rate in rates.items()}
        default = table.pop("default", DEFAULT_RATE)
        return cls(default=default, per_operation=table, burst=burst)

    def rate(self, operation: str) -> float:
        return self.per_operation.get(operation, self.default)

    def bucket(self, operation: str) -> TokenBucket:
        with self._lock:
            bucket = self._buckets.get(operation)
            if bucket is None:
                spaced = self.burst <= 1
                # A spaced bucket measures its interval from the previous answer, which already
                # keeps the server's view of it at or above 1/rate: no margin to give away.
                margin = 1.0 if spaced else self.margin
                bucket = TokenBucket(
                    self.rate(operation), self.burst, operation, self.clock, self.sleep, margin, spaced=spaced
                )
                self._buckets[operation] = bucket
            return bucket


def _positive(value: object, what: str) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"rate for {what} must be a number of requests per second, got {value!r}") from None
    # NaN compares false with everything and infinity never waits: either would switch the
    # client-side pacing off without a word, so both are refused like zero.
    if not (math.isfinite(number) and number > 0):
        raise ValueError(f"rate for {what} must be a positive, finite number, got {value!r}")
    return number


@dataclass(frozen=True)
class RetryPolicy:
    """Full-jitter exponential backoff: attempt n sleeps uniform(0, min(cap, base * 2**n))."""

    max_attempts: int = 6
    base: float = 0.5
    cap: float = 20.0
    max_elapsed: float = 90.0  # give up when the next sleep would pass this much time in total
    # Throttled calls may retry past max_attempts and max_elapsed while the run's budget lasts:
    # this many retries, plus one per ``budget_ratio`` of the calls that went through.
    run_budget: int = 50
    budget_ratio: float = 0.1

    def delay(self, retry: int, rng: random.Random) -> float:
        """Sleep before retry number ``retry`` (0-based)."""
        return rng.uniform(0.0, min(self.cap, self.base * (2.0**retry)))


class RetryBudget:
    """The extra retries a whole run may spend on throttled calls (one per gateway, shared by
    every operation and thread): a fixed allowance plus a share of the calls that succeeded,
    so a long run that is throttled now and then goes on, and one throttled for ever stops."""

    def __init__(self, policy: RetryPolicy) -> None:
        self._left = float(policy.run_budget)
        self._ratio = policy.budget_ratio
        self._lock = threading.Lock()

    def earn(self) -> None:
        with self._lock:
            self._left += self._ratio

    def spend(self) -> bool:
        """Take one retry; False when the budget is spent."""
        with self._lock:
            if self._left < 1.0:
                return False
            self._left -= 1.0
            return True


__all__ = [
    "DEFAULT_RATE",
    "PACING_MARGIN",
    "DeadlineExceeded",
    "RateLimits",
    "RetryBudget",
    "RetryPolicy",
    "TokenBucket",
]
