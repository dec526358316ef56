"""IAM enforcement in the emulator: each SES request checked against one identity policy.

    sesctl local serve --iam-policy policy.json      # or local_emulator(iam_policy=...)

The emulator works out what AWS would authorize: the action (``ses:<Operation>``), the ARNs
the request touches (reconciler.iam.actions) and the condition keys SES sets for sends
(``ses:FromAddress``, ``ses:FromDisplayName``, ``ses:Recipients``, ``ses:FeedbackAddress``,
``ses:ApiVersion``), plus ``aws:ResourceTag/<key>`` from the resource's tags. A refused
request is answered as SES answers it: HTTP 403, AccessDeniedException, nothing changed.
Every decision is recorded in ``decisions`` (the tests read which actions a use case needs).

SQS requests (moto's, on the same endpoint) are checked too: ``sqs:<Action>`` on the queue's
ARN, refused with SQS's AccessDenied (HTTP 403). The event consumer's policy (``--for events``)
is proved against it. So are CloudWatch's (the alarm operations the emulator serves itself,
cloudwatch_alarms.py, and the metric operations it hands to moto), in any of CloudWatch's
protocols (decoded by cloudwatch_protocol.py): ``cloudwatch:<Operation>`` on the alarms the
request names (``AlarmName``, ``AlarmNames``; ``ResourceARN`` for tags), else on "*" (metric
reads, DescribeAlarms: IAM authorizes them on "*" only), refused with AccessDenied (HTTP 403).
Other services pass unchecked.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from reconciler.emulator.errors import AccessDeniedException
from reconciler.emulator.state import SesState
from reconciler.iam.actions import (
    IDENTITY,
    address_of,
    arn,
    request_resources,
    send_identities,
)
from reconciler.iam.evaluate import ContextValue, Decision, Policy

SEND_ACTIONS = frozenset({"SendEmail", "SendBulkEmail"})
_ARN = re.compile(r"^arn:aws[a-z-]*:ses:[a-z0-9-]+:\d{12}:(?P<kind>[a-z-]+)/(?P<name>.+)$")


def load_policy(path: Path) -> Policy:
    """The policy in ``path`` (JSON), or ValueError saying what is wrong with it."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"cannot read the IAM policy {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise ValueError(f"the IAM policy {path} is not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise ValueError(f"the IAM policy {path} must be a JSON object with a Statement list")
    return Policy(document)


def _recipients(params: Mapping[str, Any]) -> list[str]:
    found: list[str] = []
    destinations = [params.get("Destination")] + [
        e.get("Destination") for e in params.get("BulkEmailEntries") or [] if isinstance(e, Mapping)
    ]
    for destination in destinations:
        if isinstance(destination, Mapping):
            for field in ("ToAddresses", "CcAddresses", "BccAddresses"):
                found += [address_of(str(a)) for a in destination.get(field) or []]
    return found


def send_context(params: Mapping[str, Any]) -> dict[str, ContextValue]:
    context: dict[str, ContextValue] = {"ses:ApiVersion": "2"}
    sender = params.get("FromEmailAddress")
    if isinstance(sender, str) and sender:
        context["ses:FromAddress"] = address_of(sender)
        if "<" in sender:
            context["ses:FromDisplayName"] = sender[: sender.rindex("<")].strip().strip('"')
    feedback = params.get("FeedbackForwardingEmailAddress")
    if isinstance(feedback, str) and feedback:
        context["ses:FeedbackAddress"] = feedback
    recipients = _recipients(params)
    if recipients:
        context["ses:Recipients"] = recipients
    return context


class IamEnforcer:
    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.decisions: list[Decision] = []
        self._lock = threading.Lock()

    def check(self, operation: str, params: Mapping[str, Any], state: SesState, region: str, account: str) -> None:
        resources = request_resources(operation, params, region, account)
        context: dict[str, ContextValue] = {}
        if operation in SEND_ACTIONS:
            context = send_context(params)
            sender = params.get("FromEmailAddress")
            if isinstance(sender, str) and sender:
                address, domain = send_identities(sender)
                # SES authorizes a send against the identity that verifies the sender: the
                # address when it is an identity itself, else its domain.
                identity = address if address.lower() in state.identities else domain
                resources.insert(0, arn(region, account, IDENTITY, identity))
        if resources == []:
            resources = ["*"]

        def tags(resource: str) -> dict[str, ContextValue]:
            match = _ARN.match(resource)
            if match is None:
                return {}
            from reconciler.emulator.operations.tags import TABLES

            table = TABLES.get(match["kind"])
            if table is None:
                return {}
            found = table[0](state).get(table[1](match["name"]))
            return {f"aws:ResourceTag/{k}": v for k, v in (getattr(found, "tags", None) or {}).items()}

        decision = self.policy.decide(f"ses:{operation}", resources, context, tags)
        with self._lock:
            self.decisions.append(decision)
        if not decision.allowed:
            raise AccessDeniedException(refusal(decision, account))


    def check_sqs(self, target: str | None, body: bytes, region: str, account: str) -> str | None:
        """The refusal message for an SQS request the policy does not allow, or None."""
        action, queue = sqs_request(target, body)
        if action is None:
            return None
        return self._refusal(f"sqs:{action}", [f"arn:aws:sqs:{region}:{account}:{queue}" if queue else "*"], account)

    def check_cloudwatch(self, operation: str, params: Mapping[str, Any], region: str, account: str) -> str | None:
        """The refusal message for a CloudWatch request the policy does not allow, or None."""
        return self._refusal(f"cloudwatch:{operation}", cloudwatch_resources(params, region, account), account)

    def _refusal(self, action: str, resources: list[str], account: str) -> str | None:
        decision = self.policy.decide(action, resources)
        with self._lock:
            self.decisions.append(decision)
        if decision.allowed:
            return None
        return refusal(decision, account)


def cloudwatch_resources(params: Mapping[str, Any], region: str, account: str) -> list[str]:
    """The ARNs a CloudWatch request is authorized on: the alarms it names (or the resource it
    tags), else "*"."""
    if isinstance(params.get("ResourceARN"), str):
        return [params["ResourceARN"]]
    names = [params["AlarmName"]] if isinstance(params.get("AlarmName"), str) else list(params.get("AlarmNames") or [])
    return [f"arn:aws:cloudwatch:{region}:{account}:alarm:{name}" for name in names] or ["*"]


# The caller the emulator pretends to be (it checks no credentials): the account's user.
CALLER = "arn:aws:iam::{account}:user/local"


def refusal(decision: Decision, account: str) -> str:
    """AWS's refusal message, which names the kind of policy that refused ("with an explicit
    deny in an identity-based policy" or "because no identity-based policy allows ...")."""
    why = (
        "with an explicit deny in an identity-based policy"
        if decision.reason == "explicitly denied"
        else f"because no identity-based policy allows the {decision.action} action"
    )
    return (
        f"User: {CALLER.format(account=account)} is not authorized to perform: {decision.action} "
        f"on resource: {decision.resource} {why}"
    )


def sqs_request(target: str | None, body: bytes) -> tuple[str | None, str | None]:
    """(action, queue name) of an SQS request: the JSON protocol names the action in
    X-Amz-Target ("AmazonSQS.ReceiveMessage"), the query protocol in the form's Action."""
    fields: Mapping[str, Any] = {}
    action: str | None = None
    if target and target.startswith("AmazonSQS."):
        action = target.removeprefix("AmazonSQS.")
        try:
            loaded = json.loads(body or b"{}")
        except ValueError:
            loaded = {}
        fields = loaded if isinstance(loaded, dict) else {}
    else:
        form = parse_qs(body.decode("utf-8", "replace"))
        action = form["Action"][0] if form.get("Action") else None
        fields = {k: v[0] for k, v in form.items() if v}
    if action is not None and action.endswith("Batch"):
        # SQS authorizes a batch call with its single action's permission (DeleteMessageBatch
        # needs sqs:DeleteMessage; there is no sqs:DeleteMessageBatch in IAM).
        action = action.removesuffix("Batch")
    url = fields.get("QueueUrl")
    name = str(url).rstrip("/").rsplit("/", 1)[-1] if isinstance(url, str) and url else fields.get("QueueName")
    return action, str(name) if name else None


__all__ = [
    "AccessDeniedException",
    "IamEnforcer",
    "cloudwatch_resources",
    "load_policy",
    "refusal",
    "send_context",
    "sqs_request",
]
