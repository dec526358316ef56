"""Apply a Plan: run its steps in order (ordering.py), report every step's outcome.

A failed step does not stop the run (Argo CD's SyncFailed per resource): the steps that
depend on the failed resource are skipped, everything else carries on. Outcomes:

    done           the call(s) succeeded
    failed         SES refused; the AWS error code, message and what to do next are kept
    skipped        not run because a resource it depends on failed or was skipped
    not_attempted  the run was interrupted (Ctrl-C) before reaching it

The applier acts on the plan's changes alone (``before``/``after``); the live objects passed in
are the ones just read (planning, or the stale-plan check of a saved plan).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.engine.diff import diff
from reconciler.engine.ordering import Step, order_steps
from reconciler.engine.plan import ABSENT, Action, Plan, ResourceChange
from reconciler.errors import AwsError, PlanError, ReconcilerError
from reconciler.kinds.base import Kind, LiveObject

DONE = "done"
FAILED = "failed"
SKIPPED = "skipped"
NOT_ATTEMPTED = "not_attempted"


@dataclass(frozen=True)
class StepOutcome:
    address: str
    action: str  # "create", "update", "delete", "replace (delete)", "replace (create)"
    status: str
    message: str = ""
    hint: str | None = None
    code: str = ""  # the AWS error code of a failure

    def to_dict(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "action": self.action,
            "status": self.status,
            "message": self.message,
            "hint": self.hint,
            "code": self.code,
        }


@dataclass(frozen=True)
class ApplyResult:
    outcomes: tuple[StepOutcome, ...] = ()
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        return all(o.status == DONE for o in self.outcomes) and not self.interrupted

    def counts(self) -> dict[str, int]:
        counts = {DONE: 0, FAILED: 0, SKIPPED: 0, NOT_ATTEMPTED: 0}
        for o in self.outcomes:
            counts[o.status] += 1
        return counts

    def summary_line(self) -> str:
        c = self.counts()
        head = "Apply complete!" if self.ok else "Apply failed."
        return (
            f"{head} {c[DONE]} done, {c[FAILED]} failed, {c[SKIPPED]} skipped, "
            f"{c[NOT_ATTEMPTED]} not attempted."
        )

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "counts": self.counts(), "outcomes": [o.to_dict() for o in self.outcomes]}


def stale_addresses(plan: Plan, live_now: Mapping[str, LiveObject | None]) -> list[str]:
    """Addresses whose live object moved since the plan read it ("what moved"), as messages."""
    moved: list[str] = []
    for address in sorted(live_now):
        then = plan.live_objects.get(address)
        if then is None:
            continue
        obj = live_now[address]
        now = ABSENT if obj is None else obj.fingerprint
        if now == then:
            continue
        if then == ABSENT:
            moved.append(f"{address} was created since the plan")
        elif now == ABSENT:
            moved.append(f"{address} was deleted since the plan")
        else:
            moved.append(f"{address} was changed since the plan")
    return moved


def ownership_problems(
    plan: Plan, live_now: Mapping[str, LiveObject | None], declared: Collection[str]
) -> list[str]:
    """What a saved plan would do that no plan of this stack could: checked against the live
    objects just read, not against what the file says (anyone who can write the file can
    recompute its unkeyed checksum). ``declared`` are the addresses in the manifests now.

    - every change's address must be among the live objects the plan read (the stale check
      compares each one; a change without an entry would slip past it);
    - a resource owned by another stack is never changed;
    - an unowned resource is changed (adopted) only when the manifests declare it, and never
      deleted outright: the planner deletes only what this stack owns.
    """
    problems: list[str] = []
    for change in plan.changes:
        address = change.address
        if address not in plan.live_objects:
            problems.append(f"{address}: the plan did not read it (no live_objects entry)")
            continue
        obj = live_now.get(address)
        if obj is None or obj.owner == plan.stack:
            continue  # a create (the stale check refuses one that exists now), or ours
        if obj.owner is not None:
            problems.append(f"{address} is owned by stack {obj.owner!r}, not {plan.stack!r}")
        elif change.is_delete:
            problems.append(f"{address} is not owned by stack {plan.stack!r}, and the plan deletes it")
        elif address not in declared:
            problems.append(
                f"{address} is not owned by stack {plan.stack!r} and not in the manifests, "
                f"and the plan {'replaces' if change.is_replace else 'updates'} it"
            )
    return problems


def apply_plan(
    plan: Plan,
    kinds: Mapping[str, Kind],
    gateway: Any,
    live: Mapping[str, LiveObject | None],
    *,
    stack: str,
    on_outcome: Callable[[StepOutcome], None] | None = None,
) -> ApplyResult:
    steps = order_steps(plan.changes)
    dependents = _dependents(plan.changes)
    failed_forward: set[str] = set()  # addresses whose create/update/replace did not happen
    failed_delete: set[str] = set()  # addresses whose delete did not happen
    outcomes: list[StepOutcome] = []
    interrupted = False

    for step in steps:
        if interrupted:
            outcome = StepOutcome(step.address, step.label, NOT_ATTEMPTED, "the run was interrupted")
        else:
            blocker = _blocker(step, failed_forward, failed_delete, dependents)
            if blocker is not None:
                outcome = StepOutcome(step.address, step.label, SKIPPED, blocker)
            else:
                try:
                    outcome = _run(step, kinds, gateway, live, stack)
                except KeyboardInterrupt:
                    interrupted = True
                    outcome = StepOutcome(
                        step.address, step.label, NOT_ATTEMPTED, "interrupted during this step"
                    )
        if outcome.status != DONE:
            (failed_delete if step.action == Action.DELETE else failed_forward).add(step.address)
        outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)
    return ApplyResult(tuple(outcomes), interrupted)


def _blocker(
    step: Step, failed_forward: set[str], failed_delete: set[str], dependents: Mapping[str, set[str]]
) -> str | None:
    change = step.change
    if step.action == Action.DELETE:
        # Deleting X while something that uses X could not be removed would break that user.
        stuck = sorted(dependents.get(change.address, set()) & failed_delete)
        if stuck:
            return f"{stuck[0]} depends on it and could not be deleted"
        return None
    if change.is_replace and change.address in failed_delete:
        return "the delete half of the replacement did not happen"
    missing = sorted(set(change.depends_on) & failed_forward)
    if missing:
        return f"it depends on {missing[0]}, which was not applied"
    return None


def _run(
    step: Step, kinds: Mapping[str, Kind], gateway: Any, live: Mapping[str, LiveObject | None], stack: str
) -> StepOutcome:
    change = step.change
    kind = kinds.get(change.kind)
    if kind is None:
        return StepOutcome(change.address, step.label, FAILED, f"unknown kind {change.kind!r} in this sesctl")
    try:
        if step.action == Action.CREATE:
            try:
                kind.create(gateway, change.name, _required(change.after, change), stack)
            except AwsError as exc:
                if exc.code != ALREADY_EXISTS:
                    raise
                return _created_already(step, kind, gateway, stack, exc)
        elif step.action == Action.UPDATE:
            kind.update(
                gateway,
                change.name,
                _required(change.after, change),
                _live(live, change),
                change.changed_keys,
            )
        else:
            try:
                kind.delete(gateway, change.name, _live(live, change))
            except AwsError as exc:
                if exc.code != NOT_FOUND:
                    raise
                return StepOutcome(change.address, step.label, DONE, _GONE_ALREADY)
    except AwsError as exc:
        return StepOutcome(change.address, step.label, FAILED, str(exc), exc.hint, exc.code)
    except ReconcilerError as exc:
        return StepOutcome(change.address, step.label, FAILED, str(exc), exc.hint)
    except Exception as exc:  # a bug must not stop the other changes, nor show a traceback
        return StepOutcome(change.address, step.label, FAILED, f"unexpected error: {exc!r}")
    return StepOutcome(change.address, step.label, DONE)


ALREADY_EXISTS = "AlreadyExistsException"
NOT_FOUND = "NotFoundException"
# A delete SES answers NotFound has reached its goal: an earlier attempt whose answer was lost
# (the gateway's retry then meets nothing), a concurrent apply, or someone out of band.
_GONE_ALREADY = "it was already gone (deleted by an earlier attempt, another apply or out of band)"


def _created_already(step: Step, kind: Kind, gateway: Any, stack: str, refusal: AwsError) -> StepOutcome:
    """A create refused because the object exists: done if this stack owns it.

    That happens when an earlier attempt's answer was lost (a 5xx or a dropped connection
    after SES had made it: the gateway's retry then meets the object it made), when an apply
    was killed after the call, or when another apply of this stack made it first. The object
    carries the owner tag from its create call, so "ours" is read from SES, not guessed. If it
    differs from the desired form (another apply made it from other manifests) it is updated."""
    change = step.change
    desired = _required(change.after, change)
    found = kind.read_live(gateway, [change.name]).get(change.name)
    if found is None or found.owner != stack:
        whose = "it is gone again" if found is None else (
            f"it is owned by stack {found.owner!r}" if found.owner else "it carries no sesctl owner tag"
        )
        return StepOutcome(
            change.address, step.label, FAILED, f"{refusal} ({whose})", refusal.hint, refusal.code
        )
    fields = diff(found.normalized, desired)
    if fields:
        changed = ResourceChange(change.kind, change.name, (Action.UPDATE,), change.wave, fields=fields)
        kind.update(gateway, change.name, desired, found, changed.changed_keys)
        note = "it already existed, owned by this stack (an earlier attempt made it); updated to the plan"
    else:
        note = "it already existed as planned, owned by this stack (an earlier attempt made it)"
    return StepOutcome(change.address, step.label, DONE, note)


def _required(value: dict[str, Any] | None, change: ResourceChange) -> dict[str, Any]:
    if value is None:
        raise PlanError(f"{change.address}: the plan has no desired form for this change")
    return value


def _live(live: Mapping[str, LiveObject | None], change: ResourceChange) -> LiveObject:
    obj = live.get(change.address)
    if obj is None:
        raise PlanError(f"{change.address} is no longer live", hint="Run `sesctl plan` again.")
    return obj


def _dependents(changes: tuple[ResourceChange, ...]) -> dict[str, set[str]]:
    result: dict[str, set[str]] = {}
    for change in changes:
        for dep in change.depends_on:
            result.setdefault(dep, set()).add(change.address)
    return result
