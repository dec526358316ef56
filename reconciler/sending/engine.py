"""The send engine: a templated campaign through SendBulkEmail, safely.

    engine = SendEngine(gateway, SendJob(from_address="news@example.com", template="welcome",
                                         checkpoint=Path("run.ckpt")))
    report = engine.run(read_recipients(Path("recipients.csv")), source_digest=file_digest(path))

For each recipient, in file order: skip it if a previous session of the checkpoint finished
it; refuse a malformed address; skip it if the account suppression list (read once, see
suppression.py) holds it; pick its A/B variant; merge its data into the campaign defaults
(SES's bulk rule) and render the template locally, refusing it with the missing variable
named (so no Rendering Failure ever reaches SES). Accepted entries are sent in SendBulkEmail
calls of at most 50 (fewer when MaxSendRate is low), one variant per call, paced by a token
bucket at the account's MaxSendRate in recipients per second. Per-entry statuses decide what
happens next (STATUS_* below). Every call is journaled before and after (checkpoint.py).
"""

from __future__ import annotations

import json
import logging
import math
import random
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from reconciler.aws.gateway import THROTTLING_CODES, SesGateway, map_error
from reconciler.aws.ratelimit import TokenBucket
from reconciler.errors import AwsError, RetryableAwsError, SendError
from reconciler.sending.checkpoint import CheckpointError, Journal, Replay
from reconciler.sending.dedupe import SeenAddresses
from reconciler.sending.masking import mask_email, mask_text
from reconciler.sending.recipients import Recipient
from reconciler.sending.report import Problem, SendReport
from reconciler.sending.resolver import IDEMPOTENCY_TAG, InDoubtResolver, idempotency_value
from reconciler.sending.suppression import load_suppressed, reasons_in_force
from reconciler.sending.variants import VARIANT_TAG, Variant, assign, check_variants
from reconciler.templates import RenderError, TemplateError, compile_template, merge_template_data

log = logging.getLogger("reconciler.sending")

MAX_BATCH = 50  # SendBulkEmail's limit
MAX_TEMPLATE_DATA = 262_144
# Deeper data is refused per row: no template reads that deep, and JSON parsers (SES's, the
# emulator's, Python's) give up near 1,000 levels, which would fail a whole batch. The same
# bound as the YAML/JSON reader of --data and manifests.
MAX_DATA_DEPTH = 200
# Retried with jittered backoff, up to SendJob.max_attempts. FAILED is SES's unspecified
# failure; it is retried a bounded number of times and then reported as permanent.
STATUS_TRANSIENT = frozenset({"ACCOUNT_THROTTLED", "TRANSIENT_FAILURE", "FAILED"})
# The whole campaign cannot go on (quota spent, sending paused, a setting wrong): the run
# stops, those rows stay unsent, and the same --checkpoint resumes later. Pausing is a human
# or reputation decision that lasts hours, so it is not retried with backoff.
STATUS_STOP = frozenset(
    {
        "ACCOUNT_DAILY_QUOTA_EXCEEDED",
        "ACCOUNT_SENDING_PAUSED",
        "CONFIGURATION_SET_SENDING_PAUSED",
        "ACCOUNT_SUSPENDED",
        "CONFIGURATION_SET_NOT_FOUND",
        "TEMPLATE_NOT_FOUND",
        "MAIL_FROM_DOMAIN_NOT_VERIFIED",
        "INVALID_SENDING_POOL_NAME",
    }
)
# Anything else (MESSAGE_REJECTED, INVALID_PARAMETER) is permanent for that recipient.

IN_DOUBT_POLICIES = ("fail", "resend", "skip")
_EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")
_TAG = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_TAG_VALUE = re.compile(r"^[A-Za-z0-9_-]{0,256}$")


