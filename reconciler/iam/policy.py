"""Least-privilege IAM policies per use of sesctl, scoped to what the manifests name.

    document = policy_for("apply", Scope.from_state(state, region="eu-west-1", account="1234..."))

Where the actions come from:
  plan, drift   every kind's reads (a plan reads every kind, to report unmanaged objects and
                to prune), from each kind's ``iam_actions`` in the registry
  apply         plan's reads, plus the writes of the kinds the manifests use, on the ARNs the
                manifests name; with prune on, deletes of any ARN of a type, conditioned on
                the ownership tag ``aws:ResourceTag/sesctl:stack`` = the stack
  import        plan's reads, plus TagResource for --adopt
  (CloudWatch)  AlertPolicy's alarms: DescribeAlarms ("*") and ListTagsForResource for plan;
                PutMetricAlarm, TagResource, UntagResource (DeleteAlarms with prune) for apply,
                all on the alarms named ``sesctl/*`` (sesctl's prefix)
  send          what `sesctl send` calls (SEND_ACTIONS): preflight reads and SendBulkEmail
                on the senders' identities, the configuration sets and templates; with the
                campaign breaker reading CloudWatch (``breaker: source: cloudwatch``), its
                metric reads (METRIC_ACTIONS)
  mcp           the MCP server's reads and SendBulkEmail with ``ses:FromAddress`` limited to
                its allowed senders; the metric reads of its reputation check and of
                get_email_analytics (METRIC_ACTIONS, and VDM's BatchGetMetricData)
  analytics     read-only reporting: `sesctl analytics` from CloudWatch (METRIC_ACTIONS) or
                VDM (BatchGetMetricData, ListConfigurationSets), `sesctl alerts check` (the
                same metric reads, GetAccount for --quota); the store source and `sesctl
                status` call nothing in AWS (ANALYTICS_ACTIONS)
  gdpr          contact lists and the suppression list (export and erase)
  events        nothing in SES: the queue the events arrive on (sqs:ReceiveMessage...)

Actions SES authorizes only on ``"*"`` (List*, account settings, the suppression list) go in
one statement with Resource ``"*"``: IAM offers nothing narrower for them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reconciler.iam.actions import (
    CONFIGURATION_SET,
    CONTACT_LIST,
    DEDICATED_IP_POOL,
    IDENTITY,
    MULTI_REGION_ENDPOINT,
    TAGGING,
    TEMPLATE,
    TENANT,
    arn,
    resource_types,
    send_identities,
)
from reconciler.kinds.base import OWNER_TAG

USES = ("plan", "apply", "drift", "send", "mcp", "analytics", "events", "import", "gdpr")
READ_PREFIXES = ("Get", "List", "TestRender")

# Which ARN type a kind's resources have (a kind missing here gets Resource "*").
KIND_TYPES: dict[str, str | None] = {
    "ConfigurationSet": CONFIGURATION_SET,
    "EventDestination": CONFIGURATION_SET,  # authorized on its configuration set
    "EmailTemplate": TEMPLATE,
    "DedicatedIpPool": DEDICATED_IP_POOL,
    "EmailIdentity": IDENTITY,
    "ContactList": CONTACT_LIST,
    "SuppressionPolicy": None,  # an account setting
    "AccountSettings": None,  # account settings
    "Tenant": TENANT,
    "MultiRegionEndpoint": MULTI_REGION_ENDPOINT,
}

# What `sesctl send` calls (reconciler/sending/preflight.py, suppression.py, dispatch.py);
# tests/compliance/test_iam_policies.py proves the list sufficient and minimal.
SEND_ACTIONS = (
    "GetAccount",
    "GetEmailIdentity",
    "GetEmailTemplate",
    "GetConfigurationSet",
    "ListSuppressedDestinations",  # the CLI reads the whole list once (the MCP server asks per address)
    "SendBulkEmail",
    "SendEmail",  # list management (--contact-list): one SendEmail per recipient
)
# The MCP server's tools (reconciler/mcp/): its sends read the configuration set they name
# (suppression in force), get_drift plans with the plan policy's reads (`--for drift`).
# Both send tools go through the send engine (SendBulkEmail; SendEmail only with a contact
# list), templates render locally (no TestRenderEmailTemplate).
MCP_ACTIONS = (
    "GetAccount",
    "GetConfigurationSet",
    "ListEmailTemplates",
    "GetEmailTemplate",
    "GetSuppressedDestination",
    "ListSuppressedDestinations",  # a send to more than 50 recipients reads the whole list
    "GetEmailIdentity",
    "SendBulkEmail",
    "SendEmail",  # contact_list: SES's list management has no bulk form
    "BatchGetMetricData",  # get_email_analytics source vdm (events/vdm.py)
    "ListConfigurationSets",  # ... grouped by configuration set: one query per set
)
# Reading the account's or a campaign's rates from the metrics a CloudWatch event destination
# publishes (events/cloudwatch.py: the series are listed, then summed): the campaign breaker's
# cloudwatch source (send), the MCP server's reputation check and get_email_analytics. IAM
# authorizes both on "*" only.
METRIC_ACTIONS = ("cloudwatch:ListMetrics", "cloudwatch:GetMetricData")
# What read-only reporting calls (tests/compliance/test_iam_policies.py proves it): `sesctl
# analytics --source cloudwatch` and `alerts check --source cloudwatch` (METRIC_ACTIONS), `sesctl
# analytics --source vdm` (events/vdm.py: BatchGetMetricData; ListConfigurationSets when grouped
# by configuration set; GetAccount for its VDM-not-enabled warning, which it does without),
# `alerts check --quota` (GetAccount). All authorized on "*" only, in SES and CloudWatch alike.
# The store source and `sesctl status` read local files only.
ANALYTICS_ACTIONS = ("GetAccount", "BatchGetMetricData", "ListConfigurationSets", *METRIC_ACTIONS)
# What `sesctl gdpr export|erase` call (reconciler/gdpr/): memberships are read per list with
# GetContact (no ListContacts); `--suppression keep` leaves the entry (no PutSuppressedDestination).
GDPR_ACTIONS = (
    "ListContactLists",
    "GetContact",
    "DeleteContact",
    "GetSuppressedDestination",
    "DeleteSuppressedDestination",
)
# Requested, but the use case succeeds without them (tests/compliance/test_iam_policies.py
# proves what each buys instead): granted because what they buy is worth a read.
OPTIONAL_ACTIONS = {
    "GetEmailIdentity": "the send preview warns about an unverified sender before the first message (send, mcp)",
}
EVENTS_ACTIONS = ("sqs:GetQueueUrl", "sqs:ReceiveMessage", "sqs:DeleteMessage")  # events/sources.py (SQS)


def is_read(action: str) -> bool:
    return action.startswith(READ_PREFIXES)


@dataclass(frozen=True)
class Scope:
    """Where the policy applies and what the manifests (or flags) name in it."""

    region: str
    account: str
    stack: str = "default"
    partition: str = "aws"
    names: Mapping[str, frozenset[str]] = field(default_factory=dict)  # ARN type -> names
    kinds_used: frozenset[str] = frozenset()
    prune: bool = False
    senders: tuple[str, ...] = ()  # addresses or domains
    templates: tuple[str, ...] = ()
    configuration_sets: tuple[str, ...] = ()
    queues: tuple[str, ...] = ()  # SQS queue names (events)
    cloudwatch_breaker: bool = False  # send: the campaign breaker reads CloudWatch's metrics

    def arns(self, kind: str, names: Iterable[str]) -> list[str]:
        found = [arn(self.region, self.account, kind, n, self.partition) for n in sorted(set(names))]
        if kind == TENANT:
            # SES names a tenant ``tenant/<name>/<id>`` (the id is SES's, unknown before it
            # exists); requests that name only the tenant resolve to ``tenant/<name>``.
            found = [a for name in found for a in (name, f"{name}/*")]
        return found

    def every(self, kind: str) -> str:
        return arn(self.region, self.account, kind, "*", self.partition)


def _statement(sid: str, actions: Iterable[str], resources: Sequence[str], condition: Any = None) -> dict[str, Any]:
    prefixed = sorted({a if ":" in a else f"ses:{a}" for a in actions})
    statement: dict[str, Any] = {"Sid": sid, "Effect": "Allow", "Action": prefixed, "Resource": list(resources)}
    if condition:
        statement["Condition"] = condition
    return statement


def _by_resource(sid: str, actions: Iterable[str], resources_for: Any) -> list[dict[str, Any]]:
    """Statements grouping ``actions`` by the resources ``resources_for(action)`` gives
    (``["*"]`` for actions without resource-level permissions)."""
    groups: dict[tuple[str, ...], set[str]] = {}
    for action in actions:
        key = tuple(resources_for(action)) if resource_types(action) else ("*",)
        if key:
            groups.setdefault(key, set()).add(action)
    statements = []
    for resources, grouped in sorted(groups.items(), key=lambda kv: (kv[0] != ("*",), kv[0])):
        statements.append(_statement(f"{sid}{_suffix(resources, grouped)}", grouped, resources))
    return _unique_sids(statements)


def _suffix(resources: Sequence[str], actions: Iterable[str]) -> str:
    """A Sid suffix naming what the statement covers: Account, Tags, Templates, ..."""
    if tuple(resources) == ("*",):
        return "Account"
    if set(actions) <= TAGGING:
        return "Tags"
    types = sorted({r.rsplit(":", 1)[-1].split("/", 1)[0] for r in resources})
    return "And".join(_plural("".join(p.capitalize() for p in t.split("-"))) for t in types)


def _plural(noun: str) -> str:
    return noun[:-1] + "ies" if noun.endswith("y") else noun + "s"


def _unique_sids(statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[str, int] = {}
    for statement in statements:
        sid = statement["Sid"]
        seen[sid] = seen.get(sid, 0) + 1
        if seen[sid] > 1:
            statement["Sid"] = f"{sid}{seen[sid]}"
    return statements


def _kinds() -> Mapping[str, Any]:
    from reconciler.kinds.registry import KINDS

    return KINDS


def _ses_actions(kind: Any) -> set[str]:
    """A kind's SES actions without the ``ses:`` prefix (other services' are in ``_service_statements``)."""
    return {a.removeprefix("ses:") for a in kind.iam_actions if a.startswith("ses:")}


def _read_actions() -> set[str]:
    return {a for kind in _kinds().values() for a in _ses_actions(kind) if is_read(a)}


# Other services' actions the kinds declare (AlertPolicy's CloudWatch alarms): reads that a plan
# makes, and writes apply makes. Every alarm sesctl manages is named ``sesctl/...``, so the
# writes are scoped to those alarms; DescribeAlarms is authorized on "*" only.
SERVICE_READS = frozenset({"cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"})
SERVICE_DELETES = frozenset({"cloudwatch:DeleteAlarms"})
ALARM_ONLY_STAR = frozenset({"cloudwatch:DescribeAlarms"})


def _alarms(scope: Scope) -> list[str]:
    return [f"arn:{scope.partition}:cloudwatch:{scope.region}:{scope.account}:alarm:sesctl/*"]


def _service_statements(scope: Scope, use: str) -> list[dict[str, Any]]:
    """Statements for the kinds' non-SES actions: ``use`` is plan (reads), apply (reads, and
    the writes of the kinds the manifests use; deletes with prune)."""
    reads: set[str] = set()
    writes: set[str] = set()
    for name, kind in _kinds().items():
        others = {a for a in kind.iam_actions if not a.startswith("ses:")}
        reads |= others & SERVICE_READS
        if use == "apply" and name in scope.kinds_used:
            writes |= others - SERVICE_READS - (set() if scope.prune else SERVICE_DELETES)
    statements = []
    if reads & ALARM_ONLY_STAR:
        statements.append(_statement("SesctlAlarmsList", reads & ALARM_ONLY_STAR, ["*"]))
    if reads - ALARM_ONLY_STAR:
        statements.append(_statement("SesctlAlarmsRead", reads - ALARM_ONLY_STAR, _alarms(scope)))
    if writes:
        statements.append(_statement("SesctlAlarmsWrite", writes, _alarms(scope)))
    return statements


def _types_of(actions: Iterable[str]) -> list[str]:
    """ARN types the registry's kinds have, among those ``actions`` are authorized on."""
    known = {t for t in KIND_TYPES.values() if t} & {k for k in (KIND_TYPES.get(name) for name in _kinds()) if k}
    return [t for t in sorted(known) if any(t in resource_types(a) for a in actions)]


