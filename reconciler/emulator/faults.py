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

import difflib
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


# SES's own per-operation rates for ``throttle="ses"``: the API reference says "no more than
# once per second" of most control-plane operations, the archived "Limits in Amazon SES" page
# says so of every operation but the sends, and BatchGetMetricData allows 16 calls a second.
# The sends are limited by the account's MaxSendRate instead (operations/sending.py).
SES_RATES: dict[str, float] = {"BatchGetMetricData": 16.0}
SES_DEFAULT_RATE = 1.0
UNTHROTTLED_BY_SES = frozenset({"SendEmail", "SendBulkEmail"})


def ses_operations() -> list[str]:
    from reconciler.emulator.router import service_model

    return list(service_model().operation_names)


def operation_errors(operation: str) -> dict[str, int]:
    """The error codes the sesv2 model lists for ``operation``, with their HTTP status."""
    from reconciler.emulator.router import service_model

    model = service_model().operation_model(operation)
    return {e.name: int(e.metadata.get("error", {}).get("httpStatusCode", 400)) for e in model.error_shapes}


def _closest(name: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.5)
    return f" (did you mean {close[0]}?)" if close else ""


@dataclass
class FaultConfig:
    # Requests per second per operation, or "ses" for SES's own per-operation rates.
    throttle_rps: float | str | None = None
    # Tokens a bucket saves up (requests that may come at once after a pause); None: one
    # second's worth, at least 1. SES documents no burst; at its 1/s a second call within the
    # same second is refused, which is what None gives.
    throttle_burst: float | None = None
    fault_rate: float = 0.0
    # throttle, 500, 503, 5xx, or an error code the faulted operations list in the SES model
    # (ConcurrentModificationException, LimitExceededException, ConflictException, ...).
    fault_kind: str = "throttle"
    fault_operations: list[str] | None = None
    seed: int | None = 0

    def validate(self) -> None:
        rps = self.throttle_rps
        if isinstance(rps, str) and rps != "ses":
            raise ValueError("throttle_rps must be a positive number, 'ses', or None for no throttling")
        if isinstance(rps, int | float) and not rps > 0:  # also refuses NaN
            raise ValueError("throttle_rps must be positive (or None for no throttling)")
        if self.throttle_burst is not None and not self.throttle_burst >= 1:
            raise ValueError("throttle_burst must be at least 1")
        if not 0.0 <= self.fault_rate <= 1.0:
            raise ValueError("fault_rate must be between 0 and 1")
        known = ses_operations()
        for operation in self.fault_operations or []:
            if operation not in known:
                raise ValueError(
                    f"fault_operations: no SES v2 operation {operation!r}{_closest(operation, known)}"
                )
        if self.fault_kind not in FAULT_KINDS:
            self._check_named_error(known)

    def _check_named_error(self, known: list[str]) -> None:
        code = self.fault_kind
        targets = self.fault_operations or known
        able = [op for op in targets if code in operation_errors(op)]
        codes = sorted({c for op in known for c in operation_errors(op)})
        if code not in codes:
            raise ValueError(
                f"fault_kind must be one of {', '.join(FAULT_KINDS)} or an SES error code; "
                f"{code!r} is not one{_closest(code, codes)}"
            )
        cannot = [op for op in targets if op not in able]
        if self.fault_operations and cannot:
            raise ValueError(
                f"{', '.join(cannot)} cannot answer {code} (not in the SES model's errors for it)"
            )

    def rate_for(self, operation: str) -> float | None:
        """The throttling rate of ``operation``: None when it is not throttled."""
        if self.throttle_rps == "ses":
            if operation in UNTHROTTLED_BY_SES:
                return None
            return SES_RATES.get(operation, SES_DEFAULT_RATE)
        return None if self.throttle_rps is None else float(self.throttle_rps)


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

    def take(self, amount: float, rate: float, now: float, burst: float | None = None) -> bool:
        """Spend ``amount`` tokens if the bucket holds them now; False (nothing spent) if not.
        The bucket holds at most ``burst`` tokens (default one second's worth, at least 1)."""
        capacity = burst if burst is not None else max(1.0, rate)
        self.tokens = min(capacity, self.tokens + (now - self.updated) * rate)
        self.updated = now
        if amount > self.tokens:
            return False
        self.tokens -= amount
        return True

    @classmethod
    def full(cls, rate: float, now: float, burst: float | None = None) -> RefusingBucket:
        return cls(burst if burst is not None else max(1.0, rate), now)


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
        rps = self.config.rate_for(operation)
        if rps is None:
            return None
        now = self.monotonic()
        burst = self.config.throttle_burst
        bucket = self._buckets.setdefault((region, operation), RefusingBucket.full(rps, now, burst))
        if bucket.take(1.0, rps, now, burst):
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
        if kind == "throttle":
            return TooManyRequestsException(f"Injected fault: rate exceeded for {operation}")
        status = operation_errors(operation).get(kind)
        if status is None:  # named error the operation cannot answer: leave this call alone
            return None
        return named_error(kind, status, f"Injected fault: {kind} in {operation}")


def named_error(code: str, status: int, message: str) -> SesApiError:
    """An SesApiError answering SES's ``code`` with HTTP ``status``."""
    error = SesApiError(message)
    error.code = code
    error.status = status
    return error
