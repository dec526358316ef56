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


class DeadlineExceeded(Exception):
    """Waiting for a token (or a backoff) would pass the caller's deadline."""

    def __init__(self, operation: str, wait: float) -> None:
        super().__init__(f"{operation}: waiting {wait:.1f}s for the rate limit would pass the deadline")
        self.operation = operation
        self.wait = wait


@dataclass
class TokenBucket:
    """``rate`` tokens per second, at most ``burst`` saved up. Thread-safe."""

    rate: float
    burst: float = DEFAULT_BURST
    operation: str = ""
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _tokens: float = field(init=False)
    _updated: float = field(init=False)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if self.rate <= 0:
            raise ValueError(f"rate for {self.operation or 'an operation'} must be positive, got {self.rate}")
        self.burst = max(1.0, self.burst)
        self._tokens = self.burst
        self._updated = self.clock()

    def reserve(self, deadline: float | None = None) -> float:
        """Take a token, possibly on credit; return how long the caller must wait before using it."""
        with self._lock:
            now = self.clock()
            self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            wait = 0.0 if self._tokens >= 1.0 else (1.0 - self._tokens) / self.rate
            if deadline is not None and now + wait > deadline:
                raise DeadlineExceeded(self.operation, wait)
            self._tokens -= 1.0  # may go negative: later callers queue behind this reservation
            return wait

    def acquire(self, deadline: float | None = None) -> float:
        """Block until this caller may make one request; return the time waited."""
        wait = self.reserve(deadline)
        if wait > 0:
            self.sleep(wait)
        return wait


RatesInput = float | int | str | Mapping[str, float] | None


@dataclass
class RateLimits:
    """One bucket per operation: ``per_operation`` overrides, else ``default`` requests/s."""

    default: float = DEFAULT_RATE
    per_operation: dict[str, float] = field(default_factory=dict)
    burst: float = DEFAULT_BURST
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
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
                bucket = TokenBucket(self.rate(operation), self.burst, operation, self.clock, self.sleep)
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

    def delay(self, retry: int, rng: random.Random) -> float:
        """Sleep before retry number ``retry`` (0-based)."""
        return rng.uniform(0.0, min(self.cap, self.base * (2.0**retry)))


__all__ = ["DEFAULT_RATE", "DeadlineExceeded", "RateLimits", "RetryPolicy", "TokenBucket"]
