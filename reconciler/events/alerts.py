"""Alert thresholds evaluated on analytics totals (from the store or CloudWatch) and, when
given, the account's quota use.

Defaults follow SES's review thresholds: bounce rate over 5 % (hard bounces, as SES's
reputation metric counts them, when the source knows bounce types), complaint rate over 0.1 %,
any rendering failure, quota use over 80 %. A daily volume limit (and so a cost limit) is off
unless set. Rates are only judged over at least ``min_sends`` sends: two bounces out of three
test messages say nothing about a list.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from reconciler.events.analytics import Result


@dataclass(frozen=True)
class Thresholds:
    bounce_rate: float | None = 0.05
    complaint_rate: float | None = 0.001
    rendering_failures: int | None = 0  # fires above this count
    quota_use: float | None = 0.80
    daily_volume: int | None = None  # sends per day over the window's average
    min_sends: int = 1


@dataclass(frozen=True)
class Alert:
    name: str
    fired: bool
    value: float | None
    threshold: float | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _percent(value: float) -> str:
    return f"{value * 100:.2f} %"


def evaluate(result: Result, thresholds: Thresholds, quota: dict[str, Any] | None = None) -> list[Alert]:
    """One Alert per threshold that is set (fired or not), in a fixed order."""
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
    if thresholds.quota_use is not None and quota is not None:
        used = quota.get("used_percent")
        share = None if used is None else float(used) / 100
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
