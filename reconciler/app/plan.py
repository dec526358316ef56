"""The plan use case: load and validate the manifests, read live SES, build the plan.

    result = plan(settings, PlanRequest(path=Path("."), env="production"))
    result.plan.to_json(); result.plan.has_changes

Nothing is changed. Everything AWS-facing happens inside one ``connect`` block per call (so
``--local`` keeps one embedded emulator for the whole plan-and-apply).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from reconciler.app.connect import connect
from reconciler.app.live_cache import open_cache, remember_reads, save_quietly
from reconciler.aws.gateway import SesGateway
from reconciler.aws.ratelimit import RatesInput, RetryPolicy
from reconciler.dns.plan_risks import readiness_risks
from reconciler.engine.plan import Plan, PlanDiagnostic, Source
from reconciler.engine.planner import Denials, DesiredResource, PlanOptions, build_plan, read_live, read_scope
from reconciler.engine.refresh import Budget, read_within_budget
from reconciler.errors import PlanError
from reconciler.kinds.base import Kind, LiveObject
from reconciler.kinds.registry import KINDS, is_manifest_only
from reconciler.manifest import load_manifests
from reconciler.manifest.model import DesiredState
from reconciler.settings import Settings
from reconciler.versions.stamps import rolled_back_risks

DEFAULT_STACK = "default"  # ownership tag value when there is no sesctl.yaml naming a stack


@dataclass(frozen=True)
class PlanRequest:
    path: Path = Path(".")
    env: str | None = None  # None: the root --env, else sesctl.yaml's defaultEnvironment
    targets: tuple[str, ...] = ()
    prune: bool | None = None  # None: take sesctl.yaml's prune
    max_destroy: int | None = None  # None: take sesctl.yaml's maxDestroy
    rate: RatesInput = None  # requests/s per operation: 5, "5", "GetEmailTemplate=2,default=1"
    retry: RetryPolicy | None = None  # backoff on throttling/5xx (None: the gateway's default)
    # Seconds of reading allowed: the stalest objects are re-read, the rest come from the live
    # cache (docs/drift.md). None: read everything.
    refresh_budget: float | None = None


@dataclass
class PlanResult:
    plan: Plan
    live: dict[str, LiveObject | None] = field(default_factory=dict)
    api_calls: dict[str, int] = field(default_factory=dict)
    throttles: dict[str, int] = field(default_factory=dict)  # TooManyRequests answers, retried
    notes: list[str] = field(default_factory=list)  # for stderr (a cache that could not be written)


def kinds() -> Mapping[str, Kind]:
    return KINDS


def plan(settings: Settings, request: PlanRequest) -> PlanResult:
    """Load and validate the manifests, read live SES, and build the plan (nothing is changed)."""
    state = load(settings, request)
    budget = None if request.refresh_budget is None else Budget(request.refresh_budget)
    with session(settings, state, request) as (gateway, options):
        return plan_with(gateway, state, options, budget)


def load(settings: Settings, request: PlanRequest) -> DesiredState:
    """The DesiredState; raises ManifestInvalid (every error, with file:line:col) before any AWS call."""
    return load_manifests(request.path, env=request.env or settings.env)


@contextmanager
def session(
    settings: Settings, state: DesiredState, request: PlanRequest
) -> Iterator[tuple[SesGateway, PlanOptions]]:
    """The gateway for the state's environment, and the plan options the request and
    sesctl.yaml make together."""
    env = state.environment
    prune = request.prune if request.prune is not None else env.prune
    max_destroy = request.max_destroy if request.max_destroy is not None else env.max_destroy
    with connect(settings, env, rate=request.rate, retry=request.retry) as conn:
        options = PlanOptions(
            stack=state.stack or DEFAULT_STACK,
            environment=env.name or "",
            region=conn.region,
            prune=prune,
            max_destroy=max_destroy,
            targets=tuple(request.targets),
            diagnostics=tuple(_diagnostics(state)),
        )
        yield conn.gateway, options


def plan_with(
    gateway: SesGateway, state: DesiredState, options: PlanOptions, budget: Budget | None = None
) -> PlanResult:
    """The plan; with a ``budget``, only what it allows is re-read (engine/refresh.py). Either
    way an existing live cache learns what was read."""
    registry = kinds()
    desired = _desired(state, registry, options.stack)
    scope = read_scope(desired, registry, options.targets)
    gateway.reset_counters()
    cache = open_cache(gateway, Path(state.project.root), options, create=budget is not None)
    unread: set[str] = set()
    denials = Denials.for_plan(desired, registry, options)
    refresh = None
    with gateway.reading():
        if budget is not None and cache is not None:
            outcome = read_within_budget(
                gateway, registry, scope, desired, cache, budget, stack=options.stack, prune=options.prune, denials=denials
            )
            live, unread, refresh = outcome.live, outcome.unread, outcome.refresh
        else:
            read_at = time.time()
            live = read_live(gateway, registry, scope, denials=denials)
            if cache is not None:
                remember_reads(cache, live, registry, scope, read_at)
    the_plan = rolled_back_risks(build_plan(desired, live, registry, options, unread), live)
    the_plan = readiness_risks(the_plan, state, live)
    if refresh is not None:
        the_plan = replace(the_plan, refresh=refresh)
    if denials.denied:
        the_plan = replace(the_plan, diagnostics=(*the_plan.diagnostics, *denials.diagnostics()))
    by_address: dict[str, LiveObject | None] = {a: live.get(a) for a in the_plan.live_objects}
    result = PlanResult(the_plan, by_address, dict(gateway.calls), dict(gateway.throttles))
    if cache is not None:
        note = save_quietly(cache)
        if note:
            result.notes.append(note)
    return result


def _desired(state: DesiredState, registry: Mapping[str, Kind], stack: str) -> dict[str, DesiredResource]:
    desired: dict[str, DesiredResource] = {}
    for resource in state.resources:
        kind = registry.get(resource.kind)
        if kind is None and is_manifest_only(resource.kind):
            continue  # declared in git only (TemplateExperiment): nothing to plan in SES
        if kind is None:  # validate already refuses unknown kinds; a kind without an engine yet
            raise PlanError(f"{resource.address}: sesctl cannot plan {resource.kind} resources yet")
        desired[resource.address] = DesiredResource(
            kind=resource.kind,
            name=resource.name,
            normalized=kind.normalize_desired(resource.name, resource.spec, stack),
            protect=bool(resource.protect),
            source=Source(_relative(resource.file, state), resource.line),
        )
    return desired


def _relative(file: str, state: DesiredState) -> str:
    try:
        return str(Path(file).resolve().relative_to(Path(state.project.root).resolve()))
    except (ValueError, OSError, AttributeError):
        return file


def _diagnostics(state: DesiredState) -> list[PlanDiagnostic]:
    return [
        PlanDiagnostic(d.code, d.severity, d.summary, d.location, d.address)
        for d in state.diagnostics
        if not d.is_error
    ]
