"""What watches a `sesctl send` campaign: the event-store recorder and the circuit breaker,
built from sesctl.yaml's ``breaker:`` (and the flags over it) for one confirmed run.

    recorder = SendRecorder.for_job(store_path, job)                  # unless --no-store
    watch = breaker_for(config, preview.sent, store_path, conn.aws)  # None: not watched
    run(gateway, prepared, on_sent=recorder, breaker=watch.breaker)

The rate thresholds default to the alert policy's (events/alerts.Thresholds): one definition of
"bounce rate too high" for alerts, report, dashboard, breaker and MCP server.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from pathlib import Path

from reconciler.app.connect import find_project
from reconciler.aws.clients import AwsContext
from reconciler.errors import UsageError
from reconciler.events.alerts import Thresholds
from reconciler.events.store import EventStore, StoreError, now_ms
from reconciler.events.watch import CloudWatchCampaignRates, StoreCampaignRates
from reconciler.manifest.breaker import BreakerConfig
from reconciler.manifest.stamp import Stamp, stamp
from reconciler.sending.breaker import BreakerLimits, CircuitBreaker, RateProbe

CLOUDWATCH_CHECK_EVERY = 60.0  # CloudWatch aggregates per minute: reading it more often adds nothing
QUIET_CONSUMER_MS = 10 * 60_000


@dataclass
class Watch:
    breaker: CircuitBreaker
    described: str  # for the report: what watches and against what
    warnings: list[str]


def configured_breaker(start: Path = Path("."), **flags: object) -> BreakerConfig:
    """sesctl.yaml's ``breaker:`` (its defaults without one), with the flags given (not None)
    over it; the flags are BreakerConfig field names (enabled, bounce_rate, ...)."""
    project = find_project(start)
    config = project.config.breaker if project is not None and project.config is not None else None
    config = config or BreakerConfig()
    given = {name: value for name, value in flags.items() if value is not None}
    unknown = set(given) - set(BreakerConfig.model_fields)
    if unknown:
        raise ValueError(f"not breaker settings: {sorted(unknown)}")
    for name, value in given.items():
        # model_copy does not validate, and click's FloatRange lets nan through: a nan
        # threshold would compare false for ever, a breaker that never trips.
        if isinstance(value, float) and not math.isfinite(value):
            raise UsageError(f"the breaker's {name.replace('_', ' ')} must be a number, got {value}")
    merged = config.model_copy(update=given)
    if project is not None and merged.enabled is not False and (merged.bounce_rate is None or merged.complaint_rate is None):
        from_policies = {k: v for k, v in policy_rates(project.root).items() if getattr(merged, k) is None}
        merged = merged.model_copy(update=from_policies)
    return merged


def policy_rates(root: Path) -> dict[str, float]:
    """The strictest bounce and complaint thresholds of the manifests' AlertPolicy documents
    (what the alarms page on is what pauses a campaign); {} without any. sesctl.yaml's
    ``breaker:`` and the flags win over them; the alert defaults apply below them. Manifests
    that do not load leave the defaults (the send does not depend on them)."""
    from reconciler.app.alerts import policies
    from reconciler.errors import ReconcilerError

    try:
        found = list(policies(root, None).values())
    except ReconcilerError:
        return {}
    rates: dict[str, float] = {}
    for name in ("bounce_rate", "complaint_rate"):
        values = [value for t in found if (value := getattr(t, name)) is not None]
        if values:
            rates[name] = min(values)
    return rates


class PolicyRatesCache:
    """``policy_rates(root)`` kept between calls (an MCP server's sends ask at every call):
    loaded again only when sesctl.yaml or a manifest file changed (added, removed, rewritten:
    manifest/stamp.py), so an edit counts from the next call without a restart. Thread-safe."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.loads = 0
        self._rates: dict[str, float] | None = None
        self._seen: Stamp | None = None
        self._manifests: tuple[Path, ...] = ()
        self._lock = threading.Lock()

    def __call__(self) -> dict[str, float]:
        with self._lock:
            if self._rates is not None and self._stamp() == self._seen:
                return dict(self._rates)
            self._manifests = self._manifest_paths()
            seen = self._stamp()  # before loading: an edit during the load is seen next time
            rates = policy_rates(self.root)
            self.loads += 1
            # Kept only once the files have settled: a rewrite within their timestamp's
            # granularity could otherwise go unseen.
            self._rates, self._seen = (rates, seen) if seen.settled else (None, None)
            return dict(rates)

    def _stamp(self) -> Stamp:
        from reconciler.manifest.project import find_project_file

        return stamp(find_project_file(self.root), self._manifests)

    def _manifest_paths(self) -> tuple[Path, ...]:
        """The manifest paths sesctl.yaml names (none without one: no policies then)."""
        from reconciler.errors import ReconcilerError
        from reconciler.manifest import load_project
        from reconciler.manifest.project import find_project_file

        if find_project_file(self.root) is None:
            return ()
        try:
            return tuple(load_project(self.root).manifest_paths)
        except ReconcilerError:
            return ()  # a broken sesctl.yaml: its own edit is the change to watch


def thresholds_of(config: BreakerConfig) -> Thresholds:
    defaults = Thresholds()
    return Thresholds(
        bounce_rate=config.bounce_rate if config.bounce_rate is not None else defaults.bounce_rate,
        complaint_rate=config.complaint_rate if config.complaint_rate is not None else defaults.complaint_rate,
        min_sends=config.min_sends,
    )


def wanted(config: BreakerConfig, sends: int) -> bool:
    """Whether a campaign of ``sends`` recipients (this session) is watched."""
    if config.enabled == "auto":
        return sends >= config.min_campaign
    return bool(config.enabled)


def breaker_for(config: BreakerConfig, sends: int, store: Path, aws: AwsContext) -> Watch | None:
    if not wanted(config, sends):
        return None
    thresholds = thresholds_of(config)
    check_every = config.check_every
    warnings: list[str] = []
    probe: RateProbe
    if config.source == "cloudwatch":
        probe = CloudWatchCampaignRates(aws.client("cloudwatch"), thresholds)
        check_every = max(check_every, CLOUDWATCH_CHECK_EVERY)
        where = "CloudWatch (dimension sesctl-campaign)"
    else:
        probe = StoreCampaignRates(store, thresholds)
        where = f"the event store {store}"
        quiet = _quiet_consumer(store)
        if quiet:
            warnings.append(quiet)
    limits = BreakerLimits(
        consecutive_failures=config.consecutive_failures,
        failure_ratio=config.failure_rate,
        check_every=check_every,
    )
    described = (
        f"pauses above {_percent(thresholds.bounce_rate)} bounces or {_percent(thresholds.complaint_rate)} "
        f"complaints (after {thresholds.min_sends} sends; read from {where} every {check_every:g} s), "
        f"or {limits.consecutive_failures} recipients failing in a row, or over {limits.failure_ratio:.0%} failing"
    )
    return Watch(CircuitBreaker(limits, probe), described, warnings)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:g} %"


def _quiet_consumer(store: Path) -> str | None:
    """A warning when no consumer has written to the store lately: the breaker would then see
    the campaign's sends but none of its bounces."""
    hint = (
        "the breaker reads bounces and complaints from the event store, but no `sesctl events consume` has "
        "committed to it in the last 10 minutes: run one beside the send (--follow) or they will not be seen"
    )
    if not store.is_file():
        return hint
    try:
        with EventStore.open(store, readonly=True) as opened:
            row = opened.conn.execute("SELECT max(committed_at) FROM batches").fetchone()
    except StoreError:
        return hint
    if row is None or row[0] is None or now_ms() - int(row[0]) > QUIET_CONSUMER_MS:
        return hint
    return None
