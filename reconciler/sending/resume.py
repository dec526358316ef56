"""A run's checkpoint session: open (or resume) the journal, and settle in-doubt batches.

A resumed run must be the same campaign (recipients file, sender, templates, configuration
set: the header), and keeps the first session's run id, so every message of the campaign
carries one idempotency tag prefix. Batches a killed session began but never recorded are
settled before anything else is sent (see checkpoint.py and docs/sending.md).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Container, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler.sending.checkpoint import CheckpointError, Journal, Replay
from reconciler.sending.job import SendJob
from reconciler.sending.report import SendReport
from reconciler.sending.resolver import InDoubtResolver
from reconciler.sending.shards import AnyOf, journal_path, read_manifest

log = logging.getLogger("reconciler.sending")


@dataclass
class Session:
    run_id: str
    journal: Journal | None = None  # None: no checkpoint, or a dry run (which never writes)
    replay: Replay | None = None
    settled: set[int] = field(default_factory=set)  # in-doubt rows settled at the start
    # A sharded checkpoint read by its preview: each shard's journal (shards.py).
    shards: list[Replay] = field(default_factory=list)

    @property
    def batches(self) -> int:
        return self.replay.batches if self.replay is not None else 0

    @property
    def done(self) -> Container[int]:
        """Rows a previous session finished (in any shard, for a sharded checkpoint's preview)."""
        if self.replay is not None:
            return self.replay.done
        return AnyOf([replay.done for replay in self.shards])

    def close(self) -> None:
        if self.journal is not None:
            self.journal.close()


def new_run_id() -> str:
    return "r" + uuid.uuid4().hex[:12]


def open_session(
    job: SendJob, report: SendReport, source_digest: str | None, *, run_id: str | None = None
) -> Session:
    """The run's journal, opened (a dry run only reads it). ``run_id``: the campaign's, given by
    a sharded run to each of its shards (a new one otherwise, or the checkpoint's)."""
    session = Session(run_id=run_id or new_run_id())
    if job.checkpoint is None:
        return session
    header = {**job.header(), "file": source_digest}
    path = job.journal_path()
    if path is None:
        return _read_shards(job, report, header, session)
    journal = Journal(path)
    replay = journal.replay()
    if replay is not None:
        _check_same_campaign(journal, replay, header)
        if run_id is not None:
            _check_same_run(journal, replay, run_id, job.checkpoint)
        session.run_id = replay.run_id
        session.replay = replay
    paused = replay.paused if replay is not None else None
    _note(job, report, path, paused, sum(len(r) for r in replay.in_doubt.values()) if replay is not None else 0)
    if job.dry_run:
        # A dry run reads the checkpoint (to count what a resume would skip) but never writes it.
        return session
    if paused is not None and not job.resume:
        raise refuse_paused(path, paused)
    journal.open()
    if replay is None:
        journal.start(session.run_id, header)
    else:
        journal.resume(after_pause=paused is not None)
        log.info(
            "resuming run %s: %d rows done, %d batches in doubt",
            session.run_id,
            len(replay.done),
            len(replay.in_doubt),
        )
    session.journal = journal
    return session


def _read_shards(job: SendJob, report: SendReport, header: dict[str, object], session: Session) -> Session:
    """A sharded checkpoint as its preview sees it: every shard's journal, read only (the
    shards' own engines write them)."""
    assert job.checkpoint is not None
    if not job.dry_run:
        raise CheckpointError(
            f"{job.checkpoint}: a run of {job.processes} processes is journaled by its shards",
            hint="Send it through reconciler.app.send (SendRequest with processes), which starts the shards.",
        )
    manifest = read_manifest(job.checkpoint)
    if manifest is None:
        return session
    session.run_id = manifest.run_id
    paused: dict[str, Any] | None = None
    in_doubt = 0
    for shard in range(job.processes):
        journal = Journal(journal_path(job.checkpoint, shard, job.processes))
        replay = journal.replay()
        if replay is None:
            continue
        _check_same_campaign(journal, replay, header)
        _check_same_run(journal, replay, manifest.run_id, job.checkpoint)
        session.shards.append(replay)
        paused = paused or replay.paused
        in_doubt += sum(len(rows) for rows in replay.in_doubt.values())
    _note(job, report, job.checkpoint, paused, in_doubt)
    return session


def _note(job: SendJob, report: SendReport, path: Path, paused: Mapping[str, Any] | None, in_doubt: int) -> None:
    """What a previous session left that this one must say: a breaker pause, in-doubt rows."""
    if paused is not None:
        report.paused_before = {
            "reason": str(paused.get("reason", "paused by the circuit breaker")),
            "at": str(paused.get("at", "?")),
        }
        if job.dry_run:
            report.warnings.append(
                f"{path}: {report.paused_before['reason']} (at {report.paused_before['at']}); "
                "sending again needs --resume"
            )
    if job.dry_run and in_doubt:
        report.warnings.append(f"{in_doubt} recipients are in doubt in {path} (see --in-doubt)")


def refuse_paused(path: Path, paused: Mapping[str, Any]) -> CheckpointError:
    """A campaign the breaker paused goes on only when a human says so (--resume)."""
    return CheckpointError(
        f"{path}: the circuit breaker paused this campaign at {paused.get('at', '?')}: "
        f"{str(paused.get('reason', '')).removeprefix('paused by the circuit breaker: ')}",
        hint="Look at what tripped it (`sesctl analytics --filter sesctl-campaign=<run id>`, the bounce "
        "reasons), fix the list or the template, then run the same command with --resume to continue "
        "where it stopped.",
    )


def _check_same_run(journal: Journal, replay: Replay, run_id: str, checkpoint: Path | None) -> None:
    """A shard's journal belongs to the run its checkpoint's manifest names."""
    if replay.run_id != run_id:
        raise CheckpointError(
            f"{journal.path} belongs to run {replay.run_id}, while {checkpoint} names run {run_id}",
            hint="The shard journals beside a checkpoint must be the ones its run wrote: pass a new "
            "--checkpoint path for a new run.",
        )


def _check_same_campaign(journal: Journal, replay: Replay, header: dict[str, object]) -> None:
    for key, value in header.items():
        if replay.header.get(key) != value:
            differs = (
                "the recipients file is not the one it was started with (edited since, or another file; "
                "a row's position is its key, so a changed file cannot be resumed)"
                if key == "file"
                else f"its {key} is {replay.header.get(key)!r}, this run's is {value!r}"
            )
            raise CheckpointError(
                f"{journal.path} belongs to another run: {differs}",
                hint="Resume with the same recipients file, template(s), sender and configuration set, "
                "or pass a new --checkpoint path for a new run.",
            )


def settle_in_doubt(
    session: Session, job: SendJob, report: SendReport, resolver: InDoubtResolver | None
) -> None:
    """Decide batches whose call may or may not have reached SES when the last session died."""
    replay, journal = session.replay, session.journal
    if replay is None or journal is None:
        return
    for batch, rows in replay.in_doubt.items():
        if resolver is not None:
            accepted = resolver.accepted(session.run_id, rows)
            sent = sorted(accepted.items())
            journal.resolved(batch, sent, [r for r in rows if r not in accepted], resolver.name)
            for row, _ in sent:
                replay.done.add(row)
                session.settled.add(row)
            report.in_doubt_sent += len(sent)
            log.info("in-doubt batch %s: %d of %d rows found accepted", batch, len(sent), len(rows))
        elif job.in_doubt == "resend":
            journal.resolved(batch, [], rows, "resend")
            report.in_doubt_resent += len(rows)
        elif job.in_doubt == "skip":
            journal.write(
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
                replay.done.add(row)
                session.settled.add(row)
            report.in_doubt_skipped += len(rows)
        else:
            raise in_doubt_refusal(len(rows), f"batch {batch}")


def in_doubt_refusal(rows: int, where: str) -> CheckpointError:
    """Why a run with in-doubt rows and ``--in-doubt fail`` does not start."""
    return CheckpointError(
        f"{rows} recipients ({where}) are in doubt: the previous session stopped "
        "between sending them to SES and recording SES's answer, and SES cannot be asked "
        "whether it accepted them.",
        hint="Run again with --in-doubt resend (they may receive the mail twice) or "
        "--in-doubt skip (they may receive nothing).",
    )