@dataclass(frozen=True)
class SendJob:
    """What to send. Exactly one of ``template`` and ``variants``."""

    from_address: str
    template: str | None = None
    variants: tuple[Variant, ...] = ()
    configuration_set: str | None = None
    default_data: Mapping[str, Any] = field(default_factory=dict)
    default_tags: Mapping[str, str] = field(default_factory=dict)
    reply_to: tuple[str, ...] = ()
    dry_run: bool = False
    checkpoint: Path | None = None
    in_doubt: str = "fail"  # what to do with in-doubt rows when no resolver can decide them
    max_attempts: int = 6
    retry_base: float = 0.25  # seconds; retry n waits uniform(0, min(10, retry_base * 2**n))
    rate_limit: float | None = None  # recipients/s; never above the account's MaxSendRate
    # SendBulkEmail calls in flight at once; None: one per 250 recipients/s of MaxSendRate
    # (1 up to 250/s, at most 8), so round trips do not cap high send rates.
    concurrency: int | None = None
    check_suppression: bool = True

    def arms(self) -> tuple[Variant, ...]:
        if self.variants:
            return self.variants
        assert self.template is not None
        return (Variant("", self.template, 1),)

    def validate(self) -> None:
        if bool(self.template) == bool(self.variants):
            raise SendError("Give either a template or variants (not both, not neither).")
        check_variants(self.variants)
        for address in (self.from_address, *self.reply_to):
            if has_line_break(address) or not address.strip():
                raise SendError(
                    f"Invalid sender address {address!r}: one address, optionally with a display name, "
                    "on one line (a line break would add headers)."
                )
        if self.in_doubt not in IN_DOUBT_POLICIES:
            raise SendError(f"in_doubt must be one of {', '.join(IN_DOUBT_POLICIES)}, got {self.in_doubt!r}")
        if self.rate_limit is not None and not (math.isfinite(self.rate_limit) and self.rate_limit > 0):
            raise SendError(
                f"The send rate (--rate) must be a positive number of recipients per second, got {self.rate_limit}."
            )
        if self.max_attempts < 1:
            raise SendError("max_attempts must be at least 1")
        if self.concurrency is not None and not 1 <= self.concurrency <= 32:
            raise SendError("concurrency must be between 1 and 32")
        for name, value in self.default_tags.items():
            _check_tag(name, value)
        if self.checkpoint is not None:
            Journal(self.checkpoint).check_location()

    def header(self) -> dict[str, Any]:
        """What a checkpoint must agree on to be resumed by this job."""
        return {
            "from": self.from_address,
            "variants": [[v.name, v.template, v.weight] for v in self.arms()],
            "configuration_set": self.configuration_set,
        }


@dataclass
class _Entry:
    recipient: Recipient
    variant: Variant
    data_json: str
    tags: dict[str, str]
    attempts: int = 0
    not_before: float = 0.0


