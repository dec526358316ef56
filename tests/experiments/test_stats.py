"""The experiment statistics checked against scipy (a test-only dependency) on random cases, and
an A/A simulation: identical variants must be called different about alpha of the time."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.experiments.stats import (
    Arm,
    chi_square,
    chi_square_sf,
    holm,
    sample_size,
    two_proportion_z,
    wilson_interval,
)
from reconciler.experiments.verdict import INSUFFICIENT, NO_DIFFERENCE, WINNER, decide

scipy_stats = pytest.importorskip("scipy.stats")


@st.composite
def arms(draw: st.DrawFn, count: int = 2) -> list[Arm]:
    result = []
    for index in range(count):
        trials = draw(st.integers(min_value=1, max_value=200_000))
        successes = draw(st.integers(min_value=0, max_value=trials))
        result.append(Arm(chr(65 + index), successes, trials))
    return result


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=10**6).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
       st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_wilson_matches_scipy(case: tuple[int, int], confidence: float) -> None:
    successes, trials = case
    expected = scipy_stats.binomtest(successes, trials).proportion_ci(confidence, method="wilson")
    low, high = wilson_interval(successes, trials, confidence)
    assert low == pytest.approx(expected.low, abs=1e-9)
    assert high == pytest.approx(expected.high, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(arms())
def test_z_test_matches_scipy_chi_square_on_two_arms(pair: list[Arm]) -> None:
    a, b = pair
    z, p = two_proportion_z(a, b)
    table = [[a.successes, a.trials - a.successes], [b.successes, b.trials - b.successes]]
    if min(sum(col) for col in zip(*table, strict=True)) == 0:
        assert p == 1.0
        return
    chi2, p_expected, _dof, _expected = scipy_stats.chi2_contingency(table, correction=False)
    # For two arms the pooled z-test and Pearson's chi-square are the same test: z^2 = chi2.
    assert z * z == pytest.approx(chi2, rel=1e-7, abs=1e-9)
    assert p == pytest.approx(p_expected, rel=1e-6, abs=1e-12)


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=3, max_value=6).flatmap(lambda k: arms(k)))
def test_chi_square_matches_scipy(group: list[Arm]) -> None:
    statistic, df, p = chi_square(group)
    table = [[a.successes, a.trials - a.successes] for a in group]
    if min(sum(col) for col in zip(*table, strict=True)) == 0:
        assert p == 1.0
        return
    chi2, p_expected, dof, _expected = scipy_stats.chi2_contingency(table, correction=False)
    assert df == dof
    assert statistic == pytest.approx(chi2, rel=1e-7, abs=1e-9)
    assert p == pytest.approx(p_expected, rel=1e-6, abs=1e-12)


@pytest.mark.parametrize("df", [1, 2, 3, 5, 10, 40])
@pytest.mark.parametrize("x", [0.01, 0.5, 1.0, 3.84, 10.0, 50.0, 200.0])
def test_chi_square_tail_matches_scipy(df: int, x: float) -> None:
    assert chi_square_sf(x, df) == pytest.approx(scipy_stats.chi2.sf(x, df), rel=1e-9, abs=1e-300)


def test_holm_matches_the_textbook_example() -> None:
    # Four tests: sorted p 0.01, 0.02, 0.03, 0.04 -> 0.04, 0.06, 0.06, 0.06 (monotone).
    assert holm([0.03, 0.01, 0.04, 0.02]) == pytest.approx([0.06, 0.04, 0.06, 0.06])


def test_sample_size_is_what_the_power_calculation_gives() -> None:
    # 10% -> 12% at alpha 0.05, power 0.8: the classic ~3,841 per group.
    n = sample_size(0.10, 0.02)
    assert 3_800 <= n <= 3_900
    # Detecting that lift with n per arm: the z-test's power is about 80 %.
    se0 = math.sqrt(2 * 0.11 * 0.89 / n)
    power = 1 - scipy_stats.norm.cdf(1.959964 - 0.02 / se0)
    assert power == pytest.approx(0.8, abs=0.02)


def test_verdicts_in_words() -> None:
    few = decide([Arm("A", 10, 400), Arm("B", 20, 500)], min_sample=1000)
    assert few.state == INSUFFICIENT and few.needed == {"A": 600, "B": 500}
    assert "A needs 600 more deliveries" in few.message
    win = decide([Arm("A", 1000, 10_000), Arm("B", 1200, 10_000)], min_sample=1000)
    assert win.state == WINNER and win.winner == "B"
    assert win.p_value is not None and win.p_value < 0.001
    assert "B wins: 12.00% vs 10.00% for A (+2.00 points, +20.0% relative)" in win.message
    same = decide([Arm("A", 1000, 10_000), Arm("B", 1010, 10_000)], min_sample=1000)
    assert same.state == NO_DIFFERENCE and "you would need about" in same.message
    three = decide([Arm("A", 1000, 10_000), Arm("B", 1000, 10_000), Arm("C", 1300, 10_000)], min_sample=1000)
    assert three.state == WINNER and three.winner == "C"


def test_a_a_false_positive_rate_stays_near_alpha() -> None:
    # 2,000 experiments with two identical variants (rate 5 %, 4,000 deliveries each): a test at
    # alpha 0.05 declares a winner in about 5 % of them. The binomial spread of 2,000 runs
    # at p = 0.05 is +-0.5 %; the bound allows for that with room.
    import numpy  # scipy's own dependency

    rng = numpy.random.default_rng(20261205)
    runs = 2000
    counts = rng.binomial(4000, 0.05, size=(runs, 2))
    winners = sum(
        decide([Arm("A", int(a), 4000), Arm("B", int(b), 4000)], min_sample=1000).state == WINNER
        for a, b in counts
    )
    assert 0.03 <= winners / runs <= 0.07
