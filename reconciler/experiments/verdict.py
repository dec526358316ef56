"""A verdict in words from an experiment's counts: not enough data yet, no significant
difference, or a winner with its p-value and effect size (methods in stats.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from reconciler.experiments.stats import (
    Arm,
    chi_square,
    cohens_h,
    holm,
    sample_size,
    two_proportion_z,
    wilson_interval,
)

INSUFFICIENT = "insufficient_data"
NO_DIFFERENCE = "no_significant_difference"
WINNER = "winner"
INCONCLUSIVE = "inconclusive"


@dataclass(frozen=True)
class ArmResult:
    name: str
    successes: int
    trials: int
    rate: float
    low: float
    high: float


@dataclass(frozen=True)
class Verdict:
    state: str
    message: str
    arms: list[ArmResult]
    test: str
    confidence: float
    p_value: float | None = None
    winner: str | None = None
    lift: float | None = None  # absolute: winner's rate minus the runner-up's
    relative_lift: float | None = None
    effect_size: float | None = None  # Cohen's h
    needed: dict[str, int] = field(default_factory=dict)  # more trials each arm needs

    def as_dict(self) -> dict[str, object]:
        return {
            "state": self.state,
            "message": self.message,
            "test": self.test,
            "confidence": self.confidence,
            "p_value": self.p_value,
            "winner": self.winner,
            "lift": self.lift,
            "relative_lift": self.relative_lift,
            "effect_size": self.effect_size,
            "needed": self.needed,
            "arms": [arm.__dict__ for arm in self.arms],
        }


def _pct(value: float) -> str:
    return f"{100 * value:.2f}%"


def decide(arms: Sequence[Arm], *, confidence: float = 0.95, min_sample: int = 1000) -> Verdict:
    """The verdict over ``arms`` (two or more; the first is the control)."""
    if len(arms) < 2:
        raise ValueError("an experiment needs at least two variants")
    alpha = 1 - confidence
    results = [ArmResult(a.name, a.successes, a.trials, a.rate, *wilson_interval(a.successes, a.trials, confidence)) for a in arms]
    test = "two-proportion z-test" if len(arms) == 2 else "chi-square, then Holm-corrected z-tests"
    short = {a.name: min_sample - a.trials for a in arms if a.trials < min_sample}
    if short:
        worst = max(short, key=lambda name: short[name])
        return Verdict(
            INSUFFICIENT,
            f"Not enough data yet: {worst} needs {short[worst]:,} more deliveries "
            f"(minimum {min_sample:,} per variant).",
            results,
            test,
            confidence,
            needed=short,
        )
    ranked = sorted(arms, key=lambda a: a.rate, reverse=True)
    leader, runner_up = ranked[0], ranked[1]
    if len(arms) == 2:
        _z, p = two_proportion_z(runner_up, leader)
        significant = p < alpha
        adjusted_p = p
    else:
        _stat, _df, p_omnibus = chi_square(arms)
        pairs = [two_proportion_z(other, leader)[1] for other in ranked[1:]]
        adjusted = holm(pairs)
        adjusted_p = max(adjusted)
        significant = p_omnibus < alpha and all(q < alpha for q in adjusted)
        p = p_omnibus if p_omnibus >= alpha else adjusted_p
        if p_omnibus < alpha and not significant:
            beaten_by = ranked[1 + adjusted.index(max(adjusted))].name
            return Verdict(
                INCONCLUSIVE,
                f"The variants differ (chi-square p={p_omnibus:.3g}), but {leader.name} does not beat "
                f"{beaten_by} significantly after Holm's correction (p={adjusted_p:.3g}). Keep collecting.",
                results,
                test,
                confidence,
                p_value=p_omnibus,
            )
    lift = leader.rate - runner_up.rate
    relative = lift / runner_up.rate if runner_up.rate > 0 else None
    effect = cohens_h(runner_up.rate, leader.rate)
    if significant:
        rel = f", {relative:+.1%} relative" if relative is not None else ""
        return Verdict(
            WINNER,
            f"{leader.name} wins: {_pct(leader.rate)} vs {_pct(runner_up.rate)} for {runner_up.name} "
            f"({100 * lift:+.2f} points{rel}), p={adjusted_p:.3g} at {confidence:.0%} confidence, "
            f"effect size h={effect:.3f}.",
            results,
            test,
            confidence,
            p_value=adjusted_p,
            winner=leader.name,
            lift=lift,
            relative_lift=relative,
            effect_size=effect,
        )
    more = ""
    if lift > 0:
        per_arm = sample_size(runner_up.rate, lift, alpha=alpha)
        needed = {a.name: max(0, per_arm - a.trials) for a in arms if per_arm > a.trials}
        if needed:
            more = f" To detect a difference as small as the one seen ({100 * lift:.2f} points) you would need about {per_arm:,} deliveries per variant."
    else:
        needed = {}
    return Verdict(
        NO_DIFFERENCE,
        f"No significant difference (p={p:.3g} at {confidence:.0%} confidence).{more}",
        results,
        test,
        confidence,
        p_value=p,
        lift=lift,
        relative_lift=relative,
        effect_size=effect,
        needed=needed,
    )


__all__ = ["INCONCLUSIVE", "INSUFFICIENT", "NO_DIFFERENCE", "WINNER", "ArmResult", "Verdict", "decide"]
