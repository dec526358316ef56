"""AccountSettings: the account's own settings in one region (a singleton per account/region).

There is at most one per environment; its ``metadata.name`` is ``account`` (the default when
omitted), so its address is always ``AccountSettings/account``. What it declares is the
account's state: ``sendingEnabled``, ``vdmAttributes`` and ``dedicatedIpAutoWarmupEnabled``
left out mean SES's defaults for a new account (sending on, VDM off, auto warm-up off).
``details`` left out is not managed: PutAccountDetails cannot be taken back, so sesctl never
sends it unless the manifest says what to send. The suppression list settings are their own
kind (SuppressionPolicy).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, StringConstraints

from reconciler.kinds.specs.base import SINGLETON_NAME, FeatureStatus, SpecModel, _unique, pattern

# An address SES accepts as an additional contact: one local@domain, no spaces or line breaks.
ContactAddress = Annotated[
    str, pattern(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", "an email address such as ops@example.com", max_length=320)
]


class AccountDetails(SpecModel):
    """PutAccountDetails: what AWS reviews when the account asks for production access."""

    mail_type: Literal["MARKETING", "TRANSACTIONAL"]
    """The kind of mail the account sends (MailType)."""
    website_url: Annotated[str, StringConstraints(min_length=1, max_length=1000)]
    """The website the mail is about (WebsiteURL)."""
    contact_language: Literal["EN", "JA"] | None = None
    """The language AWS contacts you in (ContactLanguage)."""
    use_case_description: Annotated[str, StringConstraints(min_length=1, max_length=5000)] | None = None
    """What the account sends, to whom, and how the lists are built (UseCaseDescription)."""
    additional_contact_email_addresses: (
        Annotated[list[ContactAddress], BeforeValidator(_unique), Field(min_length=1, max_length=4)] | None
    ) = None
    """Up to 4 more addresses AWS writes to about SES matters (personal data: masked in plans)."""


class DashboardAttributes(SpecModel):
    engagement_metrics: FeatureStatus | None = None
    """VDM's dashboard tracks opens and clicks (EngagementMetrics)."""


class GuardianAttributes(SpecModel):
    optimized_shared_delivery: FeatureStatus | None = None
    """VDM's guardian optimizes delivery on shared IPs (OptimizedSharedDelivery)."""


class VdmAttributes(SpecModel):
    """PutAccountVdmAttributes: Virtual Deliverability Manager for the account."""

    vdm_enabled: FeatureStatus
    dashboard_attributes: DashboardAttributes | None = None
    guardian_attributes: GuardianAttributes | None = None


class AccountSettingsSpec(SpecModel):
    """``kind: AccountSettings``: PutAccountSendingAttributes, PutAccountDetails,
    PutAccountVdmAttributes and PutAccountDedicatedIpWarmupAttributes."""

    sending_enabled: bool = True
    """false pauses every send from the account in this region (PutAccountSendingAttributes)."""
    details: AccountDetails | None = None
    """The production-access details (PutAccountDetails); left out: not managed."""
    vdm_attributes: VdmAttributes | None = None
    """Virtual Deliverability Manager; left out: disabled (SES's default)."""
    dedicated_ip_auto_warmup_enabled: bool = False
    """SES warms up new dedicated IPs automatically (PutAccountDedicatedIpWarmupAttributes)."""


__all__ = ["SINGLETON_NAME", "AccountDetails", "AccountSettingsSpec", "VdmAttributes"]
