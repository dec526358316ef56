"""send_email and send_bulk_email on the send use case (reconciler/app/send.py): guard,
preview, confirm, send.

1. ``preview`` applies the guardrails (sender, configuration set, recipients, per-call cap),
   then the use case's preflight and preview: one GetAccount, one GetEmailTemplate, the
   suppression list asked per address (a few recipients) or paged once, and an engine dry run
   (per-recipient rendering with the missing variable named). The subject shown is rendered
   from the same compiled template. It is made once per call and kept between confirmation
   rounds (previews.py), so every round asks the identical question.
2. ``check_sendable`` refuses before asking the human (nothing to send, the hourly budget, the
   account paused or out of quota, from the preflight's GetAccount; its bounce or complaint rate
   of the last 24 hours over the alert thresholds, from the event store or CloudWatch).
3. ``execute`` spends the hourly budget and runs the engine with the preflight the human saw.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from reconciler.app.send import PreparedSend, RecipientSource, prepare, run
from reconciler.errors import ReconcilerError, SendError, UsageError
from reconciler.events.alerts import Thresholds
from reconciler.events.watch import account_rates
from reconciler.mcp.analytics import store_path
from reconciler.mcp.app import McpApp
from reconciler.mcp.guardrails import Refused
from reconciler.mcp.models import Problem, SendBulkEmailInput, SendEmailInput, SendPreview, SendResult
from reconciler.mcp.previews import request_key
from reconciler.sending import (
    SendJob,
    SendReport,
    emulator_resolver,
    has_line_break,
    mask_email,
    recipients_from,
)
from reconciler.sending.headers import HeaderTemplate, header_templates
from reconciler.sending.list_management import ListManagement
from reconciler.templates import TemplateError, merge_template_data

SHOWN_RECIPIENTS = 10
REPUTATION_HOURS = 24  # the window of the account's rates judged before a send (as alerts check's default)

SendInput = SendEmailInput | SendBulkEmailInput


@dataclass(frozen=True)
class Previewed:
    prepared: PreparedSend
    shown: SendPreview


def _job_and_recipients(app: McpApp, request: SendInput) -> tuple[SendJob, RecipientSource]:
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
    lists = _list_management(request)
    job = SendJob(
        from_address=sender,
        template=request.template,
        configuration_set=configuration_set,
        default_data=defaults,
        default_tags=dict(request.tags),
        headers=_headers(request, lists),
        list_management=lists,
    )
    return job, RecipientSource.of(recipients)


def _list_management(request: SendInput) -> ListManagement | None:
    if request.contact_list is None:
        if request.topic is not None:
            raise Refused("refused: a topic belongs to a contact list; give contact_list too")
        return None
    return ListManagement(request.contact_list, request.topic)


def _headers(request: SendInput, lists: ListManagement | None) -> tuple[HeaderTemplate, ...]:
    """The custom headers, checked as `sesctl send --header` checks them (sending/headers.py)."""
    try:
        return header_templates(request.headers.items(), list_management=lists is not None, label="headers:")
    except UsageError as exc:
        raise Refused(f"refused: {exc}", hint=exc.hint) from None


def _problems(report: SendReport) -> list[Problem]:
    return [Problem(email=p.email, reason=p.reason) for p in report.examples]


def _subject(prepared: PreparedSend) -> str:
    """The subject of the first recipient it renders for, from the preflight's compiled template."""
    template = prepared.preflight.templates[prepared.job.template or ""]
    subject = dict(template.parts).get("subject")
    if subject is None:
        return ""
    for recipient in prepared.recipients.items:
        try:
            rendered = subject.render(merge_template_data(dict(prepared.job.default_data), recipient.data))
        except TemplateError:
            continue
        if not has_line_break(rendered):  # the engine refuses that recipient (header injection)
            return str(rendered)
    return "(renders for no recipient)"


def _make_preview(app: McpApp, request: SendInput) -> Previewed:
    job, recipients = _job_and_recipients(app, request)
    try:
        prepared = prepare(app.gateway, job, recipients)
    except SendError as exc:
        raise Refused(str(exc), hint=exc.hint) from None
    report = prepared.preview
    addresses = [mask_email(r.email) for r in recipients.items]
    shown = addresses[:SHOWN_RECIPIENTS]
    if len(addresses) > SHOWN_RECIPIENTS:
        shown.append(f"... and {len(addresses) - SHOWN_RECIPIENTS} more")
    preview = SendPreview(
        template=job.template or "",
        subject=_subject(prepared) if report.sent else "(nothing would be sent)",
        from_address=job.from_address,
        configuration_set=job.configuration_set,
        recipients=len(addresses),
        masked_recipients=shown,
        would_send=report.sent,
        skipped_suppressed=report.skipped_suppressed,
        skipped_duplicate=report.skipped_duplicate,
        refused=report.refused_render + report.refused_invalid,
        problems=_problems(report),
        list_management=job.list_management.describe() if job.list_management else None,
        headers=[h.name for h in job.headers],
    )
    return Previewed(prepared, preview)


def _previewed(app: McpApp, request: SendInput) -> Previewed:
    if request.dry_run:  # nothing follows a dry run: nothing to keep
        return _make_preview(app, request)
    kept: Previewed = app.previews.get_or_make(request_key(request), lambda: _make_preview(app, request))
    return kept


