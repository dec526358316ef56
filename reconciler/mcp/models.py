"""Tool inputs and outputs: pydantic models, so every tool has an input and an output schema.

There is deliberately no cc/bcc field anywhere: each recipient gets its own message (To only),
and nobody can be copied on a send (the postmark-mcp incident added a hidden BCC).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool


class _In(BaseModel):
    # Unknown members are refused, so a "bcc" or "cc" smuggled in by a model is an error,
    # not silently dropped.
    model_config = ConfigDict(extra="forbid")


_TEMPLATE = "Name of a stored SES email template (list_templates shows them)."
_FROM = "Sender; must be one of the server's allowed senders (default: the first configured)."
_CONFIG_SET = "Configuration set; must be one the server allows (default: the first configured)."
_TAGS = "Message tags (ASCII letters, digits, _ and -)."
_DRY_RUN = "Only preview (render, count, check suppression); send nothing, ask nothing."
_CONTACT_LIST = (
    "SES list management: the contact list the recipients belong to. SES then adds the one-click "
    "unsubscribe headers (List-Unsubscribe, List-Unsubscribe-Post) and skips contacts who opted out; "
    "each recipient is sent with its own SendEmail."
)
_TOPIC = "The contact list's topic the mail is about (needs contact_list): opt-outs of it are honoured."
_HEADERS = (
    "Custom headers, name -> value (the value may use {{variables}}), e.g. List-Id. Refused: the headers "
    "SES or the guardrails own (From, To, Subject, Message-ID, Content-*, X-SES-*, ...), and "
    "List-Unsubscribe(-Post) with a contact_list (SES adds them). At most 15."
)


class SendEmailInput(_In):
    to: list[str] = Field(
        min_length=1,
        max_length=1000,
        description="Recipient addresses; each gets its own message (there is no CC or BCC).",
    )
    template: str = Field(min_length=1, description=_TEMPLATE)
    template_data: dict[str, Any] = Field(
        default_factory=dict, description="Template data for every recipient."
    )
    from_address: str | None = Field(default=None, description=_FROM)
    configuration_set: str | None = Field(default=None, description=_CONFIG_SET)
    tags: dict[str, str] = Field(default_factory=dict, description=_TAGS)
    contact_list: str | None = Field(default=None, description=_CONTACT_LIST)
    topic: str | None = Field(default=None, description=_TOPIC)
    headers: dict[str, str] = Field(default_factory=dict, description=_HEADERS)
    dry_run: bool = Field(default=False, description=_DRY_RUN)


class BulkRecipient(_In):
    email: str
    data: dict[str, Any] = Field(
        default_factory=dict, description="This recipient's data, merged per key into default_data."
    )
    tags: dict[str, str] = Field(default_factory=dict)


class SendBulkEmailInput(_In):
    recipients: list[BulkRecipient] = Field(min_length=1, max_length=10_000)
    template: str = Field(min_length=1, description=_TEMPLATE)
    default_data: dict[str, Any] = Field(default_factory=dict, description="Data shared by every recipient.")
    from_address: str | None = Field(default=None, description=_FROM)
    configuration_set: str | None = Field(default=None, description=_CONFIG_SET)
    tags: dict[str, str] = Field(default_factory=dict, description=_TAGS)
    contact_list: str | None = Field(default=None, description=_CONTACT_LIST)
    topic: str | None = Field(default=None, description=_TOPIC)
    headers: dict[str, str] = Field(default_factory=dict, description=_HEADERS)
    dry_run: bool = Field(default=False, description=_DRY_RUN)


class Problem(BaseModel):
    email: str = Field(description="Masked address.")
    reason: str


class SendPreview(BaseModel):
    template: str
    subject: str = Field(description="The subject rendered for the first recipient whose data renders.")
    from_address: str
    configuration_set: str | None
    recipients: int
    masked_recipients: list[str]
    would_send: int
    skipped_suppressed: int
    skipped_duplicate: int = 0
    refused: int
    problems: list[Problem] = Field(default_factory=list)
    list_management: str | None = Field(
        default=None, description="The contact list and topic SES manages unsubscribes with, if any."
    )
    headers: list[str] = Field(default_factory=list, description="Names of the custom headers sent.")
    reputation: str | None = Field(
        default=None,
        description="The account's bounce and complaint rates over the last 24 hours as judged before the send, "
        "or why they could not be judged (no data, or the source unreadable): the human confirming sees which.",
    )


class SendResult(BaseModel):
    status: Literal["sent", "dry_run", "partial", "stopped"]
    preview: SendPreview
    sent: int = 0
    skipped_suppressed: int = 0
    skipped_duplicate: int = 0
    refused_render: int = 0
    refused_invalid: int = 0
    failed_permanent: int = 0
    retried: int = 0
    run_id: str = Field(default="", description="Every message carries the tag sesctl-idem=<run_id>-<row>.")
    problems: list[Problem] = Field(default_factory=list)
    stopped: str | None = None


class Confirm(BaseModel):
    """The human's answer (flat primitives, as form elicitation requires)."""

    # Strict: only a JSON true sends. Lax pydantic would take "yes", "on" or 1 as consent.
    send: StrictBool = Field(description="Send these messages now?")


