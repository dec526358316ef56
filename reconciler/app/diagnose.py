"""Diagnose a delivery: "did X get it?" from the suppression list, the account status and,
where the endpoint is the sesctl emulator, the recent messages to X with their outcome.

Real SES has no per-recipient message lookup: there the answer rests on the suppression list
and the account, and says where the events are (the configuration set's event destinations).
The MCP server's diagnose_delivery calls this.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from reconciler.app.suppression import suppression_entry
from reconciler.aws.account import account_status
from reconciler.aws.gateway import SesGateway
from reconciler.emulator.local import AdminError, admin_request
from reconciler.sending import mask_email

RECENT = 10

_OUTCOME_ADVICE = {
    "bounced": "The last message bounced: the receiving server refused it. Check the address with the "
    "recipient; SES adds hard-bounced addresses to the suppression list.",
    "complained": "The recipient marked the last message as spam. Stop mailing them unless they opt in again.",
    "suppressed": "The last message was dropped because the address is on the suppression list "
    "(a Bounce with bounceSubType OnAccountSuppressionList).",
    "rendering_failure": "The last message was never delivered: the template data lacked a variable "
    "(Rendering Failure). render_template with that data names the variable.",
    "delivered": "SES delivered the last message to the receiving mail server. If the recipient cannot "
    "find it, it is in their spam folder or filtered on their side; check SPF/DKIM/DMARC alignment.",
}


@dataclass(frozen=True)
class RecentMessage:
    message_id: str
    timestamp: str
    template: str | None = None
    configuration_set: str | None = None
    outcome: str | None = None  # delivered, bounced, complained, suppressed, rendering_failure


@dataclass
class Diagnosis:
    email: str
    suppressed: bool
    suppression_reason: str | None
    suppressed_since: str | None
    sending_enabled: bool
    events_source: str  # "emulator" (recent_messages read from it) or "unavailable"
    recent_messages: list[RecentMessage] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    recommendation: str = ""


def diagnose(
    gateway: SesGateway,
    address: str,
    *,
    emulator_url: str | None,
    allowed: Callable[[str], bool],
) -> Diagnosis:
    """``emulator_url``: the endpoint when it is a sesctl emulator (its record of sent messages
    is then read); ``allowed``: whether the caller may mail the address (the MCP allow-list)."""
    address = address.strip()
    entry = suppression_entry(gateway, address)
    sending_enabled = account_status(gateway).sending_enabled
    source, recent = _recent(emulator_url, address)
    since = entry.get("LastUpdateTime") if entry else None
    since_text = since.isoformat() if isinstance(since, datetime) else None
    reason = str(entry.get("Reason")) if entry else None
    findings: list[str] = []
    if entry is not None:
        findings.append(
            f"{mask_email(address)} is on the account suppression list ({reason}, since {since_text})."
        )
    if not sending_enabled:
        findings.append("Sending is paused for this account (GetAccount SendingEnabled=false).")
    if not allowed(address):
        findings.append(
            "The address is outside this server's recipient allow-list (this server cannot send to it)."
        )
    if source == "emulator":
        findings.append(f"{len(recent)} recent message(s) to this address in the emulator's record.")
    return Diagnosis(
        email=address,
        suppressed=entry is not None,
        suppression_reason=reason,
        suppressed_since=since_text,
        sending_enabled=sending_enabled,
        events_source=source,
        recent_messages=recent,
        findings=findings,
        recommendation=_recommendation(sending_enabled, reason, recent, source),
    )


def _recommendation(
    sending_enabled: bool, reason: str | None, recent: list[RecentMessage], source: str
) -> str:
    if not sending_enabled:
        return "Resume sending for the account (SES console or PutAccountSendingAttributes) first."
    if reason == "COMPLAINT":
        return (
            "The recipient complained (marked mail as spam). Do not remove them from the suppression list "
            "unless they explicitly opt in again."
        )
    if reason is not None:
        return (
            "The address hard-bounced, so SES drops every send to it. Confirm the address with the recipient; "
            "if it is fixed, an operator removes it from the suppression list "
            "(aws sesv2 delete-suppressed-destination); this server cannot."
        )
    if recent and recent[0].outcome in _OUTCOME_ADVICE:
        return _OUTCOME_ADVICE[str(recent[0].outcome)]
    if source == "emulator":
        return "Nothing was sent to this address recently: check the recipient list or the send's report."
    return (
        "The address is not suppressed and the account can send. SES has no per-recipient lookup: read the "
        "Delivery/Bounce/Complaint events of the configuration set's event destinations (SNS, Firehose, "
        "EventBridge) for this recipient, or VDM message insights."
    )


def _recent(emulator_url: str | None, address: str) -> tuple[str, list[RecentMessage]]:
    if emulator_url is None:
        return "unavailable", []
    try:
        answer = admin_request(
            emulator_url,
            "/_sesctl/admin/sent_messages",
            {"recipient": address, "include_body": False, "limit": RECENT},
        )
    except (AdminError, OSError, ValueError):
        return "unavailable", []
    messages: list[dict[str, Any]] = list(answer.get("result") or [])
    recent = []
    for message in reversed(messages):  # newest first
        outcomes = {str(k).lower(): str(v) for k, v in (message.get("outcomes") or {}).items()}
        recent.append(
            RecentMessage(
                message_id=str(message.get("message_id", "")),
                timestamp=str(message.get("timestamp", "")),
                template=message.get("template"),
                configuration_set=message.get("configuration_set"),
                outcome=outcomes.get(address.lower()),
            )
        )
    return "emulator", recent
