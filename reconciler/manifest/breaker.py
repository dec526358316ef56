"""The ``breaker:`` section of sesctl.yaml: the campaign circuit breaker of `sesctl send`
(docs/sending.md, "The circuit breaker"). Flags of `sesctl send` win over it.

    breaker:
      enabled: auto            # true: every campaign; false: none; auto: minCampaign and more
      minCampaign: 1000        # recipients; smaller campaigns are not watched unless --breaker
      bounceRate: 0.05         # default: the alert threshold (5 %)
      complaintRate: 0.001     # default: the alert threshold (0.1 %)
      minSends: 100            # sends before the rates count
      source: store            # or cloudwatch (a destination publishing the sesctl-campaign dimension)
      consecutiveFailures: 20  # recipients failing at SES in a row
      failureRate: 0.2         # share of recipients failing at SES (over the last 200, once 50 answered)
      checkEvery: 2            # seconds between two rate reads (CloudWatch: at least 60)
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from reconciler.kinds.specs.base import SpecModel

Share = Annotated[float, Field(ge=0, le=1)]


class BreakerConfig(SpecModel):
    enabled: bool | Literal["auto"] = "auto"
    """true: watch every campaign; false: none; auto: campaigns of minCampaign recipients or more."""
    min_campaign: int = Field(default=1000, ge=0)
    """With enabled: auto, the campaigns (recipients to send) the breaker watches."""
    bounce_rate: Share | None = None
    """Pause above this bounce rate (hard bounces per send); default: the alert threshold, 0.05."""
    complaint_rate: Share | None = None
    """Pause above this complaint rate; default: the alert threshold, 0.001."""
    min_sends: int = Field(default=100, ge=1)
    """Sends of the campaign (this session) before its rates count."""
    source: Literal["store", "cloudwatch"] = "store"
    """Where the rates are read: the event store (`sesctl events consume` beside the send) or CloudWatch."""
    consecutive_failures: int = Field(default=20, ge=1)
    """Pause when this many recipients in a row fail at SES."""
    failure_rate: Share = 0.2
    """Pause when more than this share of the last 200 recipients failed at SES (once 50 were answered)."""
    check_every: float = Field(default=2.0, gt=0, le=3600)
    """Seconds between two reads of the rates."""


__all__ = ["BreakerConfig"]