class ServerLimits(BaseModel):
    max_recipients_per_call: int
    max_recipients_per_hour: int
    remaining_this_hour: int
    simulator_only: bool
    senders: list[str]
    configuration_sets: list[str]


class SendQuota(BaseModel):
    sending_enabled: bool
    production_access: bool
    enforcement_status: str | None
    max_send_rate: float
    max_24_hour_send: float
    sent_last_24_hours: float
    used_percent: float | None
    suppressed_reasons: list[str]
    server_limits: ServerLimits


class ListTemplatesInput(_In):
    prefix: str | None = Field(default=None, description="Only names starting with this.")
    limit: int = Field(default=100, ge=1, le=1000)


class TemplateSummary(BaseModel):
    name: str
    created: str | None = None


class TemplateList(BaseModel):
    templates: list[TemplateSummary]
    truncated: bool


class GetTemplateInput(_In):
    name: str = Field(min_length=1)


class TemplateDetail(BaseModel):
    name: str
    subject: str | None
    html: str | None
    text: str | None
    required_variables: list[str] = Field(description="Printed outside any guard: a send lacking one fails.")
    optional_variables: list[str]


class RenderTemplateInput(_In):
    name: str | None = Field(default=None, description="A stored template; or give subject/html/text inline.")
    subject: str | None = None
    html: str | None = None
    text: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)


class RenderProblem(BaseModel):
    message: str
    variable: str | None = None
    part: str | None = None
    line: int | None = None
    column: int | None = None


class RenderResult(BaseModel):
    ok: bool
    subject: str | None = None
    html: str | None = None
    text: str | None = None
    error: RenderProblem | None = Field(default=None, description="Why SES would fail to render it.")


class CheckSuppressionInput(_In):
    addresses: list[str] = Field(min_length=1, max_length=50)


class SuppressionStatus(BaseModel):
    email: str
    suppressed: bool
    reason: str | None = None
    last_update: str | None = None
    allowed_by_server: bool = Field(description="Inside this server's recipient allow-list.")


class SuppressionResults(BaseModel):
    results: list[SuppressionStatus]


class DiagnoseInput(_In):
    email: str


class RecentMessage(BaseModel):
    message_id: str
    timestamp: str
    template: str | None = None
    configuration_set: str | None = None
    outcome: str | None = None


class Diagnosis(BaseModel):
    email: str
    suppressed: bool
    suppression_reason: str | None = None
    suppressed_since: str | None = None
    sending_enabled: bool
    events_source: Literal["emulator", "unavailable"]
    recent_messages: list[RecentMessage] = Field(default_factory=list)
    findings: list[str]
    recommendation: str


Metric = Literal["send", "delivery", "bounce", "complaint", "reject", "open", "click", "rendering_failure"]


class AnalyticsInput(_In):
    start: date = Field(description="First day (UTC), inclusive.")
    end: date = Field(description="Last day (UTC), inclusive.")
    group_by: Literal[
        "day", "hour", "tag", "configuration_set", "template", "variant", "recipient_domain"
    ] = "day"
    tag: str | None = Field(
        default=None, description="With group_by=tag: the message tag (a CloudWatch dimension)."
    )
    filters: dict[str, str] = Field(default_factory=dict, description="Only events whose tag NAME has VALUE.")
    metrics: list[Metric] | None = Field(default=None, description="Default: all eight.")
    source: Literal["auto", "store", "cloudwatch", "vdm"] = Field(
        default="auto",
        description="store: the local event store (sesctl events consume); cloudwatch: the event "
        "destinations' metrics; vdm: SES's Virtual Deliverability Manager (BatchGetMetricData: whole "
        "days, group by day, configuration_set or recipient_domain (as the recipient's ISP), filter only "
        "by ses:configuration-set); auto: the store when it holds events in the range, else CloudWatch.",
    )


