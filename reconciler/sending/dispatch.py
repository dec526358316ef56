"""Dispatch: admitted entries to SES in SendBulkEmail calls, paced at MaxSendRate.

Entries are grouped per variant (one template per call) into calls of ``batch_size``
(batch_size_for), paced by a token bucket in recipients per second whose burst is one batch,
and sent through the gateway's single-attempt call (counted like every other SES call; never
retried behind the engine's back). Up to ``concurrency`` calls run at once on worker threads.
Each call is journaled before and after (checkpoint.py); SES's answer goes through the outcome
policy (outcome.py), whose retries come back through a queue with jittered backoff.
"""

from __future__ import annotations

import json
import logging
import random
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from reconciler.aws.gateway import SesGateway
from reconciler.aws.ratelimit import TokenBucket
from reconciler.errors import AwsError
from reconciler.sending.admission import Entry
from reconciler.sending.breaker import CircuitBreaker
from reconciler.sending.checkpoint import Journal
from reconciler.sending.job import SendJob
from reconciler.sending.list_management import entry_result, send_email_request
from reconciler.sending.masking import mask_email, mask_text
from reconciler.sending.outcome import CallOutcome, EntryOutcome, call_outcome, entry_outcome, out_of_attempts
from reconciler.sending.report import Problem, SendReport
from reconciler.sending.resolver import InDoubtResolver
from reconciler.sending.stop import INTERRUPTED, Stop

log = logging.getLogger("reconciler.sending")

__all__ = ["INTERRUPTED", "Dispatcher", "OnSent", "SentMessage", "Stop"]


@dataclass(frozen=True)
class SentMessage:
    """A recipient SES accepted, for whoever records sends (the event store)."""

    row: int
    email: str
    message_id: str
    template: str
    variant: str | None
    tags: Mapping[str, str]


OnSent = Callable[[Sequence[SentMessage]], None]


