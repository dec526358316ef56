"""Use cases the CLI and the MCP server call: plan and apply (one function each).

    result = services.plan(settings, PlanRequest(path=Path("."), env="production"))
    result.plan.to_json(); result.plan.has_changes

    outcome = services.apply(settings, ApplyRequest(path=Path("."), plan_file=Path("plan.json")),
                             confirm=lambda plan: True)

Everything AWS-facing happens inside one ``open_aws`` block per call (so ``--local`` keeps one
embedded emulator for the whole plan-and-apply), and every SES call goes through one
SesGateway (per-operation token buckets, retries, error hints).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from reconciler.aws.clients import open_aws
from reconciler.aws.gateway import SesGateway
from reconciler.aws.ratelimit import RatesInput, RetryPolicy
from reconciler.cli.context import Settings
from reconciler.engine import importer
from reconciler.engine.applier import ApplyResult, StepOutcome, apply_plan, stale_addresses
from reconciler.engine.plan import Plan, PlanDiagnostic, Source
from reconciler.engine.planner import (
    ADOPTION_FIELD,
    DesiredResource,
    PlanOptions,
    ReadScope,
    build_plan,
    check_guards,
    read_live,
    read_scope,
)
from reconciler.errors import PlanError, UsageError
from reconciler.files import read_text, write_text
from reconciler.kinds import suppression_policy
from reconciler.kinds.base import Kind, LiveObject
from reconciler.kinds.export import ExportError
from reconciler.kinds.registry import KINDS
from reconciler.manifest import load_manifests
from reconciler.manifest.errors import ManifestInvalid
from reconciler.manifest.model import DesiredState
from reconciler.manifest.project import Environment, Project, find_project_file, read_project

# The embedded emulator does not throttle (unless told to, and then the gateway backs off):
# SES's 1 request/s per operation would only make --local slow.
LOCAL_RATE = 100.0
DEFAULT_STACK = "default"  # ownership tag value when there is no sesctl.yaml naming a stack


@dataclass(frozen=True)
class PlanRequest:
    path: Path = Path(".")
    env: str | None = None
    targets: tuple[str, ...] = ()
    prune: bool | None = None  # None: take sesctl.yaml's prune
    max_destroy: int | None = None  # None: take sesctl.yaml's maxDestroy
    rate: RatesInput = None  # requests/s per operation: 5, "5", "GetEmailTemplate=2,default=1"
    retry: RetryPolicy | None = None  # backoff on throttling/5xx (None: the gateway's default)


@dataclass(frozen=True)
class ApplyRequest(PlanRequest):
    plan_file: Path | None = None


@dataclass
class PlanResult:
    plan: Plan
    live: dict[str, LiveObject | None] = field(default_factory=dict)
    api_calls: dict[str, int] = field(default_factory=dict)
    throttles: dict[str, int] = field(default_factory=dict)  # TooManyRequests answers, retried


@dataclass
class ApplyOutcome:
    plan: Plan
    result: ApplyResult | None  # None: nothing to do, or the user said no
    approved: bool = True


def kinds() -> Mapping[str, Kind]:
    return KINDS


def plan(settings: Settings, request: PlanRequest) -> PlanResult:
    """Load and validate the manifests, read live SES, and build the plan (nothing is changed)."""
    state = _load(request)
    with _session(settings, state, request) as (gateway, options):
        return _plan(gateway, state, options)


def apply(
    settings: Settings,
    request: ApplyRequest,
    *,
    confirm: Callable[[Plan], bool],
    on_plan: Callable[[Plan], None] | None = None,
    on_outcome: Callable[[StepOutcome], None] | None = None,
) -> ApplyOutcome:
    """Plan (or take a saved plan, refusing it when stale), confirm, apply.

    ``on_plan`` sees the plan before ``confirm`` is asked; ``on_outcome`` each step's outcome."""
    saved = _read_plan_file(request.plan_file) if request.plan_file else None
    state = _load(request)  # a saved plan still takes its environment (region, endpoint) from here
    with _session(settings, state, request) as (gateway, options):
        if saved is None:
            result = _plan(gateway, state, options)
            the_plan, live = result.plan, result.live
        else:
            _check_same_target(saved, options)
            the_plan, live = saved, _check_fresh(gateway, saved)
            # The guards again: a protect tag or a lower --max-destroy may have come since.
            protected = [r.address for r in state.resources if r.protect]
            check_guards(saved.changes, protected, live, options.max_destroy)
        if on_plan is not None:
            on_plan(the_plan)
        if not the_plan.has_changes:
            return ApplyOutcome(the_plan, None)
        if not confirm(the_plan):
            return ApplyOutcome(the_plan, None, approved=False)
        applied = apply_plan(the_plan, kinds(), gateway, live, stack=the_plan.stack, on_outcome=on_outcome)
        return ApplyOutcome(the_plan, applied)


