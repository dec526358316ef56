"""SES-like throttling and fault injection, for the reliability tests of callers.

Both are off by default and apply only to SES v2 calls (not to the moto services beside it).

- Throttling: a token bucket per operation (and region) refilled at ``throttle_rps`` tokens per
  second, holding at most ``max(1, throttle_rps)`` tokens. An empty bucket answers
  ``TooManyRequestsException`` (HTTP 429), as SES does when a caller exceeds its rate.
- Faults: each call is failed with probability ``fault_rate`` (only the operations named in
  ``fault_operations``, when set). ``fault_kind`` chooses the answer: ``throttle``
  (TooManyRequestsException, 429), ``500`` (InternalFailure), ``503`` (ServiceUnavailable) or
  ``5xx`` (500 or 503 at random). The RNG is seeded (``seed``) so a test sees the same
  sequence of failures on every run.

Both can be set at start (``sesctl local serve --throttle/--fault-rate``, ``local_emulator(...)``)
and changed at run time (``POST /_sesctl/config``, ``LocalEmulator.configure``).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from reconciler.emulator.errors import SesApiError, TooManyRequestsException

FAULT_KINDS = ("throttle", "500", "503", "5xx")


class InternalFailure(SesApiError):
    code = "InternalFailure"
    status = 500


class ServiceUnavailable(SesApiError):
    code = "ServiceUnavailable"
    status = 503


@dataclass
class FaultConfig:
    throttle_rps: float | None = None
    fault_rate: float = 0.0
    fault_kind: str = "throttle"
    fault_operations: list[str] | None = None
    seed: int | None = 0

    def validate(self) -> None:
        if self.throttle_rps is not None and self.throttle_rps <= 0:
            raise ValueError("throttle_rps must be positive (or None for no throttling)")
        if not 0.0 <= self.fault_rate <= 1.0:
            raise ValueError("fault_rate must be between 0 and 1")
        if self.fault_kind not in FAULT_KINDS:
            raise ValueError(f"fault_kind must be one of {', '.join(FAULT_KINDS)}")


# Why not reconciler.aws.ratelimit.TokenBucket (the same refill arithmetic, in a module that
# does not import boto3): that is a client's bucket. Its reserve() takes a token even when
# none is there (on credit) and tells the caller how long to sleep, so callers queue. A server
# answers an empty bucket with a refusal and takes nothing, so a refused call does not cost
# the next one its turn. TokenBucket has no take-if-available call, and reserve(deadline=now)
# is not one: it reads its own clock, a moment after ours, and would refuse calls it could
# serve. Adding that call to TokenBucket would let it serve both; until then the emulator keeps
# this small refusing bucket (sending_state.SendingState.take_rate refuses the same way for
# MaxSendRate and could use it too).
@dataclass
class RefusingBucket:
    """``rate`` tokens a second, at most ``max(1, rate)`` saved up; starts full."""

    tokens: float
    updated: float

    def take(self, amount: float, rate: float, now: float) -> bool:
        """Spend ``amount`` tokens if the bucket holds them now; False (nothing spent) if not."""
        capacity = max(1.0, rate)
        self.tokens = min(capacity, self.tokens + (now - self.updated) * rate)
        self.updated = now
        if amount > self.tokens:
            return False
        self.tokens -= amount
        return True

    @classmethod
    def full(cls, rate: float, now: float) -> RefusingBucket:
        return cls(max(1.0, rate), now)


@dataclass
class FaultInjector:
    config: FaultConfig = field(default_factory=FaultConfig)
    monotonic: Callable[[], float] = time.monotonic
    _buckets: dict[tuple[str, str], RefusingBucket] = field(default_factory=dict)
    _rng: random.Random = field(default_factory=random.Random)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.reconfigure(self.config)

    def reconfigure(self, config: FaultConfig) -> None:
        config.validate()
        with self._lock:
            self.config = config
            self._buckets.clear()
            self._rng.seed(config.seed)

    def check(self, operation: str, region: str) -> SesApiError | None:
        """The error to answer instead of running the operation, or None to run it."""
        with self._lock:
            return self._throttled(operation, region) or self._injected(operation)

    def _throttled(self, operation: str, region: str) -> SesApiError | None:
        rps = self.config.throttle_rps
        if rps is None:
            return None
        now = self.monotonic()
        bucket = self._buckets.setdefault((region, operation), RefusingBucket.full(rps, now))
        if bucket.take(1.0, rps, now):
            return None
        return TooManyRequestsException(f"Rate exceeded for {operation} (emulator limit {rps:g}/s)")

    def _injected(self, operation: str) -> SesApiError | None:
        cfg = self.config
        if cfg.fault_rate <= 0.0:
            return None
        if cfg.fault_operations and operation not in cfg.fault_operations:
            return None
        if self._rng.random() >= cfg.fault_rate:
            return None
        kind = cfg.fault_kind
        if kind == "5xx":
            kind = self._rng.choice(("500", "503"))
        if kind == "500":
            return InternalFailure(f"Injected fault: internal failure in {operation}")
        if kind == "503":
            return ServiceUnavailable(f"Injected fault: {operation} is temporarily unavailable")
        return TooManyRequestsException(f"Injected fault: rate exceeded for {operation}")