def _plan_resources(scope: Scope) -> Any:
    kinds_types = {KIND_TYPES.get(name) for name in _kinds()}

    def resources(action: str) -> list[str]:
        types = [t for t in resource_types(action) if t in kinds_types]
        return [scope.every(t) for t in sorted(types)]

    return resources


def plan_statements(scope: Scope, sid: str = "SesctlRead") -> list[dict[str, Any]]:
    return _by_resource(sid, _read_actions(), _plan_resources(scope)) + _service_statements(scope, "plan")


def apply_statements(scope: Scope) -> list[dict[str, Any]]:
    statements = _by_resource("SesctlRead", _read_actions(), _plan_resources(scope)) + _service_statements(scope, "apply")
    writes: set[str] = set()
    for name, kind in _kinds().items():
        if name in scope.kinds_used:
            writes |= {a for a in _ses_actions(kind) if not is_read(a)}

    def named(action: str) -> list[str]:
        if action in TAGGING:
            types = [t for t in resource_types(action) if scope.names.get(t)]
        else:
            types = list(resource_types(action))
        return [a for t in types for a in scope.arns(t, scope.names.get(t, ()))]

    statements += _by_resource("SesctlWrite", writes, named)
    if scope.prune:
        deletes = {a for k in _kinds().values() for a in _ses_actions(k) if a.startswith("Delete")}
        types = sorted({t for a in deletes for t in resource_types(a)})
        statements.append(
            _statement(
                "SesctlPruneOwned",
                deletes,
                [scope.every(t) for t in types],
                {"StringEquals": {f"aws:ResourceTag/{OWNER_TAG}": scope.stack}},
            )
        )
    return _unique_sids(statements)