@dataclass(frozen=True)
class ImportRequest:
    project: Path = Path(".")  # where to look for sesctl.yaml (stack, environment)
    out: Path | None = None  # default: the project's first manifests path, else ./manifests
    kinds: tuple[str, ...] = ()  # default: every kind
    names: tuple[str, ...] = ()  # default: every name
    adopt: bool = False  # also tag what was imported and unowned as owned by the stack
    force: bool = False  # overwrite existing files
    env: str | None = None
    rate: RatesInput = None


@dataclass
class ImportOutcome:
    stack: str
    out: Path
    written: dict[Path, str]  # file -> what it holds ("3 EmailTemplate", "template body")
    imported: list[str]  # addresses
    unowned: list[str]  # imported addresses without an owner tag (adopted by --adopt or the next apply)
    skipped: list[str]  # "address: why"
    dependencies: list[str] = field(default_factory=list)  # imported because a picked resource needs them
    adopted: ApplyOutcome | None = None


def import_(settings: Settings, request: ImportRequest) -> ImportOutcome:
    """Read live SES (through the gateway) and write manifests that plan to no change."""
    registry = kinds()
    unknown = sorted(set(request.kinds) - set(registry))
    if unknown:
        raise UsageError(
            f"--kind {', '.join(unknown)}: unknown kind", hint="Known kinds: " + ", ".join(sorted(registry))
        )
    project = _project(request.project)
    env = project.environment(request.env) if project else Environment(name=None)
    stack = (project.stack if project else None) or DEFAULT_STACK
    out = request.out or (
        project.manifest_paths[0] if project and project.manifest_paths else Path("manifests")
    )
    schemas = (project.root if project else Path(".")) / "schemas"
    if request.adopt and project and not any(_inside(out, p) for p in project.manifest_paths):
        raise UsageError(
            f"--adopt applies the project's manifests, and {out} is not one of its manifests paths "
            f"({', '.join(str(p) for p in project.manifest_paths)})",
            hint="Import into the manifests directory, or without --adopt and then `sesctl apply`.",
        )
    defaults = {"SuppressionPolicy": suppression_policy.DEFAULT_NORMALIZED}
    with _gateway(settings, env, request.rate, None) as gateway, gateway.reading():
        live = read_live(gateway, registry, ReadScope(tuple(sorted(request.kinds or registry))))
        picked = importer.select(
            live, registry, stack=stack, names=request.names, singleton_defaults=defaults
        )
        # What the picked resources need (an event destination's set, a set's pool) comes along,
        # as with plan --target: manifests referring to an undeclared resource do not validate.
        while needed := importer.missing_dependencies(picked):
            names: dict[str, list[str]] = {}
            for address in needed:
                kind_name, _, name = address.partition("/")
                names.setdefault(kind_name, []).append(name)
            scope = ReadScope(tuple(sorted(names)), {k: tuple(v) for k, v in names.items()})
            found = read_live(gateway, registry, scope)
            extra = importer.select(found, registry, stack=stack, singleton_defaults=defaults)
            picked.resources.update(extra.resources)
            picked.skipped.extend(extra.skipped)
            picked.dependencies.extend(sorted(extra.resources))
            picked.missing.extend(a for a in needed if a not in found)
    try:
        files = importer.render_files(picked.resources, registry, out=out, schemas=schemas)
    except ExportError as exc:  # a kind whose normalized form does not invert: a sesctl bug
        raise PlanError(
            str(exc), hint="Nothing was written. Please report this; import the other kinds with --kind."
        ) from exc
    existing = [str(p) for p in files if p.exists() or p.is_symlink()]
    if existing and not request.force:
        raise UsageError(
            "import would overwrite existing files: " + ", ".join(existing),
            hint="Pass --force to overwrite them, or --out DIR to write elsewhere.",
        )
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text(path, text, "an imported manifest")
    imported = sorted(picked.resources)
    unowned = [
        a for a in imported if picked.resources[a].owner is None and registry[a.partition("/")[0]].taggable
    ]
    outcome = ImportOutcome(
        stack,
        out,
        files_summary(files, picked.resources),
        imported,
        unowned,
        picked.skipped,
        picked.dependencies,
    )
    if request.adopt and unowned:
        outcome.adopted = _adopt(settings, request, project.root if project else out, unowned)
    return outcome


