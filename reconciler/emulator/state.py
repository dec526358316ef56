"""The emulator's SES state, in typed pydantic models, persisted as JSON.

One ``SesState`` per region inside ``EmulatorState`` (with the region's CloudWatch alarms).
Every field has a default, so older state files still load.

Two kinds of model live here:

* ``Shape`` subclasses mirror SES API structures member for member (PascalCase names, the
  service model's enums as ``Literal``), so a request member validates straight into one and
  ``shape.out()`` is the response member. Validating into them is how enum and range checks
  happen (``operations.common.parse``).
* Resource records (``EmailTemplate``, ``ConfigurationSet``, ...) use snake_case and hold shapes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from reconciler.emulator.cloudwatch_state import CloudWatchState
from reconciler.emulator.jobs_state import JobsState
from reconciler.emulator.sending_state import SendingState
from reconciler.ses_types import EventType

Enabled = Literal["ENABLED", "DISABLED"]
SuppressionReason = Literal["BOUNCE", "COMPLAINT"]
SubscriptionStatus = Literal["OPT_IN", "OPT_OUT"]
VerificationStatus = Literal["PENDING", "SUCCESS", "FAILED", "TEMPORARY_FAILURE", "NOT_STARTED"]
KeyLength = Literal["RSA_1024_BIT", "RSA_2048_BIT"]

# Where SES publishes Easy DKIM public keys (DkimAttributes.SigningHostedZone); SES names
# dkim.amazonses.com for most regions, and the emulator uses it for every region.
SIGNING_HOSTED_ZONE = "dkim.amazonses.com"
DEFAULT_POOL = "ses-default-dedicated-pool"
SHARED_POOL = "ses-shared-pool"
# Addresses from TEST-NET-2 (RFC 5737): never routable, obviously fake.
DEFAULT_DEDICATED_IPS = ("198.51.100.10", "198.51.100.11", "198.51.100.12")


def _epoch() -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC)


class Shape(BaseModel):
    """An SES API structure with SES's own member names. (A nested shape's class is named
    apart from the member that holds it: pydantic would read the member name as the type.)"""

    model_config = ConfigDict(extra="ignore")

    def out(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


# ---- templates ----------------------------------------------------------------------------


class EmailTemplateContent(Shape):
    Subject: str | None = None
    Text: str | None = None
    Html: str | None = None


class EmailTemplate(BaseModel):
    name: str
    content: EmailTemplateContent
    created: datetime = Field(default_factory=_epoch)
    tags: dict[str, str] = Field(default_factory=dict)


class CustomVerificationTemplate(BaseModel):
    name: str
    from_address: str
    subject: str
    content: str
    success_url: str
    failure_url: str
    tags: dict[str, str] = Field(default_factory=dict)


# ---- configuration sets -------------------------------------------------------------------


class TrackingOptions(Shape):
    CustomRedirectDomain: str
    HttpsPolicy: Literal["REQUIRE", "REQUIRE_OPEN_ONLY", "OPTIONAL"] | None = None


class DeliveryOptions(Shape):
    TlsPolicy: Literal["REQUIRE", "OPTIONAL"] | None = None
    SendingPoolName: str | None = None
    MaxDeliverySeconds: int | None = Field(default=None, ge=300, le=50400)


class ReputationOptions(Shape):
    ReputationMetricsEnabled: bool | None = None
    LastFreshStart: datetime | None = None


class SendingOptions(Shape):
    SendingEnabled: bool | None = None


class SuppressionConfidenceThreshold(Shape):
    ConfidenceVerdictThreshold: Literal["MEDIUM", "HIGH", "MANAGED"]


class SuppressionConditionThreshold(Shape):
    ConditionThresholdEnabled: Enabled
    OverallConfidenceThreshold: SuppressionConfidenceThreshold | None = None


class SuppressionValidation(Shape):
    """SuppressionValidationOptions (configuration sets) and SuppressionValidationAttributes
    (account) have the same members."""

    ConditionThreshold: SuppressionConditionThreshold


class SuppressionOptions(Shape):
    # None = the request had no SuppressedReasons; [] = suppress nothing. Both round-trip.
    SuppressedReasons: list[SuppressionReason] | None = None
    ValidationOptions: SuppressionValidation | None = None


class Dashboard(Shape):
    EngagementMetrics: Enabled | None = None


class Guardian(Shape):
    OptimizedSharedDelivery: Enabled | None = None


class VdmOptions(Shape):
    DashboardOptions: Dashboard | None = None
    GuardianOptions: Guardian | None = None


class ArchivingOptions(Shape):
    ArchiveArn: str | None = Field(
        default=None,
        min_length=20,
        max_length=1011,
        pattern=r"^arn:(aws|aws-[a-z-]+):ses:[a-z]{2,4}-[a-z-]+-[0-9]:[0-9]{1,20}:mailmanager-archive/a-[a-z0-9]{24,62}$",
    )


class CloudWatchDimensionConfiguration(Shape):
    DimensionName: str = Field(pattern=r"^[A-Za-z0-9_:-]{1,256}$")
    DimensionValueSource: Literal["MESSAGE_TAG", "EMAIL_HEADER", "LINK_TAG"]
    DefaultDimensionValue: str = Field(pattern=r"^[A-Za-z0-9_.@-]{1,256}$")


class CloudWatch(Shape):
    DimensionConfigurations: list[CloudWatchDimensionConfiguration] = Field(min_length=1, max_length=10)


class KinesisFirehose(Shape):
    IamRoleArn: str = Field(min_length=1)
    DeliveryStreamArn: str = Field(min_length=1)


class Sns(Shape):
    TopicArn: str = Field(min_length=1)


class EventBridge(Shape):
    EventBusArn: str = Field(min_length=1)


class Pinpoint(Shape):
    ApplicationArn: str | None = Field(default=None, min_length=1)


TARGET_MEMBERS = (
    "KinesisFirehoseDestination",
    "CloudWatchDestination",
    "SnsDestination",
    "EventBridgeDestination",
    "PinpointDestination",
)


class EventDestinationDefinition(Shape):
    Enabled: bool | None = None
    MatchingEventTypes: list[EventType] | None = None
    KinesisFirehoseDestination: KinesisFirehose | None = None
    CloudWatchDestination: CloudWatch | None = None
    SnsDestination: Sns | None = None
    EventBridgeDestination: EventBridge | None = None
    PinpointDestination: Pinpoint | None = None


class ConfigurationSet(BaseModel):
    name: str
    created: datetime = Field(default_factory=_epoch)
    tags: dict[str, str] = Field(default_factory=dict)
    tracking: TrackingOptions | None = None
    delivery: DeliveryOptions | None = None  # None: never set (GetConfigurationSet omits it)
    reputation: ReputationOptions = Field(default_factory=ReputationOptions)
    sending: SendingOptions = Field(default_factory=SendingOptions)
    suppression: SuppressionOptions | None = None  # None: inherit the account's setting
    vdm: VdmOptions | None = None
    archiving: ArchivingOptions | None = None
    event_destinations: dict[str, EventDestinationDefinition] = Field(default_factory=dict)


# ---- dedicated IPs ------------------------------------------------------------------------

ScalingMode = Literal["STANDARD", "MANAGED"]


class DedicatedIpPool(BaseModel):
    name: str
    scaling_mode: ScalingMode = "STANDARD"
    tags: dict[str, str] = Field(default_factory=dict)


class DedicatedIp(Shape):
    Ip: str
    WarmupStatus: Literal["IN_PROGRESS", "DONE", "NOT_APPLICABLE"] = "DONE"
    WarmupPercentage: int = 100
    PoolName: str = DEFAULT_POOL


def _default_ips() -> dict[str, DedicatedIp]:
    return {ip: DedicatedIp(Ip=ip) for ip in DEFAULT_DEDICATED_IPS}


# ---- account and suppression --------------------------------------------------------------


class VdmAttributes(Shape):
    VdmEnabled: Enabled
    # SES's DashboardAttributes and GuardianAttributes have the members of the configuration
    # set's DashboardOptions and GuardianOptions.
    DashboardAttributes: Dashboard | None = None
    GuardianAttributes: Guardian | None = None


class Review(Shape):
    Status: Literal["PENDING", "FAILED", "GRANTED", "DENIED"] | None = None
    CaseId: str | None = None


class AccountDetails(Shape):
    MailType: Literal["MARKETING", "TRANSACTIONAL"] | None = None
    WebsiteURL: str | None = Field(default=None, min_length=1, max_length=1000)
    ContactLanguage: Literal["EN", "JA"] | None = None
    UseCaseDescription: str | None = Field(default=None, max_length=5000)
    AdditionalContactEmailAddresses: list[str] | None = Field(default=None, min_length=1, max_length=4)
    ReviewDetails: Review | None = None


_BOTH_REASONS: tuple[SuppressionReason, ...] = ("BOUNCE", "COMPLAINT")
# What SES gives an account in the sandbox: 200 recipients per 24 hours, 1 message per second.
SANDBOX_QUOTA = (200.0, 1.0)


class Account(BaseModel):
    # A fresh production account (out of the sandbox) in a large region: SES's usual starting
    # production quota is 50,000 recipients per 24 hours at 14 messages per second.
    production_access_enabled: bool = True
    sending_enabled: bool = True
    enforcement_status: str = "HEALTHY"
    max_24_hour_send: float = 50000.0
    max_send_rate: float = 14.0
    # Counted up by operations/sending.py as it accepts messages, and down again as they leave
    # the rolling 24-hour window (sending_state.SendingState.expire).
    sent_last_24_hours: float = 0.0
    # Accounts created after 2019-11-25 suppress both reasons by default.
    suppressed_reasons: list[SuppressionReason] = Field(default_factory=lambda: list(_BOTH_REASONS))
    suppression_validation: SuppressionValidation | None = None
    vdm: VdmAttributes = Field(default_factory=lambda: VdmAttributes(VdmEnabled="DISABLED"))
    details: AccountDetails | None = None
    dedicated_ip_auto_warmup_enabled: bool = False

    def enter_sandbox(self) -> None:
        """SES's sandbox: 200 recipients per 24 hours, 1 message per second, and only verified
        identities (or the mailbox simulator) as recipients (operations/sending.py)."""
        self.production_access_enabled = False
        self.max_24_hour_send, self.max_send_rate = SANDBOX_QUOTA


class SuppressedDestination(BaseModel):
    email: str
    reason: SuppressionReason
    last_update: datetime
    message_id: str | None = None
    feedback_id: str | None = None


# ---- identities ---------------------------------------------------------------------------


class DkimAttributes(Shape):
    SigningEnabled: bool | None = None
    Status: VerificationStatus | None = None
    Tokens: list[str] | None = None
    SigningAttributesOrigin: str | None = None
    NextSigningKeyLength: KeyLength | None = None
    CurrentSigningKeyLength: KeyLength | None = None
    LastKeyGenerationTimestamp: datetime | None = None


class MailFromAttributes(Shape):
    MailFromDomain: str
    MailFromDomainStatus: Literal["PENDING", "SUCCESS", "FAILED", "TEMPORARY_FAILURE"] = "PENDING"
    BehaviorOnMxFailure: Literal["USE_DEFAULT_VALUE", "REJECT_MESSAGE"] = "USE_DEFAULT_VALUE"


class EmailIdentity(BaseModel):
    name: str
    identity_type: Literal["EMAIL_ADDRESS", "DOMAIN", "MANAGED_DOMAIN"]
    verification_status: VerificationStatus = "PENDING"
    created: datetime = Field(default_factory=_epoch)
    last_checked: datetime | None = None  # VerificationInfo: when the status last changed
    last_success: datetime | None = None
    dkim: DkimAttributes = Field(default_factory=DkimAttributes)
    # The BYODKIM selector is kept; the private key is not (SES never returns it either). Its
    # public key (base64 DER) is, for DNS-backed verification (dns_verification.py).
    dkim_selector: str | None = None
    dkim_public_key: str | None = None
    mail_from: MailFromAttributes | None = None
    feedback_forwarding: bool = True
    configuration_set_name: str | None = None
    policies: dict[str, str] = Field(default_factory=dict)
    tags: dict[str, str] = Field(default_factory=dict)


# ---- contact lists ------------------------------------------------------------------------


class Topic(Shape):
    TopicName: str
    DisplayName: str
    Description: str | None = None
    DefaultSubscriptionStatus: SubscriptionStatus


class TopicPreference(Shape):
    TopicName: str
    SubscriptionStatus: SubscriptionStatus


class Contact(BaseModel):
    email: str
    topic_preferences: list[TopicPreference] = Field(default_factory=list)
    unsubscribe_all: bool = False
    attributes_data: str | None = None
    created: datetime = Field(default_factory=_epoch)
    updated: datetime = Field(default_factory=_epoch)


class ContactList(BaseModel):
    name: str
    description: str | None = None
    topics: list[Topic] = Field(default_factory=list)
    created: datetime = Field(default_factory=_epoch)
    updated: datetime = Field(default_factory=_epoch)
    tags: dict[str, str] = Field(default_factory=dict)
    contacts: dict[str, Contact] = Field(default_factory=dict)  # key: lower-cased address


# ---- tenants, reputation entities, multi-region endpoints ---------------------------------

SendingStatus = Literal["ENABLED", "REINSTATED", "DISABLED"]
# The policy SES gives a new tenant ("When you create a tenant, SES automatically assigns the
# Standard reputation policy", SES developer guide, Tenants); {region} is the tenant's.
DEFAULT_REPUTATION_POLICY = "arn:aws:ses:{region}:aws:reputation-policy/standard"


class StatusRecord(Shape):
    Status: SendingStatus | None = None
    Cause: str | None = None
    LastUpdatedTimestamp: datetime | None = None


class Tenant(BaseModel):
    name: str
    tenant_id: str
    created: datetime = Field(default_factory=_epoch)
    tags: dict[str, str] = Field(default_factory=dict)
    # resource ARN -> when it was associated (ListResourceTenants' AssociatedTimestamp)
    resources: dict[str, datetime] = Field(default_factory=dict)
    # The tenant as a reputation entity (GetReputationEntity): the only kind of entity SES has.
    reputation_policy: str = ""
    customer_status: StatusRecord = Field(default_factory=lambda: StatusRecord(Status="ENABLED"))
    aws_status: StatusRecord = Field(default_factory=lambda: StatusRecord(Status="ENABLED"))


class MultiRegionEndpoint(BaseModel):
    name: str
    endpoint_id: str
    regions: list[str]  # the primary (where it was created), then the secondary
    status: Literal["CREATING", "READY", "FAILED", "DELETING"] = "READY"
    created: datetime = Field(default_factory=_epoch)
    updated: datetime = Field(default_factory=_epoch)
    tags: dict[str, str] = Field(default_factory=dict)


# ---- the region ---------------------------------------------------------------------------


class EmulatorSettings(BaseModel):
    """Knobs that are not SES state: how the emulator plays SES's asynchronous parts."""

    # VerificationStatus a new identity starts with. SES starts at PENDING until DNS (domains)
    # or the link in the verification mail (addresses) confirms it; set "SUCCESS" to have every
    # new identity verified at once (admin action ``configure_identities``).
    identity_default_status: VerificationStatus = "PENDING"


