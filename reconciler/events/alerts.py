"""Alert thresholds evaluated on analytics totals (from the store or CloudWatch) and, when
given, the account's quota use.

The thresholds are an AlertPolicy's (``Thresholds.from_policy``), the same documents `sesctl
apply` turns into CloudWatch alarms; their defaults are defined once, in
reconciler/kinds/specs/alert_policy.py: bounce rate over 5 % (hard bounces, as SES's
reputation metric counts them, when the source knows bounce types), complaint rate over 0.1 %,
any rendering failure, quota use over 80 %. Daily volume and cost limits are off unless set.
Rates are only judged over at least ``min_sends`` sends: two bounces out of three test
messages say nothing about a list.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from reconciler.events.analytics import Result
from reconciler.kinds.specs.alert_policy import (
    DEFAULT_BOUNCE_RATE,
    DEFAULT_COMPLAINT_RATE,
    DEFAULT_QUOTA_USE,
    DEFAULT_RENDERING_FAILURES,
    PRICE_PER_MESSAGE_USD,
    AlertPolicySpec,
)


@dataclass(frozen=True)
class Thresholds:
    """None: that threshold is off."""

    bounce_rate: float | None = DEFAULT_BOUNCE_RATE
    complaint_rate: float | None = DEFAULT_COMPLAINT_RATE
    rendering_failures: int | None = DEFAULT_RENDERING_FAILURES  # fires above this count
    quota_use: float | None = DEFAULT_QUOTA_USE
    daily_volume: int | None = None  # sends in the window
    min_sends: int = 1
    daily_cost: float | None = None  # USD of the window's sends at PRICE_PER_MESSAGE_USD
    max_24_hour_send: int | None = None  # the quota quota_use is a share of (None: the account's)

    @classmethod
    def from_policy(cls, spec: AlertPolicySpec) -> Thresholds:
        """An AlertPolicy's thresholds (those it disables are None)."""
        return cls(
            bounce_rate=None if "bounceRate" in spec.disabled else spec.bounce_rate,
            complaint_rate=None if "complaintRate" in spec.disabled else spec.complaint_rate,
            rendering_failures=None if "renderingFailures" in spec.disabled else spec.rendering_failures,
            quota_use=None if "quotaUse" in spec.disabled else spec.quota_use,
            daily_volume=spec.daily_volume,
            daily_cost=spec.daily_cost,
            max_24_hour_send=spec.max_24_hour_send,
        )

    def overridden(self, **values: Any) -> Thresholds:
        """These thresholds with the ``values`` that are not None put over them (command-line flags)."""
        return replace(self, **{k: v for k, v in values.items() if v is not None})


@dataclass(frozen=True)
class Alert:
    name: str
    fired: bool
    value: float | None
    threshold: float | None
    message: str
    policy: str | None = None  # the AlertPolicy whose threshold this is (None: the defaults)

    @property
    def label(self) -> str:
        """``bounce_rate``, or ``reputation/bounce_rate`` for a policy's."""
        return f"{self.policy}/{self.name}" if self.policy else self.name

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _percent(value: float) -> str:
    return f"{value * 100:.2f} %"


def evaluate(
    result: Result, thresholds: Thresholds, quota: dict[str, Any] | None = None, policy: str | None = None
) -> list[Alert]:
    """One Alert per threshold that is set (fired or not), in a fixed order; ``policy`` names
    the AlertPolicy the thresholds come from."""
    return [replace(alert, policy=policy) for alert in _evaluate(result, thresholds, quota)]


def _evaluate(result: Result, thresholds: Thresholds, quota: dict[str, Any] | None) -> list[Alert]:
    counts, rates = result.totals.counts, result.totals.rates
    sends = counts.get("send", 0)
    alerts: list[Alert] = []
    enough = sends >= max(1, thresholds.min_sends)
    if thresholds.bounce_rate is not None:
        rate = rates.get("reputation_bounce_rate", rates.get("bounce_rate"))
        kind = "hard bounces" if "reputation_bounce_rate" in rates else "bounces"
        fired = enough and rate is not None and rate > thresholds.bounce_rate
        alerts.append(
            Alert(
                "bounce_rate",
                fired,
                rate,
                thresholds.bounce_rate,
                f"bounce rate {_percent(rate)} ({kind} per send, {sends} sends) "
                + ("over" if fired else "within")
                + f" {_percent(thresholds.bounce_rate)}"
                if rate is not None
                else "no sends in the window",
            )
        )
    if thresholds.complaint_rate is not None:
        rate = rates.get("complaint_rate")
        fired = enough and rate is not None and rate > thresholds.complaint_rate
        alerts.append(
            Alert(
                "complaint_rate",
                fired,
                rate,
                thresholds.complaint_rate,
                f"complaint rate {_percent(rate)} ({sends} sends) "
                + ("over" if fired else "within")
                + f" {_percent(thresholds.complaint_rate)}"
                if rate is not None
                else "no sends in the window",
            )
        )
    if thresholds.rendering_failures is not None:
        failures = counts.get("rendering_failure", 0)
        fired = failures > thresholds.rendering_failures
        alerts.append(
            Alert(
                "rendering_failures",
                fired,
                float(failures),
                float(thresholds.rendering_failures),
                f"{failures} rendering failure(s): a template variable missing from the data"
                if fired
                else f"{failures} rendering failures",
            )
        )
    if thresholds.daily_volume is not None:
        alerts.append(
            Alert(
                "daily_volume",
                sends > thresholds.daily_volume,
                float(sends),
                float(thresholds.daily_volume),
                f"{sends} sends in the window "
                + ("over" if sends > thresholds.daily_volume else "within")
                + f" {thresholds.daily_volume}",
            )
        )
    if thresholds.daily_cost is not None:
        cost = sends * PRICE_PER_MESSAGE_USD
        over = cost > thresholds.daily_cost
        alerts.append(
            Alert(
                "daily_cost",
                over,
                round(cost, 4),
                thresholds.daily_cost,
                f"{sends} sends in the window cost USD {cost:,.2f} at USD 0.10 per 1,000, "
                + ("over" if over else "within")
                + f" USD {thresholds.daily_cost:,.2f}",
            )
        )
    if thresholds.quota_use is not None and quota is not None:
        used = quota.get("used_percent")
        share = None if used is None else float(used) / 100
        if thresholds.max_24_hour_send:  # the policy's own quota, as its alarm divides by
            quota = {**quota, "max_24_hour_send": thresholds.max_24_hour_send}
            share = float(quota.get("sent_last_24_hours") or 0) / thresholds.max_24_hour_send
        fired = share is not None and share > thresholds.quota_use
        alerts.append(
            Alert(
                "quota_use",
                fired,
                share,
                thresholds.quota_use,
                f"{quota.get('sent_last_24_hours', 0):,.0f} of {quota.get('max_24_hour_send', 0):,.0f} sends of the "
                f"24-hour quota used ({_percent(share)})"
                if share is not None
                else "the 24-hour quota is unlimited",
            )
        )
    return alerts