def files_summary(files: Mapping[Path, str], resources: Mapping[str, LiveObject]) -> dict[Path, str]:
    """What each written file holds, for the report ("3 EmailTemplate", "template body")."""
    counts: dict[str, int] = {}
    for address in resources:
        kind_name = address.partition("/")[0]
        counts[kind_name] = counts.get(kind_name, 0) + 1
    by_name = {importer.FILE_NAMES[k]: f"{n} {k}" for k, n in counts.items() if k in importer.FILE_NAMES}
    return {path: by_name.get(path.name, "template body") for path in files}


def _adopt(settings: Settings, request: ImportRequest, path: Path, unowned: list[str]) -> ApplyOutcome:
    """Apply the imported manifests for ``unowned`` only; refuse anything but adoption tagging."""

    def only_adoption(the_plan: Plan) -> bool:
        other = [
            f"{c.address}: {f.path}"
            for c in the_plan.changes
            for f in c.fields
            if not c.is_update or f.path != ADOPTION_FIELD
        ]
        if other:
            raise PlanError(
                "import --adopt only tags what it imported, but the plan also changes:\n  "
                + "\n  ".join(other),
                hint="The manifests were written; review them with `sesctl plan` and apply deliberately.",
            )
        return True

    apply_request = ApplyRequest(
        path=path, env=request.env, targets=tuple(unowned), prune=False, rate=request.rate
    )
    return apply(settings, apply_request, confirm=only_adoption)


def _inside(path: Path, directory: Path) -> bool:
    return path.resolve().is_relative_to(directory.resolve())


def _project(start: Path) -> Project | None:
    found = find_project_file(start)
    if found is None:
        return None
    project, problems = read_project(found)
    if project is None:
        raise ManifestInvalid(problems)
    return project


# -- internals --------------------------------------------------------------------------------


def _load(request: PlanRequest) -> DesiredState:
    """The DesiredState; raises ManifestInvalid (every error, with file:line:col) before any AWS call."""
    return load_manifests(request.path, env=request.env)


@contextmanager
def _session(
    settings: Settings, state: DesiredState, request: PlanRequest
) -> Iterator[tuple[SesGateway, PlanOptions]]:
    env = state.environment
    prune = request.prune if request.prune is not None else env.prune
    max_destroy = request.max_destroy if request.max_destroy is not None else env.max_destroy
    with _gateway(settings, env, request.rate, request.retry) as gateway:
        options = PlanOptions(
            stack=state.stack or DEFAULT_STACK,
            environment=env.name or "",
            region=gateway.region,
            prune=prune,
            max_destroy=max_destroy,
            targets=tuple(request.targets),
            diagnostics=tuple(_diagnostics(state)),
        )
        yield gateway, options