class AnalyticsRow(BaseModel):
    key: str = Field(description="The day (YYYY-MM-DD), hour (YYYY-MM-DDTHH:00Z) or tag value.")
    counts: dict[str, int]
    rates: dict[str, float | None] = Field(
        description="bounce/complaint/delivery/reject per send; open/click per delivery."
    )


class Analytics(BaseModel):
    start: str
    end: str
    group_by: str
    rows: list[AnalyticsRow]
    totals: AnalyticsRow
    source: str = Field(default="cloudwatch", description="Which source answered: store, cloudwatch or vdm.")
    series_read: int = Field(
        description="CloudWatch series (metric x dimension set) or VDM queries summed (0 from the store)."
    )
    bounce_reasons: list[dict[str, Any]] = Field(
        default_factory=list, description="Store only: the most frequent bounce type/subtype/status."
    )
    warnings: list[str] = Field(default_factory=list)


class DriftInput(_In):
    environment: str | None = Field(
        default=None, description="A sesctl.yaml environment (default: the server's)."
    )


class DriftChange(BaseModel):
    address: str
    actions: list[str]
    reason: str | None
    fields: list[str] = Field(description="Paths of the fields that differ.")
    risks: list[str]


class Drift(BaseModel):
    in_sync: bool
    stack: str
    environment: str
    region: str
    summary: dict[str, int]
    changes: list[DriftChange]
    unmanaged: list[str]
    pending_prune: list[str]
    checksum: str
    hint: str


class ExperimentInput(_In):
    name: str = Field(
        pattern=r"^[A-Za-z0-9_-]{1,64}$", description="The TemplateExperiment's name (metadata.name)."
    )
    environment: str | None = Field(default=None, description="A sesctl.yaml environment (default: the server's).")


class VariantResult(BaseModel):
    name: str
    sends: int
    deliveries: int
    opens: int
    clicks: int
    conversions: int
    rate: float = Field(description="The metric's rate: successes / deliveries.")
    low: float = Field(description="Lower bound of the Wilson interval.")
    high: float = Field(description="Upper bound of the Wilson interval.")


class ExperimentResults(BaseModel):
    experiment: str
    metric: str
    confidence: float
    variants: list[VariantResult]
    state: str = Field(description="insufficient_data, no_significant_difference, winner or inconclusive.")
    verdict: str = Field(description="The verdict in words.")
    p_value: float | None
    winner: str | None
    promoted: str | None = Field(description="The winner already written into the manifests, if any.")


class DraftTemplateInput(_In):
    name: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="The EmailTemplate to change.")
    subject: str | None = Field(default=None, max_length=998, description="New subject, or omit to keep it.")
    html: str | None = Field(default=None, max_length=500_000, description="New HTML part, or omit.")
    text: str | None = Field(default=None, max_length=500_000, description="New text part, or omit.")
    message: str = Field(min_length=1, max_length=200, description="Why: the commit message.")


class DraftEventDestinationInput(_In):
    configuration_set: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    name: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="The event destination's name.")
    enabled: bool | None = Field(default=None, description="Turn publishing on or off, or omit.")
    matching_event_types: list[
        Literal[
            "SEND", "REJECT", "BOUNCE", "COMPLAINT", "DELIVERY", "OPEN", "CLICK",
            "RENDERING_FAILURE", "DELIVERY_DELAY", "SUBSCRIPTION",
        ]
    ] | None = Field(default=None, min_length=1, description="The event types to publish, or omit.")
    message: str = Field(min_length=1, max_length=200, description="Why: the commit message.")


class DraftResult(BaseModel):
    branch: str = Field(description="The new branch holding the change (open a pull request from it).")
    commit: str
    base: str = Field(description="The commit the branch starts from.")
    files: list[str]
    diff: str = Field(description="The commit's patch (cut at 20,000 characters).")
    pushed: bool = Field(default=False, description="Whether the branch was pushed to the server's remote.")
    pull_request_url: str | None = Field(default=None, description="The pull request opened for it, if any.")
    publish_error: str | None = Field(
        default=None, description="Why the push or the pull request failed (the branch is committed locally)."
    )
    next_step: str