def preview(app: McpApp, request: SendInput) -> SendPreview:
    return _previewed(app, request).shown


def check_sendable(app: McpApp, request: SendInput, shown: SendPreview) -> None:
    """Refuse before asking the human when nothing can be sent, this server's hourly budget or
    the account's 24-hour quota is short, or sending is paused."""
    try:
        _check_sendable(app, request, shown)
    except Refused:
        discard(app, request)  # a later identical call previews afresh
        raise


def discard(app: McpApp, request: SendInput) -> None:
    """Forget the kept preview of a call that will not send (refused, declined, cancelled)."""
    app.previews.take(request_key(request))


def _check_sendable(app: McpApp, request: SendInput, shown: SendPreview) -> None:
    if shown.would_send == 0:
        reasons = "; ".join(f"{p.email}: {p.reason}" for p in shown.problems[:5])
        raise Refused(
            "refused: no recipient can be sent this template"
            + (f" ({reasons})" if reasons else f" ({shown.skipped_suppressed} suppressed)"),
            hint="render_template shows what a recipient's data lacks; check_suppression explains skips.",
        )
    app.guardrails.budget.check(shown.would_send)
    ready = _previewed(app, request).prepared.preflight
    if not ready.sending_enabled:
        raise Refused(
            "refused: sending is paused for this account (GetAccount SendingEnabled=false)",
            hint="An operator resumes sending (SES console or PutAccountSendingAttributes).",
        )
    maximum, left = ready.max_24_hour_send, ready.remaining_quota
    if left is not None and shown.would_send > left:
        raise Refused(
            f"refused: {shown.would_send} recipients exceed what is left of the account's 24-hour "
            f"SES quota ({max(0, int(left))} of {int(maximum)})",
            hint="get_send_quota shows the quota; wait for it to free up or ask AWS for more.",
        )
    shown.reputation = _check_reputation(app)


def _check_reputation(app: McpApp) -> str:
    """Refuse while the account's bounce or complaint rate over the last 24 hours is above the
    alert thresholds (the event store when it holds events, else CloudWatch): more mail now
    would hurt its reputation further. With neither (or CloudWatch unreadable) nothing is
    judged, and the line returned (shown to the human who confirms) says so instead of
    passing silently."""
    try:
        # The manifests' AlertPolicy thresholds (the strictest), as the breaker and the alarms;
        # loaded again only when the manifests change.
        thresholds = Thresholds().overridden(**app.alert_rates())
        reading = account_rates(store_path(), app.cloudwatch(), thresholds, hours=REPUTATION_HOURS)
    except ReconcilerError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return f"NOT CHECKED: the rates could not be read ({first[:200]})"
    if reading is None:
        return f"not checked: no sends in the event store or CloudWatch over the last {REPUTATION_HOURS} hours"
    source = "event store" if reading.source == "store" else "CloudWatch"
    if not reading.over:
        rates = ", ".join(f"{name.replace('_', ' ')} {value:.2%}" for name, value in reading.rates.items() if value is not None)
        return f"within the alert thresholds ({source}, {reading.sends} sends: {rates or 'no rates yet'})"
    raise Refused(
        f"refused: the account's rates over the last {REPUTATION_HOURS} hours are over the alert thresholds: "
        + "; ".join(reading.over)
        + f" (source: {'the event store' if reading.source == 'store' else 'CloudWatch'}). "
        "Sending more now would hurt the account's reputation; nothing was sent",
        hint="A human should look first (sesctl analytics --since 24h, sesctl alerts check, the bounce reasons). "
        "Sends are accepted again once the rates are back under the thresholds.",
    )


def confirmation_message(shown: SendPreview) -> str:
    lines = [
        "Send email? Preview (nothing has been sent yet):",
        f"  Template:   {shown.template}",
        f"  Subject:    {shown.subject}",
        f"  From:       {shown.from_address}",
        f"  Config set: {shown.configuration_set or '(none)'}",
        f"  Recipients: {shown.recipients} ({', '.join(shown.masked_recipients)})",
        *([f"  Unsubscribe: {shown.list_management} (SES adds the one-click headers)"] if shown.list_management else []),
        *([f"  Headers:    {', '.join(shown.headers)}"] if shown.headers else []),
        *([f"  Reputation: {shown.reputation}"] if shown.reputation else []),
        f"  Will send {shown.would_send}; skip {shown.skipped_suppressed} suppressed; "
        + (f"skip {shown.skipped_duplicate} duplicate; " if shown.skipped_duplicate else "")
        + f"refuse {shown.refused} (rendering or invalid).",
    ]
    lines.extend(f"  - {p.email}: {p.reason}" for p in shown.problems[:5])
    return "\n".join(lines)


def execute(app: McpApp, request: SendInput, shown: SendPreview) -> SendResult:
    kept = app.previews.take(request_key(request))
    if kept is None or kept.shown != shown:
        # Another identical call sent it first, or the preview expired: never send unseen.
        raise Refused(
            "refused: the confirmed preview is no longer current; nothing was sent",
            hint="Call the tool again to preview and confirm afresh.",
        )
    app.guardrails.budget.take(shown.would_send)
    try:
        report = run(app.gateway, kept.prepared, resolver=emulator_resolver(app.emulator_url()))
    except SendError as exc:
        raise Refused(str(exc), hint=exc.hint) from None
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