class _Stop(Exception):
    def __init__(self, reason: str, error: AwsError | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.error = error


@dataclass
class _Compiled:
    parts: list[tuple[str, Any]]  # (part name, compiled template)


def _depth(value: Any) -> int:
    """How deeply objects and arrays nest in ``value`` (iterative: the value may be hostile)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            children: Iterable[Any] = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, level + 1)
        if deepest > MAX_DATA_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest


def has_line_break(text: str) -> bool:
    """A line break in a header value (subject, address) would let data write headers of its own."""
    return "\r" in text or "\n" in text


def _check_tag(name: str, value: str) -> None:
    if not _TAG.match(name) or not _TAG_VALUE.match(value):
        raise SendError(
            f"Invalid message tag {name}={value}: names and values use ASCII letters, digits, '_' and '-' (max 256)."
        )


def _without_sdk_retries(client: Any) -> None:
    """botocore would retry a SendBulkEmail that got a 5xx or lost its connection, possibly
    after SES accepted it: a duplicate nobody journaled. The engine decides retries itself (the
    gateway does the same for reads), so the client's retry handler is removed."""
    events = getattr(getattr(client, "meta", None), "events", None)
    if events is None:
        return
    name = client.meta.service_model.service_id.hyphenize()
    events.unregister(f"needs-retry.{name}", unique_id=f"retry-config-{name}")


def batch_size_for(rate: float) -> int:
    """Entries per call: 50, or half a second's worth of MaxSendRate when that is smaller, so
    one call never needs more than the account's one-second burst (SES's bucket)."""
    return max(1, min(MAX_BATCH, int(rate // 2)))


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
    ) -> None:
        job.validate()
        self.gateway = gateway
        self.job = job
        self.resolver = resolver
        self.progress = progress
        self.clock = clock
        self.sleep = sleep
        self.rng = random.Random(seed)
        self.report = SendReport(dry_run=job.dry_run)
        self.run_id = ""
        self._journal: Journal | None = None
        self._replay: Replay | None = None
        self._skip_rows: set[int] = set()  # in-doubt rows settled at the start of this session
        self._compiled: dict[str, _Compiled] = {}
        self._suppressed: set[str] = set()
        self._seen = SeenAddresses()  # distinct addresses so far: later rows with one are duplicates
        self._pending: dict[str, list[_Entry]] = {}
        self._retry: deque[_Entry] = deque()
        self._batch_seq = 0
        self._bucket: TokenBucket | None = None
        self._account: dict[str, Any] = {}
        self._first_send: float | None = None
        self._remaining_quota: float | None = None
        # Calls may run on worker threads: this lock guards the report, the journal, the retry
        # queue and the batch counter (the SES call itself runs outside it).
        self._lock = threading.RLock()
        self.concurrency = 1
        self._pool: ThreadPoolExecutor | None = None
        self._inflight: set[Future[None]] = set()
        self._stop_requested = threading.Event()
        self.batch_size = MAX_BATCH

    # ---- the run -----------------------------------------------------------------------------

    def run(self, recipients: Iterable[Recipient], *, source_digest: str | None = None) -> SendReport:
        """Send (or, for a dry run, check) every recipient; returns the report. Raises SendError
        (or AwsError) for problems found before anything is sent; problems during the run end
        it early with ``report.stopped`` set (the checkpoint resumes it)."""
        started = self.clock()
        self._prepare_account()
        self._prepare_templates()
        if self.job.dry_run:  # a real run learns it from the first call anyway
            self._check_sender()
        if self.job.check_suppression:
            try:
                reasons = reasons_in_force(self.gateway, self._account, self.job.configuration_set)
            except AwsError as exc:
                if exc.code == "NotFoundException":
                    raise SendError(
                        f"Configuration set {self.job.configuration_set} does not exist in this account and region.",
                        hint="Create it (sesctl apply), or check the name and --region.",
                    ) from None
                raise
            self._suppressed = load_suppressed(self.gateway, reasons)
        self._open_checkpoint(source_digest)
        if self.concurrency > 1 and not self.job.dry_run:
            self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="sesctl-send")
        try:
            self._settle_in_doubt()
            for recipient in recipients:
                if self._stop_requested.is_set():
                    raise _Stop(
                        "interrupted; the rest is unsent. Run again with the same --checkpoint to go on."
                    )
                entry = self._admit(recipient)
                if entry is not None:
                    batch = self._pending.setdefault(entry.variant.name, [])
                    batch.append(entry)
                    if len(batch) >= self.batch_size:
                        self._dispatch(self._pending.pop(entry.variant.name))
                        self._drain_retries(force=False)
                elif self.job.dry_run and self.report.rows % 500 == 0:
                    self._tick()
            for name in list(self._pending):
                self._dispatch(self._pending.pop(name))
            self._drain_retries(force=True)
            if (
                self.job.dry_run
                and self._remaining_quota is not None
                and 0 < self._remaining_quota < self.report.sent
            ):
                self.report.warnings.append(
                    f"{self.report.sent} recipients exceed the {self._remaining_quota:,.0f} left of the 24-hour quota: "
                    "the run will stop there (ACCOUNT_DAILY_QUOTA_EXCEEDED) and can be resumed with its checkpoint"
                )
        except _Stop as stop:
            self.report.stopped = stop.reason
            log.warning("send run %s stopped: %s", self.run_id, stop.reason)
            if stop.error is not None:
                self.report.warnings.append(
                    mask_text(f"{stop.error.code}: {stop.error.hint or ''}".strip(": "))
                )
        finally:
            # Calls still in flight finish and journal their answers before the run ends.
            for future in list(self._inflight):
                future.exception()
            if self._pool is not None:
                self._pool.shutdown(wait=True)
            if self._journal is not None:
                self._journal.close()
            self.report.elapsed = self.clock() - started
        self._tick()
        return self.report

    def request_stop(self) -> None:
        """Stop after the calls in flight (from a signal handler, or another thread): their
        answers are journaled, the rest of the file stays unsent and resumable."""
        self._stop_requested.set()

    def _prepare_account(self) -> None:
        self._account = self.gateway.call("GetAccount")
        quota = self._account.get("SendQuota") or {}
        rate = float(quota.get("MaxSendRate") or 1.0)
        if self.job.rate_limit is not None:
            rate = min(rate, self.job.rate_limit)
        self.report.max_send_rate = rate
        self.batch_size = batch_size_for(rate)
        self.report.batch_size = self.batch_size
        self._bucket = TokenBucket(rate, burst=self.batch_size, clock=self.clock, sleep=self.sleep)
        self.concurrency = self.job.concurrency or max(1, min(8, math.ceil(rate / 250)))
        if not self.job.dry_run and self._account.get("SendingEnabled") is False:
            raise SendError(
                "Sending is paused for this account (GetAccount SendingEnabled=false).",
                hint="Resume sending in the SES console or with PutAccountSendingAttributes, then run again.",
            )
        if self._account.get("ProductionAccessEnabled") is False:
            self.report.warnings.append(
                "the account is in the SES sandbox: only verified addresses and the mailbox simulator "
                "can receive (others fail with MESSAGE_REJECTED)"
            )
        maximum = float(quota.get("Max24HourSend", -1))
        self._remaining_quota = None if maximum < 0 else maximum - float(quota.get("SentLast24Hours", 0))
        if self._remaining_quota is not None and self._remaining_quota <= 0:
            self.report.warnings.append(
                "the 24-hour sending quota is spent; SES will refuse sends until it frees up"
            )

    def _check_sender(self) -> None:
        """Warn early when the sender is not a verified identity (nor in a verified domain):
        SES would refuse the first call. A warning, not an error: sending authorization from
        another account's identity, or an IAM policy without GetEmailIdentity, is legitimate."""
        address = self.job.from_address.rsplit("<", 1)[-1].strip(" >").lower()
        domain = address.rpartition("@")[2]
        labels = domain.split(".")
        # The domain first: it is what most senders verify, so one call usually settles it.
        candidates = [domain, address] + [".".join(labels[i:]) for i in range(1, len(labels) - 1)]
        for identity in candidates:
            try:
                found = self.gateway.call("GetEmailIdentity", EmailIdentity=identity)
            except AwsError as exc:
                if exc.code == "NotFoundException":
                    continue
                return  # cannot tell (permissions, throttling): SES will say
            if found.get("VerifiedForSendingStatus"):
                return
        self.report.warnings.append(
            f"{mask_email(address)} is not a verified identity and no domain of it is verified in this "
            "region: SES will refuse the sends (MessageRejected)"
        )

    def _prepare_templates(self) -> None:
        for variant in self.job.arms():
            if variant.template in self._compiled:
                continue
            try:
                content = self.gateway.call("GetEmailTemplate", TemplateName=variant.template)[
                    "TemplateContent"
                ]
            except AwsError as exc:
                if exc.code == "NotFoundException":
                    raise SendError(
                        f"Template {variant.template} does not exist in this account and region.",
                        hint="Create it (sesctl apply) or check --region / --local.",
                    ) from None
                raise
            parts = []
            for part, key in (("subject", "Subject"), ("html", "Html"), ("text", "Text")):
                source = content.get(key)
                if source is None:
                    continue
                try:
                    parts.append((part, compile_template(source, part=part)))
                except TemplateError as exc:
                    raise SendError(f"Template {variant.template} does not compile: {exc}") from None
            self._compiled[variant.template] = _Compiled(parts)

    # ---- the checkpoint ------------------------------------------------------------------------

    def _open_checkpoint(self, source_digest: str | None) -> None:
        path = self.job.checkpoint
        self.run_id = "r" + uuid.uuid4().hex[:12]
        self.report.run_id = self.run_id
        if path is None:
            return
        journal = Journal(path)
        replay = journal.replay()
        header = {**self.job.header(), "file": source_digest}
        if replay is not None:
            for key, value in header.items():
                if replay.header.get(key) != value:
                    differs = (
                        "the recipients file is not the one it was started with (edited since, or another file; "
                        "a row's position is its key, so a changed file cannot be resumed)"
                        if key == "file"
                        else f"its {key} is {replay.header.get(key)!r}, this run's is {value!r}"
                    )
                    raise CheckpointError(
                        f"{path} belongs to another run: {differs}",
                        hint="Resume with the same recipients file, template(s), sender and configuration set, "
                        "or pass a new --checkpoint path for a new run.",
                    )
            self.run_id = replay.run_id
            self.report.run_id = self.run_id
            self._replay = replay
            self._batch_seq = replay.batches
        if self.job.dry_run:
            # A dry run reads the checkpoint (to count what a resume would skip) but never writes it.
            if replay is not None and replay.in_doubt:
                rows = sum(len(r) for r in replay.in_doubt.values())
                self.report.warnings.append(f"{rows} recipients are in doubt in {path} (see --in-doubt)")
            return
        journal.open()
        if replay is None:
            journal.start(self.run_id, header)
        else:
            journal.resume()
            log.info(
                "resuming run %s: %d rows done, %d batches in doubt",
                self.run_id,
                len(replay.done),
                len(replay.in_doubt),
            )
        self._journal = journal

    def _settle_in_doubt(self) -> None:
        """Decide batches whose call may or may not have reached SES when the last session died."""
        if self._replay is None or self._journal is None:
            return
        for batch, rows in self._replay.in_doubt.items():
            if self.resolver is not None:
                accepted = self.resolver.accepted(self.run_id, rows)
                sent = sorted(accepted.items())
                unsent = [r for r in rows if r not in accepted]
                self._journal.resolved(batch, sent, unsent, self.resolver.name)
                for row, _ in sent:
                    self._replay.done.add(row)
                    self._skip_rows.add(row)
                self.report.in_doubt_sent += len(sent)
                log.info("in-doubt batch %s: %d of %d rows found accepted", batch, len(sent), len(rows))
            elif self.job.in_doubt == "resend":
                self._journal.resolved(batch, [], rows, "resend")
                self.report.in_doubt_resent += len(rows)
            elif self.job.in_doubt == "skip":
                self._journal.write(
                    {
                        "type": "resolved",
                        "batch": batch,
                        "sent": [],
                        "unsent": [],
                        "how": "skip",
                        "failed": [[r, "IN_DOUBT_SKIPPED", ""] for r in rows],
                    }
                )
                for row in rows:
                    self._replay.done.add(row)
                    self._skip_rows.add(row)
                self.report.in_doubt_skipped += len(rows)
            else:
                raise CheckpointError(
                    f"{len(rows)} recipients (batch {batch}) are in doubt: the previous session stopped "
                    "between sending them to SES and recording SES's answer, and SES cannot be asked "
                    "whether it accepted them.",
                    hint="Run again with --in-doubt resend (they may receive the mail twice) or "
                    "--in-doubt skip (they may receive nothing).",
                )

    # ---- admitting a recipient -----------------------------------------------------------------

    def _admit(self, recipient: Recipient) -> _Entry | None:
        report = self.report
        report.rows += 1
        row = recipient.row
        address = recipient.email
        # Recorded before anything else decides the row, so a resumed run finds the same
        # duplicates (the first row with an address is the one sent) whatever is done already.
        first = self._seen.add(address) if _EMAIL.fullmatch(address) else True
        if row in self._skip_rows:
            return None
        if self._replay is not None and row in self._replay.done:
            report.already_done += 1
            return None
        masked = mask_email(address)
        if not _EMAIL.fullmatch(address):
            self._refuse(recipient, "invalid", "malformed email address")
            return None
        if not first:
            report.skipped_duplicate += 1
            report.note(
                Problem(row, recipient.line, masked, "duplicate address (an earlier row has it): skipped")
            )
            log.info("row %d %s: skipped, duplicate of an earlier row", row, masked)
            return None
        if address.lower() in self._suppressed:
            report.skipped_suppressed += 1
            log.info("row %d %s: skipped, on the account suppression list", row, masked)
            return None
        if _depth(recipient.data) > MAX_DATA_DEPTH:
            self._refuse(recipient, "invalid", f"template data nested more than {MAX_DATA_DEPTH} levels deep")
            return None
        variant = assign(address, self.job.variants) if self.job.variants else self.job.arms()[0]
        data = merge_template_data(dict(self.job.default_data), recipient.data)
        try:
            for part, compiled in self._compiled[variant.template].parts:
                rendered = compiled.render(data)
                if part == "subject" and has_line_break(rendered):
                    # The data would write a header line of its own (a "\r\nBcc: ..." injection).
                    self._refuse(
                        recipient, "invalid", "the rendered subject contains a line break (from the data)"
                    )
                    return None
        except RenderError as exc:
            where = f"{exc.part} line {exc.line}" if exc.part else "template"
            reason = f"missing variable '{exc.variable}' ({variant.template}: {where})"
            self._refuse(recipient, "render", reason)
            return None
        except TemplateError as exc:
            self._refuse(recipient, "render", f"cannot render {variant.template}: {exc}")
            return None
        data_json = json.dumps(data, separators=(",", ":"))
        if len(data_json) > MAX_TEMPLATE_DATA:
            reason = f"template data is {len(data_json)} characters (max 262,144)"
            self._refuse(recipient, "invalid", reason)
            return None
        tags = {**self.job.default_tags, **recipient.tags}
        if self.job.variants:
            tags[VARIANT_TAG] = variant.name
        tags[IDEMPOTENCY_TAG] = idempotency_value(self.run_id, row)
        for name, value in recipient.tags.items():
            if not _TAG.match(name) or not _TAG_VALUE.match(value):
                self._refuse(recipient, "invalid", f"invalid tag {name}={value}")
                return None
        if self.job.dry_run:
            report.sent += 1
            report.by_variant[variant.name or "-"] += 1
            return None
        return _Entry(recipient, variant, data_json, tags)

    def _refuse(self, recipient: Recipient, kind: str, reason: str) -> None:
        masked = mask_email(recipient.email)
        if kind == "render":
            self.report.refused_render += 1
        else:
            self.report.refused_invalid += 1
        self.report.note(Problem(recipient.row, recipient.line, masked, reason))
        log.info("row %d %s: refused: %s", recipient.row, masked, reason)
        return None

    # ---- sending a batch -----------------------------------------------------------------------

    def _request(self, entries: list[_Entry]) -> dict[str, Any]:
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

    def _dispatch(self, entries: list[_Entry]) -> None:
        """Send a batch: here, or on a worker when calls run concurrently (waiting for a free
        worker first, and raising a worker's _Stop here)."""
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

    def _send(self, entries: list[_Entry]) -> None:
        assert self._bucket is not None
        wait_for = max(self._bucket.reserve() for _ in entries)
        if wait_for > 0:
            self.sleep(wait_for)
        rows = [e.recipient.row for e in entries]
        with self._lock:
            batch = f"b{self._batch_seq}"
            self._batch_seq += 1
            if self._journal is not None:
                self._journal.begin(batch, rows)
            if self._first_send is None:
                self._first_send = self.clock()
            first_send = self._first_send
        client = self.gateway.client
        _without_sdk_retries(client)
        try:
            response = client.send_bulk_email(**self._request(entries))
        except (ClientError, BotoCoreError) as exc:
            with self._lock:
                self._call_failed(batch, entries, map_error(exc, "SendBulkEmail", {}, client))
            return
        with self._lock:
            self.report.sending_seconds = self.clock() - first_send
            self._record(batch, entries, response.get("BulkEmailEntryResults", []))

    def _call_failed(self, batch: str, entries: list[_Entry], error: AwsError) -> None:
        rows = [e.recipient.row for e in entries]
        if error.code in THROTTLING_CODES:
            # SES refused the whole call before sending anything: retry it all (for a while).
            if self._journal is not None:
                self._journal.abort(batch, error.code)
            if max(e.attempts for e in entries) + 1 >= self.job.max_attempts:
                raise _Stop(
                    f"SES kept throttling SendBulkEmail ({error.code}) after {self.job.max_attempts} attempts; "
                    "another sender may be using this account's rate. Resume with the same --checkpoint later, "
                    "or lower --rate.",
                    error,
                )
            for entry in entries:
                self._requeue(entry, error.code)
            return
        if isinstance(error, RetryableAwsError):
            # A 5xx or a lost connection: SES may have accepted some of the batch.
            if self.resolver is not None:
                accepted = self.resolver.accepted(self.run_id, rows)
                if self._journal is not None:
                    self._journal.resolved(
                        batch,
                        sorted(accepted.items()),
                        [r for r in rows if r not in accepted],
                        self.resolver.name,
                    )
                for entry in entries:
                    if entry.recipient.row in accepted:
                        self._count_sent(entry)
                unsent = [e for e in entries if e.recipient.row not in accepted]
                self._requeue_or_stop(unsent, error)
                return
            if self.job.in_doubt == "resend":
                if self._journal is not None:
                    self._journal.resolved(batch, [], rows, "resend")
                self._requeue_or_stop(entries, error)
                return
            raise _Stop(
                f"SES answered {error.code} to a SendBulkEmail call; its {len(rows)} recipients are in doubt. "
                "Resume with the same --checkpoint and --in-doubt resend or skip.",
                error,
            )
        # SES's messages can quote recipients (sandbox: "...failed the check: ada@example.com").
        message = mask_text(str(error))
        if self._journal is not None:
            self._journal.abort(batch, f"{error.code}: {message}")
        raise _Stop(message, error)

    def _requeue_or_stop(self, entries: list[_Entry], error: AwsError) -> None:
        """Retry rows known to be unsent after a 5xx, for a bounded number of attempts: an
        endpoint that keeps failing must stop the run (resumable), not loop for ever."""
        if not entries:
            return
        if max(e.attempts for e in entries) + 1 >= self.job.max_attempts:
            raise _Stop(
                f"SES kept failing SendBulkEmail ({error.code}: {mask_text(str(error))}) after "
                f"{self.job.max_attempts} attempts; the rest is unsent. Resume with the same --checkpoint later.",
                error,
            )
        for entry in entries:
            self._requeue(entry, error.code)

    def _record(self, batch: str, entries: list[_Entry], results: list[dict[str, Any]]) -> None:
        sent: list[tuple[int, str]] = []
        failed: list[tuple[int, str, str]] = []
        retry: list[int] = []
        stop: str | None = None
        for index, entry in enumerate(entries):
            result = results[index] if index < len(results) else {"Status": "FAILED", "Error": "no result"}
            status = str(result.get("Status", "FAILED"))
            ses_error = mask_text(str(result.get("Error", "")))  # it may quote the recipient
            row = entry.recipient.row
            if status == "SUCCESS":
                sent.append((row, str(result.get("MessageId", ""))))
                self._count_sent(entry)
            elif status in STATUS_TRANSIENT and entry.attempts + 1 < self.job.max_attempts:
                retry.append(row)
                self._requeue(entry, status)
            elif status in STATUS_STOP:
                retry.append(row)
                stop = stop or f"SES answered {status} ({ses_error}); the remaining recipients are unsent."
            else:
                error = ses_error
                if status in STATUS_TRANSIENT:
                    error = f"gave up after {entry.attempts + 1} attempts: {error}"
                failed.append((row, status, error))
                self.report.failed_permanent += 1
                self.report.failures[status] += 1
                masked = mask_email(entry.recipient.email)
                self.report.note(Problem(row, entry.recipient.line, masked, f"{status}: {error}"))
                log.info("row %d %s: failed: %s %s", row, masked, status, error)
        if self._journal is not None:
            self._journal.end(batch, sent, failed, retry)
        self._tick()
        if stop is not None:
            raise _Stop(stop + " Resume with the same --checkpoint when SES accepts sends again.")

    def _count_sent(self, entry: _Entry) -> None:
        self.report.sent += 1
        self.report.by_variant[entry.variant.name or "-"] += 1

    def _requeue(self, entry: _Entry, status: str) -> None:
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

    def _drain_retries(self, *, force: bool) -> None:
        """Send the retries that are due (with ``force``: all of them, and wait for every call
        in flight, whose answers may add retries)."""
        while True:
            now = self.clock()
            with self._lock:
                due = [e for e in self._retry if e.not_before <= now]
                batch: list[_Entry] = []
                if due:
                    variant = due[0].variant.name
                    batch = [e for e in due if e.variant.name == variant][: self.batch_size]
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
            if self._stop_requested.is_set() and not self._inflight:
                raise _Stop("interrupted; the rest is unsent. Run again with the same --checkpoint to go on.")
            if self._inflight:
                timeout = None if next_due is None else max(0.0, next_due - now)
                self._reap(wait(self._inflight, timeout=timeout, return_when=FIRST_COMPLETED).done)
            elif next_due is not None:
                self.sleep(max(0.0, next_due - now))
            else:
                return

    def _tick(self) -> None:
        if self.progress is not None:
            self.progress(self.report)
