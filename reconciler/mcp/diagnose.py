"""diagnose_delivery: "did X get it?" from the suppression list, the account status and, where
the endpoint is the sesctl emulator, the recent messages to X with their outcome.

Real SES has no per-recipient message lookup: there the answer rests on the suppression list
and the account, and says where the events are (the configuration set's event destinations).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from reconciler.app.suppression import suppression_entry
from reconciler.aws.account import account_status
from reconciler.emulator.local import AdminError, admin_request
from reconciler.mcp.app import McpApp
from reconciler.mcp.models import Diagnosis, RecentMessage
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


def _recent(app: McpApp, address: str) -> tuple[str, list[RecentMessage]]:
    url = app.emulator_url()
    if url is None:
        return "unavailable", []
    try:
        answer = admin_request(
            url,
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


def diagnose(app: McpApp, address: str) -> Diagnosis:
    address = address.strip()
    entry = suppression_entry(app.gateway, address)
    sending_enabled = account_status(app.gateway).sending_enabled
    source, recent = _recent(app, address)
    findings: list[str] = []
    since = entry.get("LastUpdateTime") if entry else None
    since_text = since.isoformat() if isinstance(since, datetime) else None
    reason = str(entry.get("Reason")) if entry else None
    if entry is not None:
        findings.append(
            f"{mask_email(address)} is on the account suppression list ({reason}, since {since_text})."
        )
    if not sending_enabled:
        findings.append("Sending is paused for this account (GetAccount SendingEnabled=false).")
    if not app.guardrails.recipient_allowed(address):
        findings.append(
            "The address is outside this server's recipient allow-list (this server cannot send to it)."
        )
    if source == "emulator":
        findings.append(f"{len(recent)} recent message(s) to this address in the emulator's record.")
    if not sending_enabled:
        recommendation = "Resume sending for the account (SES console or PutAccountSendingAttributes) first."
    elif reason == "COMPLAINT":
        recommendation = (
            "The recipient complained (marked mail as spam). Do not remove them from the suppression list "
            "unless they explicitly opt in again."
        )
    elif reason is not None:
        recommendation = (
            "The address hard-bounced, so SES drops every send to it. Confirm the address with the recipient; "
            "if it is fixed, an operator removes it from the suppression list "
            "(aws sesv2 delete-suppressed-destination); this server cannot."
        )
    elif recent and recent[0].outcome in _OUTCOME_ADVICE:
        recommendation = _OUTCOME_ADVICE[str(recent[0].outcome)]
    elif source == "emulator":
        recommendation = (
            "Nothing was sent to this address recently: check the recipient list or the send's report."
        )
    else:
        recommendation = (
            "The address is not suppressed and the account can send. SES has no per-recipient lookup: read the "
            "Delivery/Bounce/Complaint events of the configuration set's event destinations (SNS, Firehose, "
            "EventBridge) for this recipient, or VDM message insights."
        )
    return Diagnosis(
        email=address,
        suppressed=entry is not None,
        suppression_reason=reason,
        suppressed_since=since_text,
        sending_enabled=sending_enabled,
        events_source="emulator" if source == "emulator" else "unavailable",
        recent_messages=recent,
        findings=findings,
        recommendation=recommendation,
    )
