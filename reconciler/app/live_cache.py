"""Which live cache a plan or apply uses, and what they tell it (reconciler/engine/livecache.py).

A plan with a refresh budget opens (and creates) the cache of its stack, environment, account,
region and endpoint. Plans without one, and applies, only keep an existing cache up to date: a
project that never uses a budget never gets a cache file, nor the STS call that keys it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from urllib.parse import urlsplit

from reconciler.aws.gateway import SesGateway
from reconciler.engine.applier import DONE, StepOutcome
from reconciler.engine.livecache import APPLY, CACHE_DIR, READ, CacheKey, LiveCache
from reconciler.engine.plan import Plan
from reconciler.engine.planner import PlanOptions, ReadScope
from reconciler.errors import ReconcilerError, UsageError
from reconciler.kinds.base import OWNER_TAG, JsonDict, Kind, LiveObject, fingerprint, is_incremental

CACHE_ENV = "SESCTL_LIVE_CACHE"  # a directory for the live cache, instead of .sesctl/live-cache


def open_cache(gateway: SesGateway, root: Path, options: PlanOptions, *, create: bool) -> LiveCache | None:
    """The cache for this target, or None when there is none and ``create`` is False."""
    directory = cache_directory(root)
    if not create and not LiveCache.exists_for(directory, options.stack, options.environment):
        return None
    try:
        account = gateway.account_id()
    except ReconcilerError as exc:
        if not create:
            return None
        raise UsageError(
            f"--refresh-budget keeps its live cache per AWS account, and the account could not be read: {exc}",
            hint="Allow sts:GetCallerIdentity (every AWS identity may call it), or plan without --refresh-budget.",
        ) from exc
    endpoint = _endpoint(str(getattr(getattr(gateway.client, "meta", None), "endpoint_url", "") or ""))
    return LiveCache.load(directory, CacheKey(options.stack, options.environment, account, options.region, endpoint))


def cache_directory(root: Path) -> Path:
    """``$SESCTL_LIVE_CACHE`` when set (CI keeps it between runs), else ``.sesctl/live-cache``
    under the project."""
    chosen = os.environ.get(CACHE_ENV, "").strip()
    return Path(chosen) if chosen else Path(root) / CACHE_DIR


def remember_reads(
    cache: LiveCache, live: Mapping[str, LiveObject], kinds: Mapping[str, Kind], scope: ReadScope, when: float
) -> None:
    """A plan read every object in ``scope`` (no budget): record what it saw of the incremental
    kinds, and forget what it found gone."""
    for kind_name in scope.kinds:
        if not is_incremental(kinds[kind_name]):
            continue
        names = scope.names.get(kind_name)
        prefix = kind_name + "/"
        considered = (
            {prefix + n for n in names} if names is not None else {a for a in cache.entries if a.startswith(prefix)}
        )
        for address in considered - set(live):
            cache.forget(address, when)
        for address, obj in live.items():
            if address.startswith(prefix):
                cache.record(address, obj.fingerprint, obj.owner, when, READ)


def remember_apply(
    cache: LiveCache, plan: Plan, outcomes: Iterable[StepOutcome], kinds: Mapping[str, Kind], when: float
) -> None:
    """What our apply made of each incremental-kind object: a step done leaves it as the plan's
    desired form (recorded ``by: apply``), a delete done removes it, and any step not done
    leaves its state unknown (forgotten, so the next budgeted plan reads it early)."""
    for outcome in outcomes:
        change = plan.change(outcome.address)
        kind = kinds.get(change.kind) if change is not None else None
        if change is None or kind is None or not is_incremental(kind):
            continue
        if outcome.status != DONE or change.after is None or outcome.action in ("delete", "replace (delete)"):
            cache.forget(change.address, when)
        else:
            cache.record(change.address, fingerprint(_without_owner_tag(change.after), plan.stack), plan.stack, when, APPLY)


def save_quietly(cache: LiveCache) -> str:
    """Save; a cache that cannot be written only costs reads next time, so say it, do not fail."""
    try:
        cache.save()
    except OSError as exc:
        return f"the live cache {cache.path} could not be written ({exc.strerror or exc}); the next budgeted plan reads more"
    return ""


def _endpoint(url: str) -> str:
    # An emulator on this machine (--local picks a new port every run) is one target: its
    # state file, not its port, says what it holds, and its account and region are in the key.
    host = urlsplit(url).hostname or ""
    return "local" if host in ("127.0.0.1", "localhost", "::1") else url


def _without_owner_tag(after: JsonDict) -> JsonDict:
    # The owner tag is part of `after` only for an adoption (planner.adoption_form); a live
    # object carries it as its owner, never in its normalized tags.
    tags = after.get("tags")
    if isinstance(tags, dict) and OWNER_TAG in tags:
        return {**after, "tags": {k: v for k, v in tags.items() if k != OWNER_TAG}}
    return after


__all__ = ["CACHE_ENV", "cache_directory", "open_cache", "remember_apply", "remember_reads", "save_quietly"]
