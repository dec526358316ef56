"""A campaign sharded across processes: `sesctl send --processes N`.

    report = run_shards(conn, prepared, ShardOptions(store=..., record=True, breaker=config),
                        resolver=resolver, progress=bar, interrupt=graceful)

The use case (app/send.py) has made the preflight and the preview over the whole file and had
them confirmed, in this process, before any worker starts: the pre-render refusals, the 24-hour
quota check and the suppression snapshot are the run's, once. Then this module

* writes the checkpoint's manifest (the number of processes, the partition, the campaign's run
  id; sending/shards.py), or checks the one there;
* starts N worker processes (app/send_worker.py), forked by a ``forkserver``: a fresh,
  single-threaded process that imported the engine once (this process runs threads, so it is
  never forked itself; ``spawn`` would import the engine again in every worker). Each gets its
  shard's job (``shard=k``, the rate divided by N), the preflight with the suppression snapshot
  cut to its shard (read-only: pickled to it, never written to disk), the run id and how to
  reach SES;
* collects the workers' progress and final reports over one pipe each, and combines them.

Each worker is a whole send engine on its shard of the file: its own token bucket (rate / N),
its own journal ``<checkpoint>.shard-K-of-N`` (begin/end lines fsync'd as one process does,
so the exactly-once guarantee is the single run's, shard by shard), its own in-doubt settling,
its own recorder into the event store, and its own circuit breaker reading the campaign's rates.
A trip in one shard is shared (TripSignal): the others pause at their next batch, and each
shard's journal gets its ``pause`` line, so the campaign resumes with ``--resume`` as a whole.

Stopping: ``request_stop`` (Ctrl-C, SIGTERM in the CLI) tells every worker to stop after its
calls in flight; a worker whose parent died (SIGKILL) stops the same way by itself. A worker
that dies (SIGKILL, OOM) is named in the report with its shard and the run ends stopped, with a
resume hint, once the other shards have finished their rows; its journal is what a killed
single run leaves.
"""

from __future__ import annotations

import multiprocessing
import pickle
import signal
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection as Pipe
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING, Protocol

from reconciler.app.connect import Connection, default_rates
from reconciler.app.send_worker import ShardOptions, ShardSpec, work
from reconciler.errors import SendError
from reconciler.sending.checkpoint import Journal
from reconciler.sending.job import SendJob
from reconciler.sending.masking import mask_text
from reconciler.sending.report import SendReport, combined
from reconciler.sending.resolver import InDoubtResolver
from reconciler.sending.resume import in_doubt_refusal, new_run_id
from reconciler.sending.shards import journal_path, write_manifest

if TYPE_CHECKING:
    from reconciler.app.send import PreparedSend

__all__ = ["ShardOptions", "ShardedRun", "Stoppable", "run_shards"]

LISTEN_EVERY = 0.2  # seconds: how soon a stop request reaches the workers


class Stoppable(Protocol):
    def request_stop(self) -> None: ...


# ---- the parent --------------------------------------------------------------------------


@dataclass
class _Shard:
    index: int
    process: BaseProcess
    pipe: Pipe  # duplex: the worker's messages in, "stop" and a sibling's "pause" out
    latest: SendReport | None = None  # its last progress
    final: SendReport | None = None
    error: tuple[str, str | None] | None = None  # (message, hint) of a worker that could not run
    open: bool = True


class ShardedRun:
    """The running shards: what ``interrupt`` is given (request_stop: every worker stops after
    its calls in flight, journaled), and the loop that listens to them."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self.shards: list[_Shard] = []
        self.tripped_in: int | None = None  # the shard whose breaker paused the campaign
        # Set from a signal handler: the loop below sends the stops (a handler must not write
        # to a pipe the loop may be writing to).
        self._stop = threading.Event()
        self._stopping = False

    def request_stop(self) -> None:
        self._stop.set()

    def listen(self, progress: Callable[[SendReport], None] | None) -> None:
        """Read every worker's messages until each has closed its pipe (finished or died)."""
        while any(shard.open for shard in self.shards):
            pipes = {shard.pipe: shard for shard in self.shards if shard.open}
            for ready in wait(list(pipes), timeout=LISTEN_EVERY):
                assert isinstance(ready, Pipe)
                shard = pipes[ready]
                try:
                    kind, *payload = ready.recv()
                except (EOFError, OSError, pickle.UnpicklingError):
                    shard.open = False
                    ready.close()
                    continue
                if kind == "progress":
                    shard.latest = payload[0]
                    if progress is not None:
                        progress(combined([s.final or s.latest or SendReport() for s in self.shards]))
                elif kind == "done":
                    shard.final = payload[0]
                elif kind == "error":
                    shard.error = (str(payload[0]), payload[1])
                elif kind == "tripped":
                    self._tripped(shard, str(payload[0]), dict(payload[1]))
            if self._stop.is_set() and not self._stopping:
                self._stopping = True
                self._tell(("stop",))

    def _tripped(self, shard: _Shard, reason: str, details: dict[str, object]) -> None:
        """A shard's breaker tripped: the others pause at their next batch (the first trip is
        the campaign's; a second one, racing it, pauses its own shard only)."""
        if self.tripped_in is not None:
            return
        self.tripped_in = shard.index
        where = f"shard {shard.index + 1} of {self.processes}"
        self._tell(
            ("pause", f"{reason} (tripped in {where})", {**details, "paused_by_shard": shard.index + 1}),
            but=shard,
        )

    def _tell(self, message: tuple[object, ...], but: _Shard | None = None) -> None:
        for shard in self.shards:
            if shard.open and shard is not but:
                try:
                    shard.pipe.send(message)
                except OSError:
                    pass  # it is gone: its end of file is read next