@contextmanager
def _gateway(
    settings: Settings, env: Environment, rate: RatesInput, retry: RetryPolicy | None
) -> Iterator[SesGateway]:
    """One SES gateway for the command, with the environment's connection settings under the flags."""
    # An explicit --endpoint-url wins over an environment's `local: true` (as flags win over
    # config files elsewhere): it usually names a `sesctl local serve` on another port.
    env_local = env.local and not settings.endpoint_url
    merged = replace(
        settings,
        local=settings.local or env_local,
        region=settings.region or env.region,
        profile=settings.profile or env.profile,
        endpoint_url=settings.endpoint_url or env.endpoint_url,
        role_arn=settings.role_arn or env.role_arn,
    )
    with open_aws(merged) as aws:
        try:
            gateway = SesGateway.from_aws(
                aws, rates=rate if rate is not None or not aws.local else LOCAL_RATE, retry=retry
            )
        except ValueError as exc:  # a bad --rate
            raise UsageError(f"--rate: {exc}", hint="--rate takes RPS or Operation=RPS,...,default=RPS") from exc
        yield gateway


def _plan(gateway: SesGateway, state: DesiredState, options: PlanOptions) -> PlanResult:
    registry = kinds()
    desired = _desired(state, registry, options.stack)
    scope = read_scope(desired, registry, options.targets)
    gateway.reset_counters()
    with gateway.reading():
        live = read_live(gateway, registry, scope)
    the_plan = build_plan(desired, live, registry, options)
    by_address: dict[str, LiveObject | None] = {a: live.get(a) for a in the_plan.live_objects}
    return PlanResult(the_plan, by_address, dict(gateway.calls), dict(gateway.throttles))


def _desired(state: DesiredState, registry: Mapping[str, Kind], stack: str) -> dict[str, DesiredResource]:
    desired: dict[str, DesiredResource] = {}
    for resource in state.resources:
        kind = registry.get(resource.kind)
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


def _read_plan_file(path: Path) -> Plan:
    text = read_text(path, "the plan file", hint="Write one with `sesctl plan --out FILE`.", error=PlanError)
    return Plan.from_json(text)


def _check_same_target(saved: Plan, options: PlanOptions) -> None:
    for what, then, now in (
        ("stack", saved.stack, options.stack),
        ("environment", saved.environment, options.environment),
        ("region", saved.region, options.region),
    ):
        if then != now:
            raise PlanError(
                f"the saved plan was made for {what} {then!r}, but this apply targets {what} {now!r}",
                hint="Apply it with the same --env/--region it was planned with, or plan again.",
            )


def _check_fresh(gateway: SesGateway, saved: Plan) -> dict[str, LiveObject | None]:
    """Re-read the live objects of the plan's changes; refuse the plan if any moved."""
    registry = kinds()
    names: dict[str, list[str]] = {}
    for change in saved.changes:
        names.setdefault(change.kind, []).append(change.name)
    unknown = sorted(set(names) - set(registry))
    if unknown:
        raise PlanError(f"the plan has kinds this sesctl does not know: {', '.join(unknown)}")
    scope = ReadScope(tuple(sorted(names)), {k: tuple(v) for k, v in names.items()})
    with gateway.reading():
        live = read_live(gateway, registry, scope)
    now: dict[str, LiveObject | None] = {c.address: live.get(c.address) for c in saved.changes}
    moved = stale_addresses(saved, now)
    if moved:
        raise PlanError(
            "Saved plan is stale: live SES changed since it was made:\n  " + "\n  ".join(moved),
            hint="Run `sesctl plan --out FILE` again, review it, and apply the new plan.",
        )
    return now
