"""The apply use case: plan (or take a saved plan, refused when stale), confirm, apply.

outcome = apply(settings, ApplyRequest(path=Path("."), plan_file=Path("plan.json")),
                confirm=lambda plan: True)
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler import audit
from reconciler.app.live_cache import open_cache, remember_apply, save_quietly
from reconciler.app.plan import PlanRequest, kinds, load, plan_with, session
from reconciler.aws.gateway import SesGateway
from reconciler.engine.applier import (
    DONE,
    ApplyResult,
    StepOutcome,
    apply_plan,
    ownership_problems,
    stale_addresses,
)
from reconciler.engine.plan import Plan
from reconciler.engine.planfile import read_plan_file
from reconciler.engine.planner import PlanOptions, ReadScope, check_guards, read_live
from reconciler.errors import PlanError, ReconcilerError
from reconciler.kinds.base import LiveObject
from reconciler.manifest.model import DesiredState
from reconciler.runlock import RunLock
from reconciler.settings import Settings
from reconciler.versions.stamps import stamp_applied

LOCK_DIR = Path(".sesctl") / "locks"


@dataclass(frozen=True)
class ApplyRequest(PlanRequest):
    plan_file: Path | None = None


@dataclass
class ApplyOutcome:
    plan: Plan
    result: ApplyResult | None  # None: nothing to do, or the user said no
    approved: bool = True
    warnings: list[str] = field(default_factory=list)  # what went wrong after the changes were made


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
    saved = read_plan_file(request.plan_file) if request.plan_file else None
    state = load(settings, request)  # a saved plan still takes its environment (region, endpoint) from here
    with (
        session(settings, state, request) as (gateway, options),
        _one_apply_at_a_time(state, gateway, options),
    ):
        if saved is None:
            result = plan_with(gateway, state, options)
            the_plan, live = result.plan, result.live
        else:
            _check_same_target(saved, options)
            declared = {r.address for r in state.resources}
            the_plan, live = saved, _check_fresh(gateway, saved, declared)
            # The guards again: a protect tag or a lower --max-destroy may have come since.
            protected = [r.address for r in state.resources if r.protect]
            check_guards(saved.changes, protected, live, options.max_destroy)
        if on_plan is not None:
            on_plan(the_plan)
        if not the_plan.has_changes:
            return ApplyOutcome(the_plan, None)
        if not confirm(the_plan):
            return ApplyOutcome(the_plan, None, approved=False)
        details = {
            "plan_checksum": the_plan.checksum,
            "stack": the_plan.stack,
            "environment": the_plan.environment,
            "region": the_plan.region,
            "saved_plan": saved is not None,
            "changes": len(the_plan.changes),
        }
        # The "started" entry is written before the first change; no trail, no apply.
        with audit.operation("apply", details, project=state.project) as entry:
            entry.identify(aws=gateway.caller_arn())

            def record(outcome: StepOutcome) -> None:
                entry.change(outcome.address, outcome.action, outcome.status, outcome.message)
                if on_outcome is not None:
                    on_outcome(outcome)

            applied = apply_plan(the_plan, kinds(), gateway, live, stack=the_plan.stack, on_outcome=record)
            entry.outcome = "ok" if applied.ok else "failed"
            entry.set(counts=applied.counts())
            warnings = _stamp_revisions(gateway, the_plan, applied, entry.git)
        warnings += _remember(gateway, state, options, the_plan, applied)
        return ApplyOutcome(the_plan, applied, warnings=warnings)


def _stamp_revisions(gateway: SesGateway, plan: Plan, applied: ApplyResult, git: Mapping[str, Any]) -> list[str]:
    """Tag the templates just written with the commit they came from (`sesctl history` reads
    it); ``git`` is the commit the audit entry recorded."""
    done = [(o.address, o.action) for o in applied.outcomes if o.status == DONE]
    return stamp_applied(gateway, plan, done, git.get("commit"), bool(git.get("dirty")))


def _remember(
    gateway: SesGateway, state: DesiredState, options: PlanOptions, the_plan: Plan, applied: ApplyResult
) -> list[str]:
    """Tell an existing live cache what this apply made, deleted or left unknown."""
    cache = open_cache(gateway, Path(state.project.root), options, create=False)
    if cache is None:
        return []
    remember_apply(cache, the_plan, applied.outcomes, kinds(), time.time())
    note = save_quietly(cache)
    return [note] if note else []


@contextmanager
def _one_apply_at_a_time(state: DesiredState, gateway: SesGateway, options: PlanOptions) -> Iterator[None]:
    """Refuse a second apply of this stack to this account and region from this checkout while one
    runs (plan, confirmation and apply): two at once would each create what the other is creating.
    The lock file is local (.sesctl/locks/ under the project); applies on two machines are not
    kept apart by it, only made safe by apply counting a create of this stack's own object done."""
    try:
        account = gateway.account_id()
    except ReconcilerError:
        account = "unknown-account"  # no STS: still one apply per stack and region here
    key = "\0".join((options.stack, account, options.region))
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
    path = Path(state.project.root) / LOCK_DIR / f"apply-{digest}.lock"

    def busy(pid: int | None) -> PlanError:
        who = f"another sesctl apply (pid {pid})" if pid else "another sesctl apply"
        return PlanError(
            f"{who} is applying stack {options.stack!r} to account {account} in {options.region} "
            f"(lock {path}); nothing was applied",
            hint="Wait for it to finish, then run apply again (it applies whatever is left).",
        )

    with RunLock(path, busy=busy):
        yield


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


def _check_fresh(gateway: SesGateway, saved: Plan, declared: set[str]) -> dict[str, LiveObject | None]:
    """Re-read the live objects of the plan's changes; refuse the plan if it would change what
    this stack does not own, or if any of them moved."""
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
    foreign = ownership_problems(saved, now, declared)
    if foreign:
        raise PlanError(
            "the saved plan changes resources that no plan of this stack could change:\n  "
            + "\n  ".join(foreign),
            hint="Nothing was applied. Was the plan file edited? Run `sesctl plan --out FILE` again.",
        )
    moved = stale_addresses(saved, now)
    if moved:
        raise PlanError(
            "Saved plan is stale: live SES changed since it was made:\n  " + "\n  ".join(moved),
            hint="Run `sesctl plan --out FILE` again, review it, and apply the new plan.",
        )
    return now