class SesState(BaseModel):
    model_config = ConfigDict(extra="ignore")

    settings: EmulatorSettings = Field(default_factory=EmulatorSettings)
    templates: dict[str, EmailTemplate] = Field(default_factory=dict)
    custom_verification_templates: dict[str, CustomVerificationTemplate] = Field(default_factory=dict)
    configuration_sets: dict[str, ConfigurationSet] = Field(default_factory=dict)
    dedicated_ip_pools: dict[str, DedicatedIpPool] = Field(default_factory=dict)
    dedicated_ips: dict[str, DedicatedIp] = Field(default_factory=_default_ips)
    account: Account = Field(default_factory=Account)
    suppressed: dict[str, SuppressedDestination] = Field(default_factory=dict)  # key: lower-cased
    identities: dict[str, EmailIdentity] = Field(default_factory=dict)  # key: lower-cased
    contact_lists: dict[str, ContactList] = Field(default_factory=dict)
    tenants: dict[str, Tenant] = Field(default_factory=dict)
    multi_region_endpoints: dict[str, MultiRegionEndpoint] = Field(default_factory=dict)
    sending: SendingState = Field(default_factory=SendingState)  # reconciler/emulator/sending_state.py
    jobs: JobsState = Field(default_factory=JobsState)  # import and export jobs: jobs_state.py
    cloudwatch: CloudWatchState = Field(default_factory=CloudWatchState)  # alarms: cloudwatch_state.py


class EmulatorState(BaseModel):
    model_config = ConfigDict(extra="ignore")

    format_version: int = 1
    regions: dict[str, SesState] = Field(default_factory=dict)
    # New regions' accounts start in the SES sandbox (sesctl local serve --sandbox); the
    # default is a production account (Account's defaults).
    sandbox: bool = False

    def region(self, name: str) -> SesState:
        if name not in self.regions:
            state = SesState()
            if self.sandbox:
                state.account.enter_sandbox()
            self.regions[name] = state
        return self.regions[name]

    def enter_sandbox(self) -> None:
        """Put every region's account, and every region made from now on, in the sandbox."""
        self.sandbox = True
        for state in self.regions.values():
            state.account.enter_sandbox()

    def to_json(self) -> str:
        return self.model_dump_json(indent=1)

    @classmethod
    def from_json(cls, text: str) -> EmulatorState:
        return cls.model_validate_json(text)