def import_statements(scope: Scope) -> list[dict[str, Any]]:
    statements = plan_statements(scope)
    types = _types_of(["TagResource"])
    statements.append(_statement("SesctlAdopt", ["TagResource"], [scope.every(t) for t in types]))
    if any("cloudwatch:TagResource" in kind.iam_actions for kind in _kinds().values()):
        statements.append(_statement("SesctlAdoptAlarms", ["cloudwatch:TagResource"], _alarms(scope)))
    return statements


def _sender_identities(scope: Scope) -> list[str]:
    if not scope.senders:
        return [scope.every(IDENTITY)]
    names: set[str] = set()
    for sender in scope.senders:
        if "@" in sender:
            names.update(send_identities(sender))
        else:
            names.add(sender)
    return scope.arns(IDENTITY, names)


def _from_condition(scope: Scope) -> dict[str, Any] | None:
    if not scope.senders:
        return None
    patterns = sorted({s if "@" in s else f"*@{s}" for s in scope.senders})
    return {"StringLike": {"ses:FromAddress": patterns}}


def _named_or_every(scope: Scope, kind: str, names: Sequence[str]) -> list[str]:
    return scope.arns(kind, names) if names else [scope.every(kind)]


def send_statements(
    scope: Scope, actions: Sequence[str] = SEND_ACTIONS, sid: str = "SesctlSend", *, metrics: bool = False
) -> list[dict[str, Any]]:
    """The sends' statements; with ``metrics``, CloudWatch's metric reads (METRIC_ACTIONS)."""
    identities = _sender_identities(scope)
    templates = _named_or_every(scope, TEMPLATE, scope.templates)
    sets = _named_or_every(scope, CONFIGURATION_SET, scope.configuration_sets)
    resources = {IDENTITY: identities, TEMPLATE: templates, CONFIGURATION_SET: sets}
    sends = [a for a in actions if a.startswith("Send")]
    reads = [a for a in actions if not a.startswith("Send")]
    statements = _by_resource(
        f"{sid}Read", reads, lambda a: [r for t in resource_types(a) for r in resources.get(t, [])]
    )
    if sends:
        targets = identities + sets + templates
        if "SendEmail" in sends:  # ListManagementOptions name a contact list: IAM checks it too
            targets += _named_or_every(scope, CONTACT_LIST, sorted(scope.names.get(CONTACT_LIST, ())))
        statements.append(_statement(sid, sends, targets, _from_condition(scope)))
    if metrics:
        statements.append(_statement(f"{sid}Metrics", METRIC_ACTIONS, ["*"]))
    return _unique_sids(statements)


