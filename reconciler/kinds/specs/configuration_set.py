"""ConfigurationSet: every SES v2 option group, in the SES API's shape with camelCase keys.

An absent option group means "not managed here" (SES's default applies), except for
``suppressionOptions``, whose three states are explicit and distinct:

    (absent)                                  inherit the account-level suppression list
    suppressionOptions: {suppressedReasons: [BOUNCE, COMPLAINT]}   suppress these reasons
    suppressionOptions: {suppressedReasons: []}                    suppression disabled

``suppressed_reasons`` is required inside ``suppressionOptions`` so the empty set can never be
confused with "not said"; ``model_dump(exclude_unset=True)`` gives back exactly what was written.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from reconciler.kinds.specs.base import (
    FeatureStatus,
    ReasonSet,
    SesName,
    SpecModel,
    SuppressionValidation,
    Tags,
    pattern,
)

TlsPolicy = Literal["REQUIRE", "OPTIONAL"]
HttpsPolicy = Literal["REQUIRE", "REQUIRE_OPEN_ONLY", "OPTIONAL"]

# The pool SES creates for every account with managed dedicated IPs; it is never in manifests.
SES_DEFAULT_POOL = "ses-default-dedicated-pool"

ARCHIVE_ARN_PATTERN = (
    r"^arn:(aws|aws-[a-z-]+):ses:[a-z]{2,4}-[a-z-]+-[0-9]:[0-9]{1,20}:mailmanager-archive/a-[a-z0-9]{24,62}$"
)
DOMAIN_PATTERN = r"^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"


class DeliveryOptions(SpecModel):
    tls_policy: TlsPolicy | None = None
    sending_pool_name: SesName | None = None
    max_delivery_seconds: int | None = Field(default=None, ge=300, le=50400)


class ReputationOptions(SpecModel):
    reputation_metrics_enabled: bool


class SendingOptions(SpecModel):
    sending_enabled: bool


class TrackingOptions(SpecModel):
    custom_redirect_domain: Annotated[
        str, pattern(DOMAIN_PATTERN, "a domain name such as click.example.com", max_length=253)
    ]
    https_policy: HttpsPolicy | None = None


class SuppressionOptions(SpecModel):
    suppressed_reasons: ReasonSet  # required: [] means "disabled", see the module docstring
    validation_options: SuppressionValidation | None = None


class DashboardOptions(SpecModel):
    engagement_metrics: FeatureStatus


class GuardianOptions(SpecModel):
    optimized_shared_delivery: FeatureStatus


class VdmOptions(SpecModel):
    dashboard_options: DashboardOptions | None = None
    guardian_options: GuardianOptions | None = None


class ArchivingOptions(SpecModel):
    archive_arn: Annotated[
        str,
        pattern(
            ARCHIVE_ARN_PATTERN,
            "a Mail Manager archive ARN (arn:aws:ses:REGION:ACCOUNT:mailmanager-archive/a-...)",
        ),
    ]


class ConfigurationSetSpec(SpecModel):
    """``kind: ConfigurationSet``; the set's name is ``metadata.name``."""

    delivery_options: DeliveryOptions | None = None
    reputation_options: ReputationOptions | None = None
    sending_options: SendingOptions | None = None
    tracking_options: TrackingOptions | None = None
    suppression_options: SuppressionOptions | None = None  # None = inherit the account setting
    vdm_options: VdmOptions | None = None
    archiving_options: ArchivingOptions | None = None
    tags: Tags = Field(default_factory=dict)

    @property
    def sending_pool(self) -> str | None:
        return self.delivery_options.sending_pool_name if self.delivery_options else None


__all__ = [
    "SES_DEFAULT_POOL",
    "ArchivingOptions",
    "ConfigurationSetSpec",
    "DashboardOptions",
    "DeliveryOptions",
    "GuardianOptions",
    "HttpsPolicy",
    "ReputationOptions",
    "SendingOptions",
    "SuppressionOptions",
    "TlsPolicy",
    "TrackingOptions",
    "VdmOptions",
]