def run_shards(
    conn: Connection,
    prepared: PreparedSend,
    options: ShardOptions,
    *,
    resolver: InDoubtResolver | None = None,
    progress: Callable[[SendReport], None] | None = None,
    interrupt: Callable[[Stoppable], AbstractContextManager[object]] | None = None,
) -> SendReport:
    """Send ``prepared`` (previewed and confirmed) with ``prepared.job.processes`` workers."""
    job = prepared.job
    n = job.processes
    started = time.monotonic()
    run_id = write_manifest(job.checkpoint, n, new_run_id()).run_id if job.checkpoint else new_run_id()
    refuse_in_doubt(job, resolver)
    rate = prepared.preflight.max_send_rate
    if job.rate_limit is not None:
        rate = min(rate, job.rate_limit)
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([work.__module__])
    run = ShardedRun(n)
    aws = replace(conn.aws, _session=None)
    for k in range(n):
        spec = ShardSpec(
            shard=k,
            shards=n,
            job=replace(job, shard=k, rate_limit=rate / n),
            preflight=prepared.preflight.for_shard(k, n),
            recipients=prepared.recipients,
            digest=prepared.digest,
            run_id=run_id,
            aws=aws,
            rates=default_rates(aws),
            resolver=resolver,
            options=options,
            progress=progress is not None,
        )
        ours, theirs = context.Pipe(duplex=True)
        process = context.Process(target=work, args=(spec, theirs), name=f"sesctl-send-shard-{k + 1}-of-{n}")
        process.start()
        # Only the worker holds its end now: the worker's death is an end of file here, and
        # this process's death is one there.
        theirs.close()
        run.shards.append(_Shard(k, process, ours))
    with interrupt(run) if interrupt is not None else nullcontext():
        run.listen(progress)
    for shard in run.shards:
        shard.process.join()
    report = _combine(run.shards, job, run_id, rate)
    report.elapsed = time.monotonic() - started
    return report


def refuse_in_doubt(job: SendJob, resolver: InDoubtResolver | None = None) -> None:
    """``--in-doubt fail`` with no resolver (real SES) refuses in-doubt rows before any shard
    starts, not in one shard while the others send."""
    if job.checkpoint is None or resolver is not None or job.in_doubt != "fail":
        return
    for k in range(job.processes):
        path = journal_path(job.checkpoint, k, job.processes)
        replay = Journal(path).replay()
        if replay is not None and replay.in_doubt:
            rows = sum(len(r) for r in replay.in_doubt.values())
            raise in_doubt_refusal(rows, f"shard {k + 1} of {job.processes}, {path.name}")


def _combine(shards: Sequence[_Shard], job: SendJob, run_id: str, rate: float) -> SendReport:
    n = len(shards)
    errors = [s for s in shards if s.error is not None]
    if len(errors) == n and not any(s.latest and s.latest.sent for s in shards):
        # Every worker refused before sending (a checkpoint of another run, an unknown
        # template...): the run's error, as one process would raise it.
        message, hint = errors[0].error or ("", None)
        raise SendError(
            f"shard 1 of {n}: {message}" if len({s.error for s in errors}) > 1 else message, hint=hint
        )
    report = combined([s.final or s.latest or SendReport() for s in shards])
    report.run_id = run_id
    report.processes = n
    report.max_send_rate = rate
    paused = [s for s in shards if s.final is not None and s.final.paused]
    if paused:
        origin = next(
            (s for s in paused if s.final and "paused_by_shard" not in (s.final.paused or {})), paused[0]
        )
        assert origin.final is not None and origin.final.paused is not None
        report.paused = {**origin.final.paused, "shard": origin.index + 1, "shards_paused": len(paused)}
        reason = str(origin.final.stopped or "paused by the circuit breaker")
        report.stopped = (
            f"{reason} (in shard {origin.index + 1} of {n}; "
            + (
                f"the other {len(paused) - 1} paused at their next batch"
                if len(paused) > 1
                else "the others had finished"
            )
            + ")"
        )
    problems: dict[str, list[int]] = {}
    resumable = job.checkpoint is not None
    for shard in shards:
        if shard in paused:
            continue
        if shard.final is not None:
            if shard.final.stopped:
                problems.setdefault(shard.final.stopped, []).append(shard.index)
        elif shard.error is not None:
            problems.setdefault(mask_text(shard.error[0]), []).append(shard.index)
        else:
            again = (
                "what it journaled is kept: run the same command again (the same --checkpoint and "
                f"--processes {n}) to send the rest."
                if resumable
                else "without a --checkpoint the rest cannot be sent again without duplicates."
            )
            died = f"its process died ({_exit(shard.process.exitcode)}) before it finished; {again}"
            problems.setdefault(died, []).append(shard.index)
    said = [
        reason if len(where) == n else f"{_shards(where, n)}: {reason}" for reason, where in problems.items()
    ]
    if said and report.paused:
        report.warnings.extend(said)
    elif said:
        report.stopped = "; ".join(said)
    return report


def _shards(indexes: Sequence[int], n: int) -> str:
    names = ", ".join(str(k + 1) for k in indexes)
    return f"shard {names} of {n}" if len(indexes) == 1 else f"shards {names} of {n}"


def _exit(code: int | None) -> str:
    if code is None:
        return "still running"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"
