"""Reading live SES within a refresh budget: the stalest objects first, the rest from the cache.

    outcome = read_within_budget(gateway, kinds, scope, desired, cache, Budget(600), stack="web", prune=False)
    outcome.live        # what was read (LiveObject by address), as read_live returns
    outcome.unread      # listed addresses that were not read (build_plan leaves them out)
    outcome.refresh     # the Refresh report the plan carries

Kinds that list their names cheaply (kinds.base.IncrementalKind: EmailTemplate) are read in
this order, as many as the budget allows at their operation's pace:

    1. the cache says the object differs from the manifests (or, with prune, that this stack
       owns it and the manifests dropped it): a likely change, read so the plan shows it;
    2. never read, or its cache entry expired;
    3. the cache says it was in sync: oldest first.

The other kinds (and every kind of a targeted plan) are read whole, as without a budget. A kind
whose read IAM refuses is skipped or fails as without a budget too (planner.Denials: W6001). The
budget is checked twice: after listing, the share to read is what the time left allows at the
paced interval of the kind's operations (``READ_OVERHEAD`` for the round trip); and a read not
yet started when the budget runs out is not started (those already waiting for their turn
finish: at most one per reader thread).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from reconciler.engine.livecache import READ, LiveCache
from reconciler.engine.planner import Denials, DesiredResource, ReadScope
from reconciler.engine.staleness import DIFFERS, IN_SYNC, NOT_IN_MANIFESTS, UNKNOWN, Refresh, Unrefreshed
from reconciler.kinds.base import IncrementalKind, Kind, LiveObject, fingerprint, is_incremental

# A read at 1/s costs its interval plus a round trip (the bucket waits for the answer before
# the next interval starts): about 1-3 % here. Estimating 5 % over leaves room for slow answers.
READ_OVERHEAD = 1.05


@dataclass(frozen=True)
class Budget:
    seconds: float
    clock: Callable[[], float] = time.monotonic  # measures the budget
    wall: Callable[[], float] = time.time  # stamps what was read, for the cache


@dataclass
class BudgetedRead:
    live: dict[str, LiveObject] = field(default_factory=dict)
    unread: set[str] = field(default_factory=set)
    refresh: Refresh | None = None


_SKIPPED = object()


def desired_fingerprints(
    desired: Mapping[str, DesiredResource], kinds: Mapping[str, Kind], stack: str
) -> dict[str, str]:
    """The fingerprint each desired object of an incremental kind has when live matches it
    (what a LiveObject of it owned by ``stack`` would carry)."""
    result: dict[str, str] = {}
    for address, resource in desired.items():
        kind = kinds.get(resource.kind)
        if kind is not None and is_incremental(kind):
            result[address] = fingerprint(kind.fill_unmanaged(resource.normalized, None), stack)
    return result


def read_within_budget(
    gateway: Any,
    kinds: Mapping[str, Kind],
    scope: ReadScope,
    desired: Mapping[str, DesiredResource],
    cache: LiveCache,
    budget: Budget,
    *,
    stack: str,
    prune: bool,
    denials: Denials | None = None,
) -> BudgetedRead:
    reader = _Reader(gateway, kinds, scope, cache, budget, desired_fingerprints(desired, kinds, stack), stack, prune)
    tolerant = denials or Denials()
    jobs: list[Callable[[], None]] = []
    for kind_name in scope.kinds:
        kind = kinds[kind_name]
        if is_incremental(kind) and kind_name not in scope.names:
            read = partial(reader.share, kind_name, kind)
        else:
            read = partial(reader.whole, kind_name)
        jobs.append(partial(tolerant.tolerate, kind_name, read, None))
    if jobs:
        with ThreadPoolExecutor(max_workers=len(jobs), thread_name_prefix="read-live") as pool:
            for future in [pool.submit(job) for job in jobs]:
                future.result()
    return reader.outcome()


class _Reader:
    def __init__(
        self,
        gateway: Any,
        kinds: Mapping[str, Kind],
        scope: ReadScope,
        cache: LiveCache,
        budget: Budget,
        wanted: Mapping[str, str],
        stack: str,
        prune: bool,
    ) -> None:
        self.gateway, self.kinds, self.scope, self.cache, self.budget = gateway, kinds, scope, cache, budget
        self.wanted, self.stack, self.prune = wanted, stack, prune
        self.made_at = budget.wall()
        self.deadline = budget.clock() + budget.seconds
        self.live: dict[str, LiveObject] = {}
        self.unread: set[str] = set()
        self.unrefreshed: list[Unrefreshed] = []
        self.refreshed = 0
        self._lock = threading.Lock()

    def whole(self, kind_name: str) -> None:
        kind = self.kinds[kind_name]
        names = self.scope.names.get(kind_name)
        found = kind.read_live(self.gateway, list(names) if names is not None else None)
        with self._lock:
            self.live.update((f"{kind_name}/{name}", obj) for name, obj in found.items())
            if is_incremental(kind) and names is not None:  # a targeted plan's reads count too
                for name in names:
                    obj = found.get(name)
                    if obj is None:
                        self.cache.forget(f"{kind_name}/{name}", self.budget.wall())
                    else:
                        self.cache.record(f"{kind_name}/{name}", obj.fingerprint, obj.owner, self.budget.wall(), READ)

    def share(self, kind_name: str, kind: IncrementalKind) -> None:
        listed = sorted(set(kind.list_names(self.gateway)))
        addresses = {name: f"{kind_name}/{name}" for name in listed}
        with self._lock:
            for address in [a for a in self.cache.entries if a.startswith(kind_name + "/")]:
                if address.partition("/")[2] not in addresses:
                    self.cache.forget(address, self.budget.wall())  # gone from SES since it was seen
        ranked = sorted(listed, key=lambda name: self._rank(addresses[name]))
        cost = READ_OVERHEAD * max(1.0 / self.gateway.limits.bucket(op).current for op in kind.refresh_operations)
        room = max(0, math.floor((self.deadline - self.budget.clock()) / cost))
        chosen, left = ranked[:room], ranked[room:]

        def one(name: str) -> tuple[str, object]:
            if self.budget.clock() >= self.deadline:
                return name, _SKIPPED
            return name, kind.read_live(self.gateway, [name]).get(name)

        found = self.gateway.read_many(one, chosen)
        with self._lock:
            for name, obj in found:
                if obj is _SKIPPED:
                    left.append(name)
                    continue
                self.refreshed += 1
                if isinstance(obj, LiveObject):
                    self.live[addresses[name]] = obj
                    self.cache.record(addresses[name], obj.fingerprint, obj.owner, self.budget.wall(), READ)
                else:
                    self.cache.forget(addresses[name], self.budget.wall())  # deleted after the list
            for name in left:
                self._left_unread(addresses[name])

    def _left_unread(self, address: str) -> None:
        self.unread.add(address)
        entry = self.cache.entry(address, self.made_at)
        cached = entry.fingerprint if entry else None
        if address not in self.wanted:
            state = NOT_IN_MANIFESTS
        elif cached is None:
            state = UNKNOWN
        else:
            state = IN_SYNC if cached == self.wanted[address] else DIFFERS
        self.unrefreshed.append(
            Unrefreshed(address, state, entry.read_at if entry else None, entry.by if entry else None)
        )

    def _rank(self, address: str) -> tuple[int, float, str]:
        entry = self.cache.entry(address, self.made_at)
        if entry is None:
            return (1, 0.0, address)
        if address in self.wanted:
            likely_change = entry.fingerprint != self.wanted[address]
        else:
            likely_change = self.prune and entry.owner == self.stack
        return (0 if likely_change else 2, entry.read_at, address)

    def outcome(self) -> BudgetedRead:
        unrefreshed = sorted(
            self.unrefreshed,
            key=lambda u: (_STATE_ORDER[u.state], u.read_at is not None, u.read_at or 0.0, u.address),
        )
        refresh = Refresh(
            budget_seconds=self.budget.seconds,
            made_at=self.made_at,
            refreshed=self.refreshed,
            unrefreshed=tuple(unrefreshed),
            cache=str(self.cache.path),
            cache_reset=self.cache.reset,
        )
        return BudgetedRead(self.live, self.unread, refresh)


_STATE_ORDER = {DIFFERS: 0, UNKNOWN: 1, IN_SYNC: 2, NOT_IN_MANIFESTS: 3}

__all__ = ["READ_OVERHEAD", "Budget", "BudgetedRead", "desired_fingerprints", "read_within_budget"]
