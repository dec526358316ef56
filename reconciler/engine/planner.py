"""Desired state + live SES -> Plan (Terraform's plan walk, Argo CD's ownership rules).

    in the manifests, absent live                 -> create
    in both, normalized forms differ              -> update, or replace when a replace field changed
    live, owned by this stack, not in manifests   -> delete with prune, else "pending prune"
    live, not owned by this stack                 -> unmanaged: listed, never touched

Guards raise PlanError before anything is applied: ``protect`` blocks a delete or replace,
``max_destroy`` caps the number of deletes (a replace counts: it deletes the live object),
and a manifest naming a resource that another stack owns is a conflict.

Live reads run concurrently, one thread per kind (each kind's calls go through the gateway's
per-operation token buckets), and only for what the plan needs: everything for a full plan,
the targets and their dependencies for a targeted one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from reconciler.aws.gateway import ACCESS_CODES
from reconciler.engine.diff import diff, join
from reconciler.engine.ordering import dependencies, sort_changes
from reconciler.engine.plan import (
    ABSENT,
    REPLACE,
    Action,
    FieldChange,
    Plan,
    PlanDiagnostic,
    Reason,
    ResourceChange,
    Source,
    TextDiff,
    count_destroys,
)
from reconciler.errors import AwsError, PlanError, UsageError
from reconciler.kinds.base import OWNER_TAG, JsonDict, Kind, LiveObject, Risk
from reconciler.kinds.registry import TEXT_PARTS
from reconciler.kinds.risks import world_risks
from reconciler.templates import line_diff

# The field change that adopts an unowned live object (see adoption_form).
ADOPTION_FIELD = join("tags", OWNER_TAG)


@dataclass(frozen=True)
class DesiredResource:
    kind: str
    name: str
    normalized: JsonDict
    protect: bool = False
    source: Source | None = None

    @property
    def address(self) -> str:
        return f"{self.kind}/{self.name}"


@dataclass(frozen=True)
class PlanOptions:
    stack: str
    environment: str = ""
    region: str = ""
    prune: bool = False
    max_destroy: int | None = None
    targets: tuple[str, ...] = ()
    diagnostics: tuple[PlanDiagnostic, ...] = ()


@dataclass(frozen=True)
class ReadScope:
    """What to read: every object of ``kinds`` when ``names`` has no entry for a kind, else those names."""

    kinds: tuple[str, ...]
    names: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def parse_address(address: str, kinds: Iterable[str]) -> tuple[str, str]:
    kind, sep, name = address.partition("/")
    known = sorted(kinds)
    if not sep or not name:
        raise UsageError(
            f"target {address!r} is not Kind/name", hint="For example: --target ConfigurationSet/marketing"
        )
    if kind not in known:
        raise UsageError(
            f"target {address!r}: unknown kind {kind!r}", hint="Known kinds: " + ", ".join(known)
        )
    return kind, name


def read_scope(
    desired: Mapping[str, DesiredResource], kinds: Mapping[str, Kind], targets: Sequence[str]
) -> ReadScope:
    if not targets:
        return ReadScope(tuple(sorted(kinds)))
    wanted = target_closure(desired, kinds, targets)
    names: dict[str, list[str]] = {}
    for address in sorted(wanted):
        kind, name = parse_address(address, kinds)
        names.setdefault(kind, []).append(name)
    return ReadScope(tuple(sorted(names)), {k: tuple(v) for k, v in names.items()})


def target_closure(
    desired: Mapping[str, DesiredResource], kinds: Mapping[str, Kind], targets: Sequence[str]
) -> set[str]:
    """The targets plus everything they depend on, transitively (Terraform's -target)."""
    wanted: set[str] = set()
    todo = list(targets)
    while todo:
        address = todo.pop()
        if address in wanted:
            continue
        parse_address(address, kinds)
        wanted.add(address)
        resource = desired.get(address)
        if resource is not None:
            todo.extend(dependencies(resource.kind, resource.name, resource.normalized))
    return wanted


R = TypeVar("R")


@dataclass
class Denials:
    """The kinds whose read a plan may go on without when IAM refuses it (``optional``: none of
    them in the manifests, and no prune, which must see what it would delete), and the refusals
    met (``denied``, kind -> error), reported as W6001 warnings. One rule for every way a plan
    reads: whole (read_live) or within a refresh budget (engine/refresh.py)."""

    optional: frozenset[str] = frozenset()
    denied: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

    @classmethod
    def for_plan(
        cls, desired: Mapping[str, DesiredResource], kinds: Mapping[str, Kind], options: PlanOptions
    ) -> Denials:
        if options.prune:
            return cls()
        return cls(frozenset(set(kinds) - {resource.kind for resource in desired.values()}))

    def tolerate(self, kind_name: str, read: Callable[[], R], empty: R) -> R:
        """``read()``, or ``empty`` when IAM refuses it and ``kind_name`` is optional."""
        try:
            return read()
        except AwsError as exc:
            if kind_name not in self.optional or exc.code not in ACCESS_CODES:
                raise
            with self._lock:
                self.denied[kind_name] = str(exc)
            return empty

    def diagnostics(self) -> list[PlanDiagnostic]:
        return [
            PlanDiagnostic(
                "W6001",
                "warning",
                f"{kind} not read (access denied: {reason}); the manifests declare none, so the plan goes on "
                f"without it, but leftover {kind} objects of this stack are not listed or pruned. Regenerate the "
                "role's policy with `sesctl iam policy` to include it.",
            )
            for kind, reason in sorted(self.denied.items())
        ]


def read_live(
    gateway: Any,
    kinds: Mapping[str, Kind],
    scope: ReadScope,
    *,
    denials: Denials | None = None,
) -> dict[str, LiveObject]:
    """Live objects by address, read concurrently across kinds. A refused read of a kind
    ``denials`` allows to skip is left out (see Denials) instead of failing the read: a plan of
    manifests that declare none of it should not fail because a role predates the kind (e.g.
    cloudwatch:DescribeAlarms for AlertPolicy)."""
    tolerant = denials or Denials()

    def one(kind_name: str) -> tuple[str, Mapping[str, LiveObject]]:
        names = scope.names.get(kind_name)

        def read() -> Mapping[str, LiveObject]:
            return kinds[kind_name].read_live(gateway, list(names) if names is not None else None)

        return kind_name, tolerant.tolerate(kind_name, read, {})

    result: dict[str, LiveObject] = {}
    if not scope.kinds:
        return result
    with ThreadPoolExecutor(max_workers=len(scope.kinds), thread_name_prefix="read-live") as pool:
        for kind_name, objects in pool.map(one, scope.kinds):
            for name, obj in objects.items():
                result[f"{kind_name}/{name}"] = obj
    return result


def build_plan(
    desired: Mapping[str, DesiredResource],
    live: Mapping[str, LiveObject],
    kinds: Mapping[str, Kind],
    options: PlanOptions,
    unread: Collection[str] = frozenset(),
) -> Plan:
    """The plan for ``desired`` against ``live`` (already read with :func:`read_scope`).

    ``unread``: addresses that exist but were not read (a refresh budget ran out): no change is
    made from them, and they are not claimed absent in ``live_objects``."""
    scope: set[str] | None = target_closure(desired, kinds, options.targets) if options.targets else None
    unknown = sorted(t for t in options.targets if t not in desired and t not in live)
    if unknown:
        raise UsageError(
            f"--target {', '.join(unknown)}: no such resource in the manifests or in live SES",
            hint="Targets are Kind/name addresses as the plan shows them, e.g. EventDestination/marketing/bounces.",
        )
    changes: list[ResourceChange] = []
    unmanaged: list[str] = []
    pending_prune: list[str] = []
    conflicts: list[str] = []
    no_op = 0

    for address in sorted(desired):
        if (scope is not None and address not in scope) or address in unread:
            continue
        resource = desired[address]
        kind = kinds[resource.kind]
        obj = live.get(address)
        owner = obj.owner if obj is not None else None
        if obj is not None and owner not in (None, options.stack):
            conflicts.append(f"{address} is owned by stack {owner!r}, not {options.stack!r}")
            continue
        if obj is None:
            changes.append(_create(resource, kind))
            continue
        change = _update(resource, kind, obj, options.stack)
        if change is None:
            no_op += 1
        else:
            changes.append(change)

    for address in sorted(live):
        if address in desired or (scope is not None and address not in scope):
            continue
        kind_name, _, name = address.partition("/")
        if kinds[kind_name].singleton:
            continue  # an account setting left out of the manifests is left as it is
        if live[address].owner != options.stack:
            unmanaged.append(address)
        elif options.prune:
            changes.append(_delete(kinds[kind_name], name, live[address]))
        else:
            pending_prune.append(address)

    if conflicts:
        raise PlanError(
            "resources in the manifests belong to another stack:\n  " + "\n  ".join(conflicts),
            hint="Rename them, or remove them from the other stack first. sesctl never takes over "
            "another stack's resources.",
        )
    changes = _with_world_risks(changes, live)
    check_guards(changes, [a for a, r in desired.items() if r.protect], live, options.max_destroy)

    read = {address: obj.fingerprint for address, obj in live.items()}
    for address in desired:
        if (scope is None or address in scope) and address not in unread:
            read.setdefault(address, ABSENT)
    return Plan(
        changes=sort_changes(changes),
        stack=options.stack,
        environment=options.environment,
        region=options.region,
        live_objects=dict(sorted(read.items())),
        unmanaged=tuple(unmanaged),
        pending_prune=tuple(pending_prune),
        no_op=no_op,
        diagnostics=options.diagnostics,
        targets=tuple(sorted(options.targets)),
        prune=options.prune,
    )


def _create(resource: DesiredResource, kind: Kind) -> ResourceChange:
    after = kind.fill_unmanaged(resource.normalized, None)
    return ResourceChange(
        kind=resource.kind,
        name=resource.name,
        actions=(Action.CREATE,),
        wave=kind.wave,
        reason=Reason.NOT_IN_LIVE,
        fields=diff(None, after),
        text_diffs=_text_diffs(resource.kind, None, after),
        risks=tuple(kind.risks(resource.name, None, after)),
        source=resource.source,
        after=after,
        depends_on=dependencies(resource.kind, resource.name, after),
    )


def _update(resource: DesiredResource, kind: Kind, obj: LiveObject, stack: str) -> ResourceChange | None:
    before = obj.normalized
    after = adoption_form(kind, obj, kind.fill_unmanaged(resource.normalized, before), stack)
    fields = diff(before, after)
    if not fields:
        return None
    replace_why = kind.replace_reason(before, after)
    risks = list(kind.risks(resource.name, before, after))
    if obj.owner is None and not kind.singleton:  # account settings carry no tags
        # Reviewers should see that apply changes something no stack has managed so far.
        risks.append(_adopt_risk(resource.address, kind, stack))
    if replace_why:
        fields = tuple(
            FieldChange(f.path, f.op, f.before, f.after, True)
            if _top_key_in(f.path, kind.replace_fields)
            else f
            for f in fields
        )
        if not any(r.code in ("replace", "delete") for r in risks):  # the kind did not explain it
            risks.insert(
                0, Risk("replace", "high", f"{resource.address} is deleted and created again: {replace_why}")
            )
    return ResourceChange(
        kind=resource.kind,
        name=resource.name,
        actions=REPLACE if replace_why else (Action.UPDATE,),
        wave=kind.wave,
        reason=Reason.CANNOT_UPDATE_IN_PLACE if replace_why else Reason.DRIFTED,
        fields=fields,
        text_diffs=_text_diffs(resource.kind, before, after),
        risks=tuple(risks),
        source=resource.source,
        before=before,
        after=after,
        depends_on=dependencies(resource.kind, resource.name, after),
    )


def adoption_form(kind: Kind, obj: LiveObject, desired: JsonDict, stack: str) -> JsonDict:
    """``desired`` as apply must leave an unowned live object: with the owner tag among its tags.

    The owner tag is otherwise never part of the normalized form; putting it into ``after``
    makes adoption an ordinary tag change (``+ tags["sesctl:stack"]``) that the kind's own
    tag sync applies, and that a saved plan carries. Only taggable, unowned, non-singleton
    objects are adopted; an object owned by another stack never reaches here (a conflict)."""
    if obj.owner is not None or kind.singleton or not kind.taggable:
        return desired
    return {**desired, "tags": {**(desired.get("tags") or {}), OWNER_TAG: stack}}


def _adopt_risk(address: str, kind: Kind, stack: str) -> Risk:
    if kind.taggable:
        message = (
            f"{address} exists in SES without a sesctl owner tag (made by hand or by another tool): "
            f"apply adopts it, tagging it {OWNER_TAG}={stack}; from then on it is owned by this stack "
            "and --prune deletes it once it leaves the manifests"
        )
    else:
        message = (
            f"{address} exists in SES without a sesctl owner (its configuration set is not owned by this "
            "stack): apply changes it, but it stays unowned (never pruned) until its configuration set is adopted"
        )
    return Risk("adopt", "medium", message)


def _delete(kind: Kind, name: str, obj: LiveObject) -> ResourceChange:
    before = obj.normalized
    return ResourceChange(
        kind=kind.kind,
        name=name,
        actions=(Action.DELETE,),
        wave=kind.wave,
        reason=Reason.REMOVED_FROM_MANIFESTS,
        fields=diff(before, None),
        risks=tuple(kind.risks(name, before, None)),
        before=before,
        depends_on=dependencies(kind.kind, name, before),
    )


def _with_world_risks(changes: list[ResourceChange], live: Mapping[str, LiveObject]) -> list[ResourceChange]:
    """Add the risks only the whole picture shows (last bounce destination, warming pool)."""
    before = {address: obj.normalized for address, obj in live.items()}
    after = dict(before)
    for change in changes:
        if change.after is None:
            after.pop(change.address, None)
        else:
            after[change.address] = change.after
    extra = world_risks(before, after)
    return [replace(c, risks=(*c.risks, *extra[c.address])) if extra.get(c.address) else c for c in changes]


def _top_key_in(path: str, replace_fields: frozenset[str]) -> bool:
    return any(path == rf or path.startswith((rf + ".", rf + "[")) for rf in replace_fields)


def _text_diffs(kind: str, before: JsonDict | None, after: JsonDict | None) -> tuple[TextDiff, ...]:
    result: list[TextDiff] = []
    for part in TEXT_PARTS.get(kind, ()):
        old = (before or {}).get(part)
        new = (after or {}).get(part)
        if old == new or not isinstance(old or new, str):
            continue
        result.append(TextDiff(part, line_diff(old, new, part)))
    return tuple(result)


def check_guards(
    changes: Sequence[ResourceChange],
    protected: Iterable[str],
    live: Mapping[str, LiveObject | None],
    max_destroy: int | None,
) -> None:
    """Refuse destroying a protected resource (``protect: true`` in its manifest, listed in
    ``protected``, or the PROTECT_TAG on the live object) and more than ``max_destroy`` deletes.
    Run at plan time and again before a saved plan is applied."""
    declared = set(protected)
    blocked = [
        c for c in changes if c.destroys and (c.address in declared or _protected_live(live.get(c.address)))
    ]
    if blocked:
        lines = [f"{c.address} would be {'replaced' if c.is_replace else 'deleted'}" for c in blocked]
        raise PlanError(
            "protected resources would be destroyed:\n  " + "\n  ".join(lines),
            hint=f"Remove `protect: true` from the manifest (or the {PROTECT_TAG} tag from the live "
            "resource) first if destroying it is intended; otherwise change the manifests so the plan keeps it.",
        )
    if max_destroy is None:
        return
    count = count_destroys(changes)
    if count > max_destroy:
        names = ", ".join(c.address for c in changes if c.destroys)
        raise PlanError(
            f"the plan would delete {count} resource(s), more than --max-destroy {max_destroy}: {names}",
            hint="Review the plan; raise --max-destroy if these deletions are intended.",
        )


# A tag on the live object that protects it even after its manifest is gone (Argo CD's
# Prune=false annotation). `protect: true` in a manifest protects a resource still declared.
PROTECT_TAG = "sesctl:protect"


def _protected_live(obj: LiveObject | None) -> bool:
    if obj is None:
        return False
    tags = obj.raw.get("Tags") or []
    return any(
        isinstance(t, Mapping) and t.get("Key") == PROTECT_TAG and str(t.get("Value", "")).lower() == "true"
        for t in tags
    )
