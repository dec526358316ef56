"""send_email and send_bulk_email on the send engine: guard, preview, confirm, send.

1. ``prepare`` applies the guardrails (sender, configuration set, recipients, per-call cap) and
   builds the engine job; nothing is read from SES yet.
2. ``preview`` is an engine dry run (suppression, per-recipient rendering with the missing
   variable named) plus the subject rendered for the first sendable recipient; it is what the
   human sees first in the confirmation message.
3. ``execute`` spends the hourly budget and runs the engine for real.
Steps 1 and 2 have no side effects, so the SDK may run them again on every confirmation round.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from reconciler.errors import SendError
from reconciler.mcp.app import McpApp
from reconciler.mcp.guardrails import Refused
from reconciler.mcp.models import Problem, SendBulkEmailInput, SendEmailInput, SendPreview, SendResult
from reconciler.mcp.reads import fetch_template
from reconciler.sending import (
    Recipient,
    SendEngine,
    SendJob,
    SendReport,
    emulator_resolver,
    has_line_break,
    mask_email,
    recipients_from,
)
from reconciler.templates import TemplateError, compile_template, merge_template_data

SHOWN_RECIPIENTS = 10


@dataclass(frozen=True)
class PreparedSend:
    job: SendJob
    recipients: tuple[Recipient, ...]


def prepare(app: McpApp, request: SendEmailInput | SendBulkEmailInput) -> PreparedSend:
    guard = app.guardrails
    sender = guard.sender(request.from_address)
    configuration_set = guard.configuration_set(request.configuration_set)
    if isinstance(request, SendEmailInput):
        recipients = tuple(recipients_from({"email": address, "data": {}} for address in request.to))
        defaults = dict(request.template_data)
    else:
        recipients = tuple(recipients_from(r.model_dump() for r in request.recipients))
        defaults = dict(request.default_data)
    guard.recipients([r.email for r in recipients])
    job = SendJob(
        from_address=sender,
        template=request.template,
        configuration_set=configuration_set,
        default_data=defaults,
        default_tags=dict(request.tags),
    )
    try:
        job.validate()
    except SendError as exc:
        raise Refused(str(exc), hint=exc.hint) from None
    return PreparedSend(job, recipients)


def _run(app: McpApp, job: SendJob, recipients: tuple[Recipient, ...]) -> SendReport:
    try:
        resolver = None if job.dry_run else emulator_resolver(app.emulator_url())
        return SendEngine(app.gateway, job, resolver=resolver).run(iter(recipients))
    except SendError as exc:
        raise Refused(str(exc), hint=exc.hint) from None


def _problems(report: SendReport) -> list[Problem]:
    return [Problem(email=p.email, reason=p.reason) for p in report.examples]


def _subject(app: McpApp, prepared: PreparedSend) -> str:
    source = fetch_template(app, prepared.job.template or "").get("Subject") or ""
    try:
        compiled = compile_template(source, part="subject")
    except TemplateError as exc:
        raise Refused(f"template {prepared.job.template!r} does not compile: {exc}") from None
    for recipient in prepared.recipients:
        try:
            subject = compiled.render(merge_template_data(dict(prepared.job.default_data), recipient.data))
        except TemplateError:
            continue
        if not has_line_break(subject):  # the engine refuses that recipient (header injection)
            return subject
    return "(renders for no recipient)"


def preview(app: McpApp, prepared: PreparedSend) -> SendPreview:
    report = _run(app, replace(prepared.job, dry_run=True), prepared.recipients)
    addresses = [mask_email(r.email) for r in prepared.recipients]
    shown = addresses[:SHOWN_RECIPIENTS]
    if len(addresses) > SHOWN_RECIPIENTS:
        shown.append(f"... and {len(addresses) - SHOWN_RECIPIENTS} more")
    return SendPreview(
        template=prepared.job.template or "",
        subject=_subject(app, prepared) if report.sent else "(nothing would be sent)",
        from_address=prepared.job.from_address,
        configuration_set=prepared.job.configuration_set,
        recipients=len(prepared.recipients),
        masked_recipients=shown,
        would_send=report.sent,
        skipped_suppressed=report.skipped_suppressed,
        skipped_duplicate=report.skipped_duplicate,
        refused=report.refused_render + report.refused_invalid,
        problems=_problems(report),
    )


def check_sendable(app: McpApp, shown: SendPreview) -> None:
    """Refuse before asking the human when nothing can be sent, this server's hourly budget or
    the account's 24-hour quota is short, or sending is paused."""
    if shown.would_send == 0:
        reasons = "; ".join(f"{p.email}: {p.reason}" for p in shown.problems[:5])
        raise Refused(
            "refused: no recipient can be sent this template"
            + (f" ({reasons})" if reasons else f" ({shown.skipped_suppressed} suppressed)"),
            hint="render_template shows what a recipient's data lacks; check_suppression explains skips.",
        )
    app.guardrails.budget.check(shown.would_send)
    account = app.gateway.call("GetAccount")
    if account.get("SendingEnabled") is False:
        raise Refused(
            "refused: sending is paused for this account (GetAccount SendingEnabled=false)",
            hint="An operator resumes sending (SES console or PutAccountSendingAttributes).",
        )
    quota = account.get("SendQuota") or {}
    maximum = float(quota.get("Max24HourSend", -1))
    left = maximum - float(quota.get("SentLast24Hours", 0))
    if maximum >= 0 and shown.would_send > left:
        raise Refused(
            f"refused: {shown.would_send} recipients exceed what is left of the account's 24-hour "
            f"SES quota ({max(0, int(left))} of {int(maximum)})",
            hint="get_send_quota shows the quota; wait for it to free up or ask AWS for more.",
        )


def confirmation_message(shown: SendPreview) -> str:
    lines = [
        "Send email? Preview (nothing has been sent yet):",
        f"  Template:   {shown.template}",
        f"  Subject:    {shown.subject}",
        f"  From:       {shown.from_address}",
        f"  Config set: {shown.configuration_set or '(none)'}",
        f"  Recipients: {shown.recipients} ({', '.join(shown.masked_recipients)})",
        f"  Will send {shown.would_send}; skip {shown.skipped_suppressed} suppressed; "
        + (f"skip {shown.skipped_duplicate} duplicate; " if shown.skipped_duplicate else "")
        + f"refuse {shown.refused} (rendering or invalid).",
    ]
    lines.extend(f"  - {p.email}: {p.reason}" for p in shown.problems[:5])
    return "\n".join(lines)


def execute(app: McpApp, prepared: PreparedSend, shown: SendPreview) -> SendResult:
    app.guardrails.budget.take(shown.would_send)
    report = _run(app, prepared.job, prepared.recipients)
    status: Literal["sent", "partial", "stopped"]
    if report.stopped:
        status = "stopped"
    elif report.failed_permanent or report.sent < shown.would_send:
        status = "partial"
    else:
        status = "sent"
    return SendResult(
        status=status,
        preview=shown,
        sent=report.sent,
        skipped_suppressed=report.skipped_suppressed,
        skipped_duplicate=report.skipped_duplicate,
        refused_render=report.refused_render,
        refused_invalid=report.refused_invalid,
        failed_permanent=report.failed_permanent,
        retried=report.retried,
        run_id=report.run_id,
        problems=_problems(report),
        stopped=report.stopped,
    )


def dry_run_result(shown: SendPreview) -> SendResult:
    return SendResult(status="dry_run", preview=shown)
