"""The send engine: a templated campaign through SendBulkEmail, safely.

    engine = SendEngine(gateway, SendJob(from_address="news@example.com", template="welcome",
                                         checkpoint=Path("run.ckpt")))
    report = engine.run(read_recipients(Path("recipients.csv")), source_digest=file_digest(path))

A run is four parts, each in its own module:

* preflight.py: what is read from SES first (account, templates, suppression), once per run,
  or once for a preview and the run that follows it (``preflight=``);
* admission.py: which rows may be sent (refused, skipped, rendered locally);
* dispatch.py: admitted rows to SES in paced SendBulkEmail calls through the gateway, with
  outcome.py deciding what each answer means (sent, retry, stop, failed);
* checkpoint.py / resume.py: the journal that makes a killed run resumable without duplicates,
  locked for the run so two runs cannot share it.
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import ExitStack

from reconciler.aws.gateway import SesGateway
from reconciler.aws.ratelimit import TokenBucket
from reconciler.errors import SendError
from reconciler.sending.addresses import has_line_break
from reconciler.sending.admission import Admission
from reconciler.sending.breaker import CircuitBreaker, Pause
from reconciler.sending.checkpoint import CheckpointLock
from reconciler.sending.dispatch import Dispatcher, OnSent
from reconciler.sending.job import MAX_BATCH, SendJob, batch_size_for
from reconciler.sending.masking import mask_text
from reconciler.sending.outcome import STATUS_STOP, STATUS_TRANSIENT
from reconciler.sending.preflight import Preflight
from reconciler.sending.recipients import Recipient
from reconciler.sending.report import SendReport
from reconciler.sending.resolver import InDoubtResolver
from reconciler.sending.resume import open_session, settle_in_doubt
from reconciler.sending.shards import shard_rows
from reconciler.sending.stop import INTERRUPTED, Stop

log = logging.getLogger("reconciler.sending")

__all__ = ["STATUS_STOP", "STATUS_TRANSIENT", "SendEngine", "SendJob", "batch_size_for", "has_line_break"]


class SendEngine:
    def __init__(
        self,
        gateway: SesGateway,
        job: SendJob,
        *,
        resolver: InDoubtResolver | None = None,
        progress: Callable[[SendReport], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        seed: int | None = None,
        preflight: Preflight | None = None,
        on_sent: OnSent | None = None,
        breaker: CircuitBreaker | None = None,
        run_id: str | None = None,
    ) -> None:
        """``on_sent``: told every accepted recipient (the event store's recorder); ``breaker``:
        pauses the run when the campaign's rates or SES's errors cross its limits (breaker.py).
        Neither is used by a dry run. ``run_id``: the campaign's, when a sharded run gives its
        shards one (otherwise the checkpoint's, or a new one)."""
        job.validate()
        self.gateway = gateway
        self.job = job
        self.resolver = resolver
        self.progress = progress
        self.clock = clock
        self.sleep = sleep
        self.rng = random.Random(seed)
        self.preflight = preflight
        self.on_sent = None if job.dry_run else on_sent
        self.breaker = None if job.dry_run else breaker
        self.report = SendReport(dry_run=job.dry_run)
        self.run_id = run_id or ""
        self.concurrency = 1
        self.batch_size = MAX_BATCH
        self._stop_requested = threading.Event()

    def run(self, recipients: Iterable[Recipient], *, source_digest: str | None = None) -> SendReport:
        """Send (or, for a dry run, check) every recipient; returns the report. Raises SendError
        (or AwsError) for problems found before anything is sent; problems during the run end
        it early with ``report.stopped`` set (the checkpoint resumes it)."""
        started = self.clock()
        with ExitStack() as stack:
            journal = self.job.journal_path()
            if journal is not None and not self.job.dry_run:
                stack.enter_context(CheckpointLock(journal))
            ready = self.preflight or Preflight.load(self.gateway, self.job, check_sender=self.job.dry_run)
            bucket = self._pace(ready)
            session = open_session(self.job, self.report, source_digest, run_id=self.run_id or None)
            stack.callback(session.close)
            self.run_id = self.report.run_id = session.run_id
            if self.breaker is not None:
                self.breaker.begin(session.run_id)
            admission = Admission(
                self.job,
                ready,
                self.report,
                run_id=session.run_id,
                done=session.done,
                settled=session.settled,
            )
            stack.callback(admission.seen.close)
            dispatcher = Dispatcher(
                self.gateway,
                self.job,
                self.report,
                bucket=bucket,
                batch_size=self.batch_size,
                concurrency=1 if self.job.dry_run else self.concurrency,
                run_id=session.run_id,
                journal=session.journal,
                resolver=self.resolver,
                clock=self.clock,
                sleep=self.sleep,
                rng=self.rng,
                tick=self._tick,
                stop_requested=self._stop_requested,
                batch_seq=session.batches,
                on_sent=self.on_sent,
                breaker=self.breaker,
            )
            try:
                with dispatcher:
                    settle_in_doubt(session, self.job, self.report, self.resolver)
                    self._feed(recipients, admission, dispatcher)
                    dispatcher.finish()
                self._warn_quota(ready)
            except Stop as stop:
                self._stopped(stop)
                if isinstance(stop, Pause):
                    self.report.paused = stop.details
                    if session.journal is not None:
                        session.journal.pause(stop.reason, stop.details)
            finally:
                self.report.elapsed = self.clock() - started
        self._tick()
        return self.report

    def request_stop(self) -> None:
        """Stop after the calls in flight (from a signal handler, or another thread): their
        answers are journaled, the rest of the file stays unsent and resumable."""
        self._stop_requested.set()

    def _pace(self, ready: Preflight) -> TokenBucket:
        """The account's rate (or --rate, if lower), its batch size and concurrency."""
        rate = ready.max_send_rate
        if self.job.rate_limit is not None:
            rate = min(rate, self.job.rate_limit)
        self.report.max_send_rate = rate
        # List management sends one SendEmail per recipient (sending/list_management.py).
        self.batch_size = self.report.batch_size = 1 if self.job.list_management else batch_size_for(rate)
        self.concurrency = self.job.concurrency or max(1, min(8, math.ceil(rate / 250)))
        if not self.job.dry_run and not ready.sending_enabled:
            raise SendError(
                "Sending is paused for this account (GetAccount SendingEnabled=false).",
                hint="Resume sending in the SES console or with PutAccountSendingAttributes, then run again.",
            )
        self.report.warnings.extend(ready.warnings)
        if self.job.dry_run:  # a real run learns it from the first call anyway
            self.report.warnings.extend(ready.sender_warnings)
        return TokenBucket(
            rate, burst=self.batch_size, operation="SendBulkEmail", clock=self.clock, sleep=self.sleep
        )

    def _feed(self, recipients: Iterable[Recipient], admission: Admission, dispatcher: Dispatcher) -> None:
        if self.job.shard is not None:
            recipients = shard_rows(recipients, self.job.shard, self.job.processes)
        for recipient in recipients:
            if self._stop_requested.is_set():
                raise Stop(INTERRUPTED)
            entry = admission.admit(recipient)
            if entry is not None:
                dispatcher.add(entry)
            elif self.job.dry_run and self.report.rows % 500 == 0:
                self._tick()

    def _warn_quota(self, ready: Preflight) -> None:
        remaining = ready.remaining_quota
        if self.job.dry_run and remaining is not None and 0 < remaining < self.report.sent:
            self.report.warnings.append(
                f"{self.report.sent} recipients exceed the {remaining:,.0f} left of the 24-hour quota: "
                "the run will stop there (ACCOUNT_DAILY_QUOTA_EXCEEDED) and can be resumed with its checkpoint"
            )

    def _stopped(self, stop: Stop) -> None:
        self.report.stopped = stop.reason
        log.warning("send run %s stopped: %s", self.run_id, stop.reason)
        if stop.error is not None:
            self.report.warnings.append(mask_text(f"{stop.error.code}: {stop.error.hint or ''}".strip(": ")))

    def _tick(self) -> None:
        if self.progress is not None:
            self.progress(self.report)