def gdpr_statements(scope: Scope) -> list[dict[str, Any]]:
    return _by_resource("SesctlGdpr", GDPR_ACTIONS, lambda a: [scope.every(t) for t in resource_types(a)])


def events_statements(scope: Scope) -> list[dict[str, Any]]:
    queues = scope.queues or ("*",)
    resources = [f"arn:{scope.partition}:sqs:{scope.region}:{scope.account}:{q}" for q in queues]
    return [_statement("SesctlEventsQueue", EVENTS_ACTIONS, resources)]


def policy_for(use: str, scope: Scope) -> dict[str, Any]:
    if use not in USES:
        raise ValueError(f"unknown use {use!r} (one of {', '.join(USES)})")
    if use in ("plan", "drift"):
        statements = plan_statements(scope)
    elif use == "apply":
        statements = apply_statements(scope)
    elif use == "import":
        statements = import_statements(scope)
    elif use == "send":
        statements = send_statements(scope, metrics=scope.cloudwatch_breaker)
    elif use == "mcp":
        statements = send_statements(scope, MCP_ACTIONS, "SesctlMcp", metrics=True)
    elif use == "analytics":
        statements = [_statement("SesctlAnalyticsMetrics", ANALYTICS_ACTIONS, ["*"])]
    elif use == "gdpr":
        statements = gdpr_statements(scope)
    else:
        statements = events_statements(scope)
    return {"Version": "2012-10-17", "Statement": statements}


