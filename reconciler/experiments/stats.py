"""The statistics of an A/B(/n) template experiment, written out so every figure can be checked.

Each variant is a proportion: ``successes`` (opens, clicks or conversions) out of ``trials``
(delivered messages). The questions and the methods:

- How sure are we of one variant's rate? The Wilson score interval: unlike the textbook
  normal interval it stays inside [0, 1] and is honest for small counts and rates near 0.
- Do two variants differ? The two-proportion z-test with the pooled rate (two-sided).
- Do any of k > 2 variants differ? Pearson's chi-square test of the k x 2 table (no continuity
  correction), then the leader against each other variant by z-test, with Holm's correction
  so that looking at k - 1 pairs does not inflate the chance of a false winner.
- How big is the difference? The absolute and relative lift, and Cohen's h.
- How much more data? The per-variant sample for the minimum detectable effect (two-sided
  alpha, power 80 %).

Only the standard library: the normal distribution is ``statistics.NormalDist`` and the
chi-square tail is the regularized upper incomplete gamma function, computed below.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

_NORMAL = NormalDist()


@dataclass(frozen=True)
class Arm:
    name: str
    successes: int
    trials: int

    @property
    def rate(self) -> float:
        return self.successes / self.trials if self.trials else 0.0


def wilson_interval(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval for a proportion; (0, 1) when there are no trials."""
    if trials <= 0:
        return 0.0, 1.0
    z = _NORMAL.inv_cdf(1 - (1 - confidence) / 2)
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def two_proportion_z(a: Arm, b: Arm) -> tuple[float, float]:
    """(z, two-sided p) of H0: a and b have the same rate (pooled standard error).

    z > 0 when b's rate is higher. p is 1 when the test is undefined (no trials, or a pooled
    rate of exactly 0 or 1: every variant identical)."""
    if a.trials == 0 or b.trials == 0:
        return 0.0, 1.0
    pooled = (a.successes + b.successes) / (a.trials + b.trials)
    variance = pooled * (1 - pooled) * (1 / a.trials + 1 / b.trials)
    if variance <= 0:
        return 0.0, 1.0
    z = (b.rate - a.rate) / math.sqrt(variance)
    return z, min(1.0, 2 * _NORMAL.cdf(-abs(z)))


def chi_square(arms: Sequence[Arm]) -> tuple[float, int, float]:
    """(statistic, degrees of freedom, p) of Pearson's test of homogeneity over the arms' k x 2
    table (successes, failures). p is 1 when a column is all zeros (nothing to compare)."""
    used = [a for a in arms if a.trials > 0]
    df = len(used) - 1
    total = sum(a.trials for a in used)
    successes = sum(a.successes for a in used)
    if df < 1 or successes in (0, total):
        return 0.0, max(df, 0), 1.0
    statistic = 0.0
    for arm in used:
        for observed, share in ((arm.successes, successes / total), (arm.trials - arm.successes, 1 - successes / total)):
            expected = arm.trials * share
            statistic += (observed - expected) ** 2 / expected
    return statistic, df, chi_square_sf(statistic, df)


def chi_square_sf(statistic: float, df: int) -> float:
    """P(X >= statistic) for X ~ chi-square(df): Q(df/2, statistic/2)."""
    if statistic <= 0:
        return 1.0
    return _upper_gamma_regularized(df / 2, statistic / 2)


def _upper_gamma_regularized(a: float, x: float) -> float:
    # A power series for x < a + 1 (converges fast there), a continued fraction (Lentz) beyond.
    if x < a + 1:
        term = total = 1 / a
        n = a
        for _ in range(10_000):
            n += 1
            term *= x / n
            total += term
            if abs(term) < abs(total) * 1e-15:
                break
        lower = total * math.exp(-x + a * math.log(x) - math.lgamma(a))
        return max(0.0, min(1.0, 1 - lower))
    tiny = 1e-300
    b = x + 1 - a
    c = 1 / tiny
    d = 1 / b
    h = d
    for i in range(1, 10_000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-15:
            break
    return max(0.0, min(1.0, math.exp(-x + a * math.log(x) - math.lgamma(a)) * h))


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-adjusted p-values (same order as given): each family-wise error rate controlled."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    adjusted = [0.0] * len(p_values)
    running = 0.0
    m = len(p_values)
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


def cohens_h(p1: float, p2: float) -> float:
    """Effect size of two proportions: 0.2 small, 0.5 medium, 0.8 large."""
    return 2 * math.asin(math.sqrt(p2)) - 2 * math.asin(math.sqrt(p1))


def sample_size(base_rate: float, lift: float, alpha: float = 0.05, power: float = 0.8) -> int:
    """Trials per variant to detect an absolute ``lift`` over ``base_rate`` (two-sided test)."""
    p1 = min(max(base_rate, 1e-6), 1 - 1e-6)
    p2 = min(max(p1 + lift, 1e-6), 1 - 1e-6)
    if p1 == p2:
        return 0
    z_alpha = _NORMAL.inv_cdf(1 - alpha / 2)
    z_power = _NORMAL.inv_cdf(power)
    mean = (p1 + p2) / 2
    numerator = z_alpha * math.sqrt(2 * mean * (1 - mean)) + z_power * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    return math.ceil(numerator**2 / (p2 - p1) ** 2)


__all__ = [
    "Arm",
    "chi_square",
    "chi_square_sf",
    "cohens_h",
    "holm",
    "sample_size",
    "two_proportion_z",
    "wilson_interval",
]
