"""TemplateExperiment: an A/B(/n) test between EmailTemplates, decided on the events of the sends.

It lives only in git: SES has no such resource. The plan shows nothing for it; `sesctl send
--experiment NAME` reads it (variants and weights), tags every message with the
experiment and its variant, and `sesctl experiment status NAME` judges the results from the
event store (the metric, the minimum sample, the confidence). docs/template-lifecycle.md.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from reconciler.kinds.specs.base import SesName, SpecModel

MAX_VARIANTS = 10
Metric = Literal["open", "click", "conversion"]
VariantName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]


class ExperimentVariant(SpecModel):
    name: VariantName
    """The variant's name, tagged on each message as `sesctl-variant`."""
    template: SesName
    """The EmailTemplate this variant sends (declared in the manifests)."""
    weight: int = Field(default=1, ge=1, le=9_999_999)
    """Relative share of the recipients (50 and 50 split evenly)."""


class TemplateExperimentSpec(SpecModel):
    """``kind: TemplateExperiment``; the experiment's name is ``metadata.name``."""

    variants: list[ExperimentVariant] = Field(min_length=2, max_length=MAX_VARIANTS)
    """Two to ten variants; the first is the control."""
    metric: Metric = "click"
    """What decides: `click` (safer), `conversion` (clicks on `conversionLink`) or `open`
    (inflated by Apple Mail Privacy Protection)."""
    conversion_link: str | None = Field(default=None, min_length=1, max_length=2048)
    """For `metric: conversion`: a click on a link starting with this URL is a conversion."""
    min_sample_per_variant: int = Field(default=1000, ge=10, le=100_000_000)
    """Delivered messages each variant needs before any verdict (the fixed horizon)."""
    confidence: float = Field(default=0.95, ge=0.8, le=0.999)
    """Confidence level of the tests and intervals (0.95: alpha 0.05)."""
    holdout: float = Field(default=0, ge=0, le=50)
    """Percent of the recipients (0-50) who get no message at all: the baseline against which a
    conversion measured outside SES (purchases, sign-ins) shows what sending achieved. Chosen by
    a hash of the address, apart from the variant split, so it is the same on every run."""
    winner: str | None = None
    """Set by `sesctl experiment promote`: the experiment is over, sends use this variant only."""

    @model_validator(mode="after")
    def _consistent(self) -> TemplateExperimentSpec:
        names = [v.name for v in self.variants]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"variant names must be unique (repeated: {', '.join(duplicates)})")
        if self.metric == "conversion" and not self.conversion_link:
            raise ValueError("metric: conversion needs conversionLink (the URL a conversion click starts with)")
        if self.winner is not None and self.winner not in names:
            raise ValueError(f"winner {self.winner!r} is not one of the variants ({', '.join(names)})")
        return self
