"""AlertPolicy: thresholds on SES's reputation and sending metrics, kept as CloudWatch alarms
(``sesctl apply``) and evaluated by ``sesctl alerts check`` (on the event store or CloudWatch).

The defaults here are the only definition of sesctl's alert thresholds: the kind, ``sesctl
alerts check`` and the report read them from this module. ``disabled`` switches thresholds off (not ``off``: YAML reads that key as false).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from reconciler.kinds.specs.base import SesName, SpecModel, Tags, no_items, pattern

# SES's review thresholds ("Reputation Dashboard Messages"): an account is reviewed from a 5 %
# bounce rate and a 0.1 % complaint rate; quota use is sesctl's own early warning.
DEFAULT_BOUNCE_RATE = 0.05
DEFAULT_COMPLAINT_RATE = 0.001
DEFAULT_RENDERING_FAILURES = 0  # fires above this count: any rendering failure
DEFAULT_QUOTA_USE = 0.80
# SES's list price for outbound mail: USD 0.10 per 1,000 messages (attachment data, dedicated
# IPs and VDM cost extra and are not counted). A cost threshold is a volume threshold at this price.
PRICE_PER_MESSAGE_USD = 0.10 / 1000

Rate = Annotated[float, Field(ge=0, le=1)]
SnsTopicArn = Annotated[
    str, pattern(r"^arn:[a-z0-9-]+:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_.-]{1,256}$", "an SNS topic ARN")
]


Switch = Literal["bounceRate", "complaintRate", "renderingFailures", "quotaUse"]


class AlertPolicySpec(SpecModel):
    """``kind: AlertPolicy``: one CloudWatch alarm per threshold that is set, named
    ``sesctl/<policy>/<threshold>``."""

    sns_topics: list[SnsTopicArn] = Field(default_factory=no_items, max_length=5)
    """SNS topics the alarms notify (CloudWatch allows 5 actions per state)."""
    notify_on_ok: bool = True
    """Notify the topics again when an alarm returns to OK."""
    bounce_rate: Rate = DEFAULT_BOUNCE_RATE
    """Fire above this Reputation.BounceRate (0.05 = 5 %)."""
    complaint_rate: Rate = DEFAULT_COMPLAINT_RATE
    """Fire above this Reputation.ComplaintRate (0.001 = 0.1 %)."""
    rendering_failures: Annotated[int, Field(ge=0)] = DEFAULT_RENDERING_FAILURES
    """Fire above this many rendering failures in 5 minutes (0: any)."""
    rendering_failure_configuration_sets: list[SesName] = Field(default_factory=no_items, max_length=20)
    """Also one alarm per configuration set, on the RenderingFailure metric its CloudWatch event
    destination publishes with the single dimension ``ses:configuration-set``."""
    quota_use: Rate = DEFAULT_QUOTA_USE
    """Fire above this share of the 24-hour sending quota used (sends in the last 24 hours /
    Max24HourSend)."""
    max_24_hour_send: Annotated[int, Field(ge=1)] | None = None
    """The quota the share is of; by default the account's Max24HourSend, read at plan time."""
    daily_volume: Annotated[int, Field(ge=1)] | None = None
    """Fire above this many sends in 24 hours (off by default)."""
    daily_cost: Annotated[float, Field(gt=0)] | None = None
    """Fire above this cost in USD of 24 hours of sends at USD 0.10 per 1,000 (off by default)."""
    disabled: list[Switch] = Field(default_factory=no_items)
    """Thresholds switched off (no alarm, not checked): bounceRate, complaintRate,
    renderingFailures, quotaUse."""
    tags: Tags = Field(default_factory=dict)
    """Tags on every alarm of the policy (CloudWatch: 50 per alarm)."""

    @model_validator(mode="after")
    def _sets_need_a_threshold(self) -> AlertPolicySpec:
        if self.rendering_failure_configuration_sets and "renderingFailures" in self.disabled:
            raise ValueError("renderingFailureConfigurationSets needs renderingFailures (it is disabled)")
        listed: tuple[tuple[str, list[str]], ...] = (
            ("configuration sets", list(self.rendering_failure_configuration_sets)),
            ("disabled", list(self.disabled)),
        )
        for what, values in listed:
            duplicates = sorted({v for v in values if values.count(v) > 1})
            if duplicates:
                raise ValueError(f"{what} listed twice: {', '.join(duplicates)}")
        return self


__all__ = [
    "DEFAULT_BOUNCE_RATE",
    "DEFAULT_COMPLAINT_RATE",
    "DEFAULT_QUOTA_USE",
    "DEFAULT_RENDERING_FAILURES",
    "PRICE_PER_MESSAGE_USD",
    "AlertPolicySpec",
]
