"""Token buckets and backoff: spacing on a fake clock, spacing of real concurrent calls measured
on recorded timestamps (generous tolerances, no wall-time thresholds), per-operation isolation."""

from __future__ import annotations

import random
import threading
from typing import Any

import pytest

from reconciler.aws.gateway import SesGateway
from reconciler.aws.ratelimit import PACING_MARGIN, DeadlineExceeded, RateLimits, RetryPolicy, TokenBucket
from reconciler.errors import RetryableAwsError
from reconciler.testing import ACCOUNT_ID, LocalEmulator


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_bucket_reserves_slots_one_interval_apart() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=2.0, burst=1, clock=clock, sleep=clock.sleep)
    waits = [bucket.reserve() for _ in range(4)]  # four callers arriving at the same instant
    assert waits == [0.0, 0.5, 1.0, 1.5]
    clock.now += 10  # idle: the bucket refills only up to its burst
    assert [bucket.reserve() for _ in range(2)] == [0.0, 0.5]


def test_burst_allows_that_many_at_once() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=1.0, burst=3, clock=clock, sleep=clock.sleep)
    assert [bucket.reserve() for _ in range(4)] == [0.0, 0.0, 0.0, 1.0]


def test_acquire_sleeps_and_deadline_refuses_a_wait_it_cannot_meet() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=1.0, clock=clock, sleep=clock.sleep, operation="GetEmailTemplate")
    assert bucket.acquire() == 0.0
    assert bucket.acquire() == 1.0
    assert clock.now == 101.0
    with pytest.raises(DeadlineExceeded, match="GetEmailTemplate"):
        bucket.acquire(deadline=clock.now + 0.5)
    assert bucket.acquire(deadline=clock.now + 1.0) == 1.0  # the refused call took no token


def test_rate_limits_pace_a_margin_under_the_rate_only_for_buckets_with_a_burst() -> None:
    clock = FakeClock()
    spaced = RateLimits(default=1.0, clock=clock, sleep=clock.sleep).bucket("GetEmailTemplate")
    # Spaced from the previous answer (see the next tests): the full rate, no margin given away.
    assert spaced.spaced and spaced.paced == 1.0
    bursty = RateLimits(default=1.0, burst=5, clock=clock, sleep=clock.sleep).bucket("GetEmailTemplate")
    assert not bursty.spaced and bursty.paced == pytest.approx(PACING_MARGIN)
    for _ in range(5):
        assert bursty.reserve() == 0.0
    assert bursty.reserve() == pytest.approx(1 / PACING_MARGIN)  # never exactly 1/r: jitter would overrun SES


def test_a_spaced_bucket_sends_the_next_request_one_interval_after_the_previous_answer() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=1.0, clock=clock, sleep=clock.sleep, spaced=True)
    sent = []
    for travel in (0.0, 0.25, 0.0, 0.05):  # how long each request takes to be answered
        bucket.enter()
        sent.append(clock.now)
        clock.now += travel
        bucket.leave()
    # Each request goes one interval after the previous answer: the server, which counted the
    # previous one somewhere between its sending and its answer, sees them >= 1 s apart.
    assert sent == pytest.approx([100.0, 101.0, 102.25, 103.25])


def test_a_spaced_bucket_lets_one_request_in_flight_at_a_time() -> None:
    bucket = TokenBucket(rate=1000.0, spaced=True)
    in_flight = 0
    peak = 0
    lock = threading.Lock()

    def request() -> None:
        nonlocal in_flight, peak
        bucket.enter()
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        threading.Event().wait(0.005)
        with lock:
            in_flight -= 1
        bucket.leave()

    threads = [threading.Thread(target=request) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert peak == 1 and not any(t.is_alive() for t in threads)


def test_a_spaced_bucket_refuses_a_wait_past_the_deadline() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=1.0, clock=clock, sleep=clock.sleep, spaced=True, operation="GetAccount")
    bucket.enter()
    clock.now += 0.5
    bucket.leave()  # answered at 100.5: the next may go at 101.5
    with pytest.raises(DeadlineExceeded, match="GetAccount"):
        bucket.enter(deadline=101.2)


def test_a_throttle_slows_the_bucket_down_and_successes_recover_it() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=10.0, clock=clock, sleep=clock.sleep)
    assert bucket.reserve() == 0.0
    bucket.throttled()  # multiplicative decrease, and the bucket starts empty
    assert bucket.current == pytest.approx(7.0)
    assert bucket.reserve() == pytest.approx(1 / 7.0)
    for _ in range(50):
        bucket.throttled()
    assert bucket.current == pytest.approx(1.0)  # a floor: a tenth of the paced rate
    steps = 0
    while bucket.current < bucket.paced:
        bucket.succeeded()  # additive recovery, up to the paced rate and no further
        steps += 1
    assert steps == 9 and bucket.current == 10.0


