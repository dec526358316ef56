"""The outcome of a send run, counted per recipient row."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

MAX_EXAMPLES = 20  # refusals and failures listed by row (the counts are always exact)


@dataclass
class Problem:
    row: int
    line: int
    email: str  # masked
    reason: str


@dataclass
class SendReport:
    run_id: str = ""
    dry_run: bool = False
    rows: int = 0  # rows read this session
    sent: int = 0  # accepted by SES this session (dry run: would be sent)
    skipped_suppressed: int = 0
    skipped_duplicate: int = 0  # rows whose address an earlier row has (case-insensitive)
    held_out: int = 0  # an experiment's holdout: deliberately sent nothing
    refused_render: int = 0  # data lacks a variable the template prints
    refused_invalid: int = 0  # malformed address, oversized data, bad tag
    failed_permanent: int = 0  # SES refused the entry (or retries ran out)
    retried: int = 0  # retry attempts of transient statuses and throttled calls
    already_done: int = 0  # rows a previous session of this checkpoint finished
    in_doubt_sent: int = 0  # in-doubt rows found accepted (resolver) on resume
    in_doubt_resent: int = 0  # in-doubt rows sent again (--in-doubt resend)
    in_doubt_skipped: int = 0  # in-doubt rows given up (--in-doubt skip)
    by_variant: Counter[str] = field(default_factory=Counter)  # sent per variant
    failures: Counter[str] = field(default_factory=Counter)  # permanent failures per status
    examples: list[Problem] = field(default_factory=list)
    stopped: str | None = None  # why the run stopped early (resumable), if it did
    paused: dict[str, Any] | None = None  # the circuit breaker stopped it: why, the rates seen
    # The checkpoint's last session ended in a breaker pause: its reason and time ("reason", "at").
    paused_before: dict[str, str] | None = None
    recorded: int = 0  # sends recorded into the event store
    breaker: str | None = None  # what watched the run ("store, bounce 5 %, ...") or None
    max_send_rate: float = 0.0
    batch_size: int = 0
    elapsed: float = 0.0  # the whole run, set-up reads included
    sending_seconds: float = 0.0  # from the first SendBulkEmail call to the last answer
    warnings: list[str] = field(default_factory=list)
    processes: int = 1  # processes the run was sharded across (app/send_shards.py)

    @property
    def processed(self) -> int:
        return (
            self.sent
            + self.skipped_suppressed
            + self.skipped_duplicate
            + self.held_out
            + self.refused_render
            + self.refused_invalid
            + self.failed_permanent
            + self.already_done
            + self.in_doubt_sent
            + self.in_doubt_skipped
        )

    @property
    def send_rate(self) -> float:
        """Recipients accepted per second while sending."""
        return self.sent / self.sending_seconds if self.sending_seconds > 0 else 0.0

    def note(self, problem: Problem) -> None:
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append(problem)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["by_variant"] = dict(self.by_variant)
        out["failures"] = dict(self.failures)
        out["send_rate"] = round(self.send_rate, 2)
        if self.processes == 1:
            del out["processes"]  # a run of one process reports as it always did
        return out

    def lines(self) -> list[str]:
        """The human summary (addresses already masked)."""
        verb = "would send" if self.dry_run else "sent"
        out = [
            f"{verb}: {self.sent}",
            f"skipped (suppressed): {self.skipped_suppressed}",
            f"skipped (duplicate): {self.skipped_duplicate}",
            f"refused (rendering): {self.refused_render}",
            f"refused (invalid): {self.refused_invalid}",
            f"failed permanently: {self.failed_permanent}",
            f"retried: {self.retried}",
        ]
        if self.held_out:
            out.append(f"held out (experiment holdout, not sent): {self.held_out}")
        if self.already_done:
            out.append(f"already done (checkpoint): {self.already_done}")
        if self.in_doubt_sent or self.in_doubt_resent or self.in_doubt_skipped:
            out.append(
                f"in doubt on resume: {self.in_doubt_sent} found sent, {self.in_doubt_resent} resent, "
                f"{self.in_doubt_skipped} skipped"
            )
        if set(self.by_variant) - {"-"}:
            out.append("by variant: " + ", ".join(f"{k}={v}" for k, v in sorted(self.by_variant.items())))
        if self.failures:
            out.append("failures: " + ", ".join(f"{k}={v}" for k, v in sorted(self.failures.items())))
        if not self.dry_run and self.sending_seconds > 0:
            out.append(
                f"rate: {self.send_rate:.1f}/s (MaxSendRate {self.max_send_rate:g}/s, batches of {self.batch_size})"
            )
        if self.processes > 1:
            out.append(
                f"processes: {self.processes} (recipients sharded by address, "
                f"{self.max_send_rate / self.processes:.4g}/s each)"
            )
        for problem in self.examples:
            out.append(f"  row {problem.row} (line {problem.line}) {problem.email}: {problem.reason}")
        out.extend(f"warning: {w}" for w in self.warnings)
        if self.breaker:
            out.append(f"circuit breaker: {self.breaker}")
        if self.paused:
            seen = self.paused.get("rates_seen")
            if seen:
                rates = ", ".join(
                    f"{name.replace('_', ' ')} {value * 100:.2f} %"
                    for name, value in sorted(seen["rates"].items())
                    if value is not None
                )
                out.append(f"rates seen ({seen['source']}, {seen['sends']} sends): {rates or 'none yet'}")
            out.append(
                f"PAUSED: {self.stopped}. Nothing was lost or sent twice: the rest is unsent and the "
                "checkpoint resumes it. Look first, then run the same command with --resume."
            )
        elif self.stopped:
            out.append(f"stopped: {self.stopped}")
        return out


# What became of each recipient (the audit entry's counts); every row ends in one of these.
OUTCOMES = (
    "sent",
    "skipped_suppressed",
    "skipped_duplicate",
    "held_out",
    "refused_render",
    "refused_invalid",
    "failed_permanent",
    "already_done",
    "in_doubt_sent",
    "in_doubt_resent",
    "in_doubt_skipped",
)
# Counted per row or attempt: a sharded run's total is the sum of its shards'.
SUMMED = ("rows", *OUTCOMES, "retried", "recorded")


def combined(parts: Sequence[SendReport]) -> SendReport:
    """One report for the shards of a run (each recipient is in exactly one shard): the counts
    summed, the examples in row order, the rate the shards' rates together, warnings once.
    ``stopped`` and ``paused`` are left to the caller, who knows which shard stopped why."""
    assert {f.name for f in fields(SendReport)} >= set(SUMMED)
    total = SendReport(dry_run=all(p.dry_run for p in parts))
    for part in parts:
        for name in SUMMED:
            setattr(total, name, getattr(total, name) + getattr(part, name))
        total.by_variant.update(part.by_variant)
        total.failures.update(part.failures)
        total.max_send_rate += part.max_send_rate
        total.batch_size = max(total.batch_size, part.batch_size)
        total.elapsed = max(total.elapsed, part.elapsed)
        total.sending_seconds = max(total.sending_seconds, part.sending_seconds)
        total.run_id = total.run_id or part.run_id
        total.warnings.extend(w for w in part.warnings if w not in total.warnings)
    examples = sorted((e for p in parts for e in p.examples), key=lambda e: e.row)
    total.examples = examples[:MAX_EXAMPLES]
    return total