def scope_from_state(
    state: Any,
    *,
    region: str,
    account: str,
    prune: bool = False,
    senders: Sequence[str] = (),
    templates: Sequence[str] | None = None,
    configuration_sets: Sequence[str] | None = None,
    queues: Sequence[str] = (),
    cloudwatch_breaker: bool = False,
) -> Scope:
    """A Scope naming what a DesiredState (loaded manifests) holds."""
    names: dict[str, set[str]] = {}
    kinds_used: set[str] = set()
    for resource in getattr(state, "resources", []):
        kinds_used.add(resource.kind)
        kind = KIND_TYPES.get(resource.kind)
        if kind is None:
            continue
        name = str(resource.ses_name)
        if resource.kind == "EventDestination":
            name = str(getattr(resource.spec, "configuration_set", "") or name.split("/")[0])
        names.setdefault(kind, set()).add(name)
    return Scope(
        region=region,
        account=account,
        stack=str(getattr(state, "stack", None) or "default"),
        names={k: frozenset(v) for k, v in names.items()},
        kinds_used=frozenset(kinds_used),
        prune=prune,
        senders=tuple(senders),
        templates=tuple(templates if templates is not None else sorted(names.get(TEMPLATE, ()))),
        configuration_sets=tuple(
            configuration_sets if configuration_sets is not None else sorted(names.get(CONFIGURATION_SET, ()))
        ),
        queues=tuple(queues),
        cloudwatch_breaker=cloudwatch_breaker,
    )


__all__ = [
    "ANALYTICS_ACTIONS",
    "KIND_TYPES",
    "METRIC_ACTIONS",
    "OPTIONAL_ACTIONS",
    "SEND_ACTIONS",
    "USES",
    "Scope",
    "is_read",
    "policy_for",
    "scope_from_state",
]