def test_a_spaced_bucket_keeps_an_interval_after_a_caller_that_went_late() -> None:
    clock = FakeClock()
    late = [0.3]  # the second caller (the first to sleep) wakes 0.3 s after its slot

    def sleep(seconds: float) -> None:
        clock.sleep(seconds + (late.pop(0) if late else 0.0))

    bucket = TokenBucket(rate=1.0, clock=clock, sleep=sleep, spaced=True)
    went = []
    for _ in range(3):
        bucket.acquire()
        went.append(clock.now)
    assert went[1] == pytest.approx(101.3)
    assert went[2] - went[1] >= 1.0  # its own slot was 102.0: on time after a late one is too close
    assert RateLimits().bucket("GetEmailTemplate").spaced


def test_rates_parse_cli_forms() -> None:
    assert RateLimits.parse(None).rate("GetEmailTemplate") == 1.0
    assert RateLimits.parse(5).rate("X") == 5.0
    assert RateLimits.parse("2.5").rate("X") == 2.5
    limits = RateLimits.parse("GetEmailTemplate=3, default=0.5")
    assert (limits.rate("GetEmailTemplate"), limits.rate("Other")) == (3.0, 0.5)
    assert RateLimits.parse({"ListEmailTemplates": 4}).rate("ListEmailTemplates") == 4.0
    bads: list[Any] = ["0", "-1", "fast", {"X": "slow"}, "nan", "inf", "-inf", "X=nan", float("nan"), float("inf"), 0]
    for bad in bads:
        with pytest.raises(ValueError, match="rate"):
            RateLimits.parse(bad)


def test_full_jitter_stays_within_the_exponential_cap() -> None:
    policy = RetryPolicy(base=0.5, cap=4.0)
    rng = random.Random(7)
    for retry in range(8):
        ceiling = min(4.0, 0.5 * 2**retry)
        delays = [policy.delay(retry, rng) for _ in range(50)]
        assert all(0.0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling / 2  # jitter spreads over the whole range


def test_concurrent_calls_to_one_operation_are_spaced_at_its_rate(emulator: LocalEmulator) -> None:
    rate = 20.0
    gateway = SesGateway(
        emulator.client("sesv2"), limits=RateLimits(default=rate), account_id=ACCOUNT_ID, max_workers=6
    )
    gateway.read_many(lambda _: gateway.call("GetAccount"), range(12))
    times = sorted(t for op, t in gateway.call_log if op == "GetAccount")
    assert len(times) == 12
    # Call k may start no earlier than k intervals after the first (a thread can wake late, so
    # single gaps may shrink, but never the distance from the first call).
    for k, t in enumerate(times):
        assert t - times[0] >= k / rate - 0.01


def test_operations_have_separate_buckets_and_run_concurrently(emulator: LocalEmulator) -> None:
    gateway = SesGateway(emulator.client("sesv2"), limits=RateLimits(default=10.0), account_id=ACCOUNT_ID)
    work: list[tuple[str, dict[str, Any]]] = [("GetAccount", {}), ("ListEmailTemplates", {})] * 5
    gateway.read_many(lambda item: gateway.call(item[0], **item[1]), work)
    a = [t for op, t in gateway.call_log if op == "GetAccount"]
    b = [t for op, t in gateway.call_log if op == "ListEmailTemplates"]
    assert len(a) == len(b) == 5
    # Interleaved, not one operation after the other: each starts before the other finishes.
    assert min(b) < max(a) and min(a) < max(b)


def test_read_many_keeps_order_and_bounds_concurrency(emulator: LocalEmulator) -> None:
    gateway = SesGateway(emulator.client("sesv2"), account_id=ACCOUNT_ID, max_workers=3)
    running = 0
    peak = 0
    lock = threading.Lock()

    def work(i: int) -> int:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        threading.Event().wait(0.02)
        with lock:
            running -= 1
        return i * i

    assert gateway.read_many(work, range(12), max_workers=50) == [i * i for i in range(12)]
    assert 1 < peak <= 3


def test_client_side_deadline_gives_a_retryable_error_with_a_rate_hint(emulator: LocalEmulator) -> None:
    gateway = SesGateway(
        emulator.client("sesv2"), limits=RateLimits(default=0.2), account_id=ACCOUNT_ID, timeout=1.0
    )
    gateway.call("GetAccount")
    with pytest.raises(RetryableAwsError) as caught:
        gateway.call("GetAccount")  # the next slot is 5 s away, the deadline 1 s
    assert caught.value.code == "RateLimitDeadline"
    assert "--rate" in (caught.value.hint or "")
    assert gateway.calls["GetAccount"] == 1
