"""The send use case: preflight -> preview -> confirm -> run, for `sesctl send` and the MCP
server's send_email / send_bulk_email.

    outcome = send(settings, SendRequest(job, RecipientSource.file(Path("users.csv"))),
                   confirm=lambda preview: preview.sent < 10_000)

or step by step, when the confirmation happens elsewhere (an MCP elicitation):

    prepared = prepare(gateway, job, RecipientSource.of(recipients))   # preflight + preview
    ... show prepared.preview, ask ...
    report = run(gateway, prepared, resolver=...)                      # no SES read again

The preflight (GetAccount, GetEmailTemplate per template, the suppression list: asked per
address for a handful of recipients, paged once for a file) is read once and shared by the
preview and the run, so the run sends against what the human was shown. The preview is a dry
run of the engine over every row (a malformed file fails here, before anything is sent).
With a checkpoint, the checkpoint is locked before the preview and until the run ends, so a
second `sesctl send` on it is refused before it reads anything.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path

from reconciler import audit
from reconciler.app.connect import connect
from reconciler.app.send_shards import ShardOptions, Stoppable, run_shards
from reconciler.app.send_watch import breaker_for
from reconciler.aws.gateway import SesGateway
from reconciler.events.recorder import SendRecorder
from reconciler.manifest.breaker import BreakerConfig
from reconciler.sending import (
    CheckpointLock,
    InDoubtResolver,
    Preflight,
    SendEngine,
    SendJob,
    SendReport,
    emulator_resolver,
)
from reconciler.sending.breaker import CircuitBreaker
from reconciler.sending.dispatch import OnSent
from reconciler.sending.recipients import RecipientSource as RecipientSource  # here since it began here
from reconciler.sending.report import OUTCOMES
from reconciler.sending.resume import refuse_paused
from reconciler.sending.shards import check_shards_idle
from reconciler.settings import Settings

Progress = Callable[[SendReport], None]


@dataclass(frozen=True)
class SendRequest:
    job: SendJob
    recipients: RecipientSource
    # The event store: the run's sends are recorded there (unless ``record`` is off) and the
    # circuit breaker reads the campaign's rates from it. None: neither.
    store: Path | None = None
    record: bool = True
    breaker: BreakerConfig | None = None  # None: no circuit breaker


@dataclass
class PreparedSend:
    """A preflight and the preview made with it: what a confirmation is about."""

    job: SendJob
    recipients: RecipientSource
    preflight: Preflight
    preview: SendReport
    digest: str | None


@dataclass
class SendOutcome:
    preview: SendReport
    report: SendReport | None = None  # None: a dry run, nothing to send, or not confirmed
    approved: bool = False


def prepare(
    gateway: SesGateway, job: SendJob, recipients: RecipientSource, *, progress: Progress | None = None
) -> PreparedSend:
    """Preflight then preview (an engine dry run over every row). Sends nothing."""
    job.validate()
    digest = recipients.digest()  # the file is checked (regular, readable) before any SES call
    ready = Preflight.load(gateway, job, addresses=recipients.known_addresses())
    preview = SendEngine(gateway, replace(job, dry_run=True), progress=progress, preflight=ready).run(
        recipients.rows(), source_digest=digest
    )
    return PreparedSend(job, recipients, ready, preview, digest)


def run(
    gateway: SesGateway,
    prepared: PreparedSend,
    *,
    resolver: InDoubtResolver | None = None,
    progress: Progress | None = None,
    interrupt: Callable[[SendEngine], AbstractContextManager[object]] | None = None,
    on_sent: OnSent | None = None,
    breaker: CircuitBreaker | None = None,
) -> SendReport:
    """Send what ``prepared`` previewed, with its preflight (no SES read again).
    ``interrupt``: a context around the run given the engine (e.g. Ctrl-C -> request_stop);
    ``on_sent``: told each accepted recipient (the store's recorder); ``breaker``: may pause it."""
    engine = SendEngine(
        gateway,
        prepared.job,
        resolver=resolver,
        progress=progress,
        preflight=prepared.preflight,
        on_sent=on_sent,
        breaker=breaker,
    )
    with interrupt(engine) if interrupt is not None else nullcontext():
        return engine.run(prepared.recipients.rows(), source_digest=prepared.digest)


def send(
    settings: Settings,
    request: SendRequest,
    *,
    confirm: Callable[[SendReport], bool],
    preview_progress: Progress | None = None,
    on_preview: Progress | None = None,
    run_progress: Callable[[SendReport], Progress] | None = None,
    interrupt: Callable[[Stoppable], AbstractContextManager[object]] | None = None,
) -> SendOutcome:
    """The whole campaign against the AWS target of ``settings`` (--env, --profile, --region,
    --role-arn, --local): preflight, preview, ``confirm(preview)``, run. A dry run stops after
    the preview, and so does a preview with nothing to send (``confirm`` is not asked). A job of
    several ``processes`` is sent by that many worker processes, one shard of the recipients
    each (app/send_shards.py), after this one preflight, preview and confirmation."""
    job = request.job
    job.validate()
    with ExitStack() as stack:
        if job.checkpoint is not None and not job.dry_run:
            stack.enter_context(CheckpointLock(job.checkpoint))
            if job.processes > 1:
                check_shards_idle(job.checkpoint, job.processes)
        conn = stack.enter_context(connect(settings))
        prepared = prepare(conn.gateway, job, request.recipients, progress=preview_progress)
        preview = prepared.preview
        if on_preview is not None:
            on_preview(preview)
        if job.dry_run or preview.sent == 0:
            return SendOutcome(preview)
        if preview.paused_before and not job.resume:
            raise refuse_paused(job.checkpoint or Path("?"), preview.paused_before)
        watch = None
        if request.breaker is not None and request.store is not None:
            watch = breaker_for(request.breaker, preview.sent, request.store, conn.aws)
            preview.warnings.extend(watch.warnings if watch is not None else ())
        if not confirm(preview):
            return SendOutcome(preview)
        # A sharded run's workers record their own sends (app/send_shards.py).
        recorder = (
            SendRecorder.for_job(request.store, job)
            if request.record and request.store is not None and job.processes == 1
            else None
        )
        if recorder is not None:
            stack.callback(recorder.close)
        # Audited: the "started" entry is written before the first message leaves.
        with audit.operation("send", _audit_details(job, prepared), project=audit.project_at(Path("."))) as entry:
            entry.identify(aws=conn.gateway.caller_arn())
            known = request.recipients.known_addresses()
            if known is not None and len(known) <= audit.setup.AUDITED_ADDRESSES:
                entry.set(recipients=entry.hash_addresses(known))
            if job.processes > 1:
                report = run_shards(
                    conn,
                    prepared,
                    ShardOptions(
                        store=request.store,
                        record=request.record,
                        breaker=request.breaker if watch is not None else None,
                        sends=preview.sent,
                    ),
                    resolver=emulator_resolver(conn.endpoint_url),
                    progress=run_progress(preview) if run_progress is not None else None,
                    interrupt=interrupt,
                )
            else:
                report = run(
                    conn.gateway,
                    prepared,
                    resolver=emulator_resolver(conn.endpoint_url),
                    progress=run_progress(preview) if run_progress is not None else None,
                    interrupt=interrupt,
                    on_sent=recorder,
                    breaker=watch.breaker if watch is not None else None,
                )
            if recorder is not None:
                recorder.finish(report)
            if watch is not None:
                report.breaker = watch.described
            entry.set(run_id=report.run_id, counts=_counts(report), stopped=report.stopped)
            if report.paused:
                entry.set(paused=report.paused)
            entry.outcome = (
                "paused"
                if report.paused
                else "ok"
                if report.failed_permanent == 0 and not report.stopped
                else "partial"
            )
        return SendOutcome(preview, report, approved=True)


def _audit_details(job: SendJob, prepared: PreparedSend) -> dict[str, object]:
    return {
        "campaign": job.default_tags.get("campaign"),
        "template": job.template,
        "variants": [v.template for v in job.variants] or None,
        "from": job.from_address,
        "configuration_set": job.configuration_set,
        "recipients_digest": prepared.digest,
        "previewed": prepared.preview.sent,
        "checkpoint": str(job.checkpoint) if job.checkpoint else None,
    }


def _counts(report: SendReport) -> dict[str, int]:
    return {name: int(getattr(report, name)) for name in OUTCOMES if getattr(report, name)}