class Dispatcher:
    def __init__(
        self,
        gateway: SesGateway,
        job: SendJob,
        report: SendReport,
        *,
        bucket: TokenBucket,
        batch_size: int,
        concurrency: int,
        run_id: str,
        journal: Journal | None,
        resolver: InDoubtResolver | None,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        rng: random.Random,
        tick: Callable[[], None],
        stop_requested: threading.Event,
        batch_seq: int = 0,
        on_sent: OnSent | None = None,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self.gateway = gateway
        self.job = job
        self.report = report
        self.bucket = bucket
        self.batch_size = batch_size
        self.concurrency = concurrency
        self.run_id = run_id
        self.journal = journal
        self.resolver = resolver
        self.clock = clock
        self.sleep = sleep
        self.rng = rng
        self.tick = tick
        self.stop_requested = stop_requested
        self._batch_seq = batch_seq
        self.on_sent = on_sent
        self.breaker = breaker
        self._pending: dict[tuple[str, str], list[Entry]] = {}
        self._retry: deque[Entry] = deque()
        self._first_send: float | None = None
        # Calls may run on worker threads: this lock guards the report, the journal, the retry
        # queue and the batch counter (the SES call itself runs outside it).
        self._lock = threading.RLock()
        self._pool: ThreadPoolExecutor | None = None
        self._inflight: set[Future[None]] = set()

    def __enter__(self) -> Dispatcher:
        if self.concurrency > 1:
            self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="sesctl-send")
        return self

    def __exit__(self, *exc: object) -> None:
        # Calls still in flight finish and journal their answers before the run ends.
        for future in list(self._inflight):
            future.exception()
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    # ---- feeding ---------------------------------------------------------------------------

    def add(self, entry: Entry) -> None:
        # One template per SendBulkEmail call: a variant's localized templates batch apart.
        key = (entry.variant.name, entry.variant.template)
        batch = self._pending.setdefault(key, [])
        batch.append(entry)
        if len(batch) >= self.batch_size:
            self._dispatch(self._pending.pop(key))
            self.drain_retries(force=False)

    def finish(self) -> None:
        """Send what is pending and every retry, and wait for every answer."""
        for name in list(self._pending):
            self._dispatch(self._pending.pop(name))
        self.drain_retries(force=True)

    # ---- calls -----------------------------------------------------------------------------

    def _dispatch(self, entries: list[Entry]) -> None:
        """Send a batch: here, or on a worker when calls run concurrently (waiting for a free
        worker first, and raising a worker's Stop here)."""
        if not entries:
            return
        if self._pool is None:
            self._send(entries)
            return
        while len(self._inflight) >= self.concurrency:
            self._reap(wait(self._inflight, return_when=FIRST_COMPLETED).done)
        self._inflight.add(self._pool.submit(self._send, entries))

    def _reap(self, done: Iterable[Future[None]]) -> None:
        for future in list(done):
            self._inflight.discard(future)
            error = future.exception()
            if error is not None:
                raise error

    def _request(self, entries: list[Entry]) -> dict[str, Any]:
        template: dict[str, Any] = {
            "TemplateName": entries[0].variant.template,
            "TemplateData": json.dumps(dict(self.job.default_data)),
        }
        request: dict[str, Any] = {
            "FromEmailAddress": self.job.from_address,
            "DefaultContent": {"Template": template},
            "BulkEmailEntries": [
                {
                    "Destination": {"ToAddresses": [e.recipient.email]},
                    # The whole merged data, so the result is the same whether SES merges per
                    # key or falls back to the defaults wholesale.
                    "ReplacementEmailContent": {
                        "ReplacementTemplate": {"ReplacementTemplateData": e.data_json}
                    },
                    "ReplacementTags": [{"Name": k, "Value": v} for k, v in e.tags.items()],
                    **({"ReplacementHeaders": [{"Name": n, "Value": v} for n, v in e.headers]} if e.headers else {}),
                }
                for e in entries
            ],
        }
        if self.job.default_tags:
            request["DefaultEmailTags"] = [{"Name": k, "Value": v} for k, v in self.job.default_tags.items()]
        if self.job.configuration_set:
            request["ConfigurationSetName"] = self.job.configuration_set
        if self.job.reply_to:
            request["ReplyToAddresses"] = list(self.job.reply_to)
        return request

    def _send(self, entries: list[Entry]) -> None:
        rows = [e.recipient.row for e in entries]
        batch = ""
        first_send = 0.0

        def journal_intent() -> None:
            # After the pacing wait: a batch journaled as begun is in flight at once.
            nonlocal batch, first_send
            with self._lock:
                batch = f"b{self._batch_seq}"
                self._batch_seq += 1
                if self.journal is not None:
                    self.journal.begin(batch, rows)
                if self._first_send is None:
                    self._first_send = self.clock()
                first_send = self._first_send

        try:
            results = self._call(entries, journal_intent)
        except AwsError as error:
            with self._lock:
                self._call_failed(batch, entries, error)
            return
        with self._lock:
            self.report.sending_seconds = self.clock() - first_send
            self._record(batch, entries, results)

    def _call(self, entries: list[Entry], before: Callable[[], None]) -> list[dict[str, Any]]:
        """SES's answer for each entry: one SendBulkEmail, or with list management the one
        entry's SendEmail (which SendBulkEmail cannot carry), answered like a bulk entry."""
        request = self._request(entries)
        options = self.job.list_management
        if options is None:
            response = self.gateway.call_once(
                "SendBulkEmail", tokens=len(entries), bucket=self.bucket, before=before, **request
            )
            results: list[dict[str, Any]] = response.get("BulkEmailEntryResults", [])
            return results
        (entry,) = request["BulkEmailEntries"]
        single = send_email_request(request, entry, options)
        try:
            sent = self.gateway.call_once("SendEmail", tokens=1, bucket=self.bucket, before=before, **single)
        except AwsError as error:
            result = entry_result(error)
            if result is None:
                raise
            return [result]
        return [{"Status": "SUCCESS", "MessageId": str(sent.get("MessageId", ""))}]

    # ---- answers ---------------------------------------------------------------------------

    def _call_failed(self, batch: str, entries: list[Entry], error: AwsError) -> None:
        rows = [e.recipient.row for e in entries]
        outcome = call_outcome(error)
        if outcome is CallOutcome.THROTTLED:
            # SES refused the whole call before sending anything: retry it all (for a while).
            if self.journal is not None:
                self.journal.abort(batch, error.code)
            if out_of_attempts(max(e.attempts for e in entries), self.job.max_attempts):
                raise Stop(
                    f"SES kept throttling SendBulkEmail ({error.code}) after {self.job.max_attempts} attempts; "
                    "another sender may be using this account's rate. Resume with the same --checkpoint later, "
                    "or lower --rate.",
                    error,
                )
            for entry in entries:
                self._requeue(entry, error.code)
            return
        if outcome is CallOutcome.IN_DOUBT:
            self._in_doubt(batch, entries, rows, error)
            # Decided (or requeued) first, so a pause leaves nothing in doubt.
            if self.breaker is not None:
                self.breaker.after_call_error(error.code)
            return
        # SES's messages can quote recipients (sandbox: "...failed the check: ada@example.com").
        message = mask_text(str(error))
        if self.journal is not None:
            self.journal.abort(batch, f"{error.code}: {message}")
        raise Stop(message, error)

    def _in_doubt(self, batch: str, entries: list[Entry], rows: list[int], error: AwsError) -> None:
        """A 5xx or a lost connection: SES may have accepted some of the batch."""
        if self.resolver is not None:
            accepted = self.resolver.accepted(self.run_id, rows)
            if self.journal is not None:
                self.journal.resolved(
                    batch, sorted(accepted.items()), [r for r in rows if r not in accepted], self.resolver.name
                )
            for entry in entries:
                if entry.recipient.row in accepted:
                    self.count_sent(entry)
            self._report_sent([(e, accepted[e.recipient.row]) for e in entries if e.recipient.row in accepted])
            self._requeue_or_stop([e for e in entries if e.recipient.row not in accepted], error)
            return
        if self.job.in_doubt == "resend":
            if self.journal is not None:
                self.journal.resolved(batch, [], rows, "resend")
            self._requeue_or_stop(entries, error)
            return
        raise Stop(
            f"SES answered {error.code} to a SendBulkEmail call; its {len(rows)} recipients are in doubt. "
            "Resume with the same --checkpoint and --in-doubt resend or skip.",
            error,
        )

    def _requeue_or_stop(self, entries: list[Entry], error: AwsError) -> None:
        """Retry rows known to be unsent after a 5xx, for a bounded number of attempts: an
        endpoint that keeps failing must stop the run (resumable), not loop for ever."""
        if not entries:
            return
        if out_of_attempts(max(e.attempts for e in entries), self.job.max_attempts):
            raise Stop(
                f"SES kept failing SendBulkEmail ({error.code}: {mask_text(str(error))}) after "
                f"{self.job.max_attempts} attempts; the rest is unsent. Resume with the same --checkpoint later.",
                error,
            )
        for entry in entries:
            self._requeue(entry, error.code)

    def _record(self, batch: str, entries: list[Entry], results: list[dict[str, Any]]) -> None:
        sent: list[tuple[int, str]] = []
        accepted: list[tuple[Entry, str]] = []
        failed: list[tuple[int, str, str]] = []
        retry: list[int] = []
        errors = 0  # answers other than SUCCESS and throttling, for the circuit breaker
        stop: str | None = None
        for index, entry in enumerate(entries):
            result = results[index] if index < len(results) else {"Status": "FAILED", "Error": "no result"}
            status = str(result.get("Status", "FAILED"))
            ses_error = mask_text(str(result.get("Error", "")))  # it may quote the recipient
            row = entry.recipient.row
            outcome = entry_outcome(status, entry.attempts, self.job.max_attempts)
            if outcome is EntryOutcome.SENT:
                sent.append((row, str(result.get("MessageId", ""))))
                accepted.append((entry, sent[-1][1]))
                self.count_sent(entry)
            elif outcome is EntryOutcome.RETRY:
                retry.append(row)
                errors += status != "ACCOUNT_THROTTLED"
                self._requeue(entry, status)
            elif outcome is EntryOutcome.STOP:
                retry.append(row)
                stop = stop or f"SES answered {status} ({ses_error}); the remaining recipients are unsent."
            else:
                errors += 1
                failed.append((row, status, self._failed(entry, status, ses_error)))
        if self.journal is not None:
            self.journal.end(batch, sent, failed, retry)
        self._report_sent(accepted)
        self.tick()
        if stop is not None:
            raise Stop(stop + " Resume with the same --checkpoint when SES accepts sends again.")
        if self.breaker is not None:
            self.breaker.after_batch(len(sent), errors)

    def _report_sent(self, accepted: list[tuple[Entry, str]]) -> None:
        if self.on_sent is None or not accepted:
            return
        self.on_sent(
            [
                SentMessage(
                    row=entry.recipient.row,
                    email=entry.recipient.email,
                    message_id=message_id,
                    template=entry.variant.template,
                    variant=entry.variant.name or None,
                    tags=entry.tags,
                )
                for entry, message_id in accepted
            ]
        )

    def _failed(self, entry: Entry, status: str, ses_error: str) -> str:
        error = ses_error
        if status in ("ACCOUNT_THROTTLED", "TRANSIENT_FAILURE", "FAILED"):
            error = f"gave up after {entry.attempts + 1} attempts: {error}"
        self.report.failed_permanent += 1
        self.report.failures[status] += 1
        masked = mask_email(entry.recipient.email)
        self.report.note(Problem(entry.recipient.row, entry.recipient.line, masked, f"{status}: {error}"))
        log.info("row %d %s: failed: %s %s", entry.recipient.row, masked, status, error)
        return error

    def count_sent(self, entry: Entry) -> None:
        self.report.sent += 1
        self.report.by_variant[entry.variant.name or "-"] += 1

    # ---- retries ---------------------------------------------------------------------------

    def _requeue(self, entry: Entry, status: str) -> None:
        entry.attempts += 1
        self.report.retried += 1
        delay = self.rng.uniform(0.0, min(10.0, self.job.retry_base * (2.0**entry.attempts)))
        entry.not_before = self.clock() + delay
        log.info(
            "row %d %s: %s, retry %d in %.2fs",
            entry.recipient.row,
            mask_email(entry.recipient.email),
            status,
            entry.attempts,
            delay,
        )
        self._retry.append(entry)

    def drain_retries(self, *, force: bool) -> None:
        """Send the retries that are due (with ``force``: all of them, and wait for every call
        in flight, whose answers may add retries)."""
        while True:
            now = self.clock()
            with self._lock:
                due = [e for e in self._retry if e.not_before <= now]
                batch: list[Entry] = []
                if due:
                    variant = due[0].variant
                    batch = [e for e in due if e.variant == variant][: self.batch_size]
                    for entry in batch:
                        self._retry.remove(entry)
                next_due = min((e.not_before for e in self._retry), default=None)
            if batch:
                self._dispatch(batch)
                if not force:
                    return
                continue
            if not force:
                return
            if self.stop_requested.is_set() and not self._inflight:
                raise Stop(INTERRUPTED)
            if self._inflight:
                timeout = None if next_due is None else max(0.0, next_due - now)
                self._reap(wait(self._inflight, timeout=timeout, return_when=FIRST_COMPLETED).done)
            elif next_due is not None:
                self.sleep(max(0.0, next_due - now))
            else:
                return
