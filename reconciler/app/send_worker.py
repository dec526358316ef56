"""One worker process of a sharded send (app/send_shards.py starts them): a whole send engine
on one shard of the recipients, reporting to its parent over a pipe.

    ("progress", SendReport)     at most every PROGRESS_EVERY seconds
    ("tripped", reason, details) its circuit breaker paused it (the parent tells the others)
    ("done", SendReport)         the shard's final report
    ("error", message, hint)     the shard could not run (a checkpoint of another run, ...)

and the parent to it: ("stop",) and ("pause", reason, details) (a sibling's trip). A pipe
closed without "done" or "error" means the worker died; a worker whose pipe closes (its parent
died) stops. The worker stops after its calls in flight (journaled, nothing left in doubt) when
the parent asks, on SIGTERM or a first SIGINT, and when its parent died.

This module is what the forkserver imports before it forks the workers, so it imports only
what a worker needs (the engine, boto3, the store's recorder); the circuit breaker's pieces,
which read the manifests' models, are imported when a breaker is asked for.
"""

from __future__ import annotations

import logging
import pickle
import signal
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass
from multiprocessing.connection import Connection as Pipe
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from reconciler.aws.clients import AwsContext
from reconciler.aws.gateway import SesGateway
from reconciler.aws.ratelimit import RatesInput
from reconciler.errors import ReconcilerError
from reconciler.events.recorder import SendRecorder
from reconciler.sending.engine import SendEngine
from reconciler.sending.job import SendJob
from reconciler.sending.masking import mask_text
from reconciler.sending.preflight import Preflight
from reconciler.sending.recipients import RecipientSource
from reconciler.sending.report import SendReport
from reconciler.sending.resolver import InDoubtResolver

if TYPE_CHECKING:
    from reconciler.manifest.breaker import BreakerConfig

PROGRESS_EVERY = 0.25  # seconds between two progress messages of a worker


@dataclass(frozen=True)
class ShardOptions:
    """What watches the sharded run: as SendRequest's store, record and breaker."""

    store: Path | None = None
    record: bool = True
    breaker: BreakerConfig | None = None  # None: no breaker (the parent decided)
    sends: int = 0  # the preview's count (the breaker's "auto" is decided on it)


@dataclass
class ShardSpec:
    """Everything one worker needs, pickled to it."""

    shard: int
    shards: int
    job: SendJob  # the shard's: shard=k, the run's rate divided among the shards
    preflight: Preflight  # the preview's, its suppression snapshot cut to the shard
    recipients: RecipientSource  # every shard reads the whole file, and sends its rows
    digest: str | None
    run_id: str
    aws: AwsContext  # without its boto3 session: each worker makes its own
    rates: RatesInput  # the gateway's control-plane pacing (connect.default_rates)
    resolver: InDoubtResolver | None
    options: ShardOptions
    progress: bool


class _Channel:
    """The worker's end of its pipe to the parent. Sends come from the main thread and the
    dispatcher's threads; one thread (``listen``) reads what the parent says: "stop", a
    sibling's "pause", or an end of file when the parent died. Either way the engine stops
    after its calls in flight: nobody would watch the campaign any more, and a resume takes
    over from the journal."""

    def __init__(self, pipe: Pipe) -> None:
        self.pipe = pipe
        self.lock = threading.Lock()
        self.last = 0.0
        self.engine: SendEngine | None = None
        self.stopped = False  # asked to stop (or orphaned), maybe before the engine existed
        self.elsewhere: tuple[str, dict[str, Any]] | None = None  # a sibling's trip

    def send(self, message: tuple[Any, ...]) -> None:
        with self.lock:
            try:
                self.pipe.send(message)
            except OSError:
                pass  # the parent is gone: listen() has stopped the run

    def progress(self, report: SendReport) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY:
            return
        self.last = now
        try:
            snapshot = pickle.loads(pickle.dumps(report))
        except RuntimeError:  # a counter changed while it was copied: the next tick will do
            return
        self.send(("progress", snapshot))

    def listen(self) -> None:
        threading.Thread(target=self._listen, name="sesctl-shard-inbox", daemon=True).start()

    def _listen(self) -> None:
        while True:
            try:
                kind, *payload = self.pipe.recv()
            except (EOFError, OSError, pickle.UnpicklingError):
                self.stop()  # the parent died
                return
            if kind == "pause":
                self.elsewhere = (str(payload[0]), dict(payload[1]))
            elif kind == "stop":
                self.stop()

    def stop(self) -> None:
        self.stopped = True
        if self.engine is not None:
            self.engine.request_stop()

    def attach(self, engine: SendEngine) -> None:
        self.engine = engine
        if self.stopped:
            engine.request_stop()


class _SharedTrip:
    """The TripSignal of a shard: its trip goes to the parent, which tells the others."""

    def __init__(self, channel: _Channel) -> None:
        self.channel = channel

    def trip(self, reason: str, details: dict[str, Any]) -> None:
        self.channel.send(("tripped", reason, details))

    def tripped(self) -> tuple[str, dict[str, Any]] | None:
        return self.channel.elsewhere


def work(spec: ShardSpec, pipe: Pipe) -> None:
    """A worker process's entry point: send one shard, report back, never raise."""
    channel = _Channel(pipe)
    channel.listen()  # before anything slow: the parent may stop (or die) early
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    try:
        report = _send_shard(spec, channel)
    except ReconcilerError as exc:
        channel.send(("error", mask_text(str(exc)), exc.hint))
        return
    except KeyboardInterrupt:
        return  # a second Ctrl-C: abort now, like a kill (the journal covers it)
    except Exception as exc:  # a bug: named with its shard, never a traceback with data in it
        channel.send(("error", mask_text(f"internal error in the worker: {type(exc).__name__}: {exc}"), None))
        return
    channel.send(("done", report))


def _send_shard(spec: ShardSpec, channel: _Channel) -> SendReport:
    gateway = SesGateway.from_aws(spec.aws, rates=spec.rates)
    options = spec.options
    with ExitStack() as stack:
        recorder = None
        if options.record and options.store is not None:
            recorder = SendRecorder.for_job(options.store, spec.job)
            stack.callback(recorder.close)
        breaker = None
        if options.breaker is not None and options.store is not None:
            from reconciler.app.send_watch import breaker_for

            watch = breaker_for(options.breaker, options.sends, options.store, spec.aws)
            if watch is not None:
                breaker = watch.breaker
                breaker.shared = _SharedTrip(channel)
        engine = SendEngine(
            gateway,
            spec.job,
            resolver=spec.resolver,
            progress=channel.progress if spec.progress else None,
            preflight=spec.preflight,
            on_sent=recorder,
            breaker=breaker,
            run_id=spec.run_id,
        )
        _stop_on_signals(channel)
        channel.attach(engine)
        report = engine.run(spec.recipients.rows(), source_digest=spec.digest)
        if recorder is not None:
            recorder.finish(report)
        return report


def _stop_on_signals(channel: _Channel) -> None:
    """SIGTERM, and a first SIGINT (a terminal's Ctrl-C reaches every worker too): stop after
    the calls in flight. A second SIGINT aborts at once."""

    def graceful(signum: int, frame: FrameType | None) -> None:
        channel.stop()
        if signum == signal.SIGINT:
            signal.signal(signal.SIGINT, signal.default_int_handler)

    signal.signal(signal.SIGINT, graceful)
    signal.signal(signal.SIGTERM, graceful)
