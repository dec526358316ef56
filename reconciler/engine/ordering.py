"""The order in which apply runs a plan's changes (Argo CD sync waves, Terraform's graph).

    1. the delete half of every replace, waves descending (dependents first);
    2. creates, updates and the create half of replaces, waves ascending (dependencies first);
    3. deletes, waves descending, last, so nothing still in use is removed before its users
       have been updated away from it.

Within a phase, ties break on (kind, name), so the order is total and deterministic.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.engine.plan import Action, ResourceChange


@dataclass(frozen=True)
class Step:
    change: ResourceChange
    action: Action  # CREATE, UPDATE or DELETE (a replace is two steps)

    @property
    def address(self) -> str:
        return self.change.address

    @property
    def label(self) -> str:
        if self.change.is_replace:
            return f"replace ({self.action})"
        return str(self.action)


def order_steps(changes: Iterable[ResourceChange]) -> list[Step]:
    changes = list(changes)
    replace_deletes = [Step(c, Action.DELETE) for c in changes if c.is_replace]
    forward = [Step(c, Action.CREATE if c.is_replace else c.actions[0]) for c in changes if not c.is_delete]
    deletes = [Step(c, Action.DELETE) for c in changes if c.is_delete]
    return [
        *sorted(replace_deletes, key=_descending),
        *sorted(forward, key=_ascending),
        *sorted(deletes, key=_descending),
    ]


def sort_changes(changes: Iterable[ResourceChange]) -> tuple[ResourceChange, ...]:
    """The plan's display and JSON order: (wave, kind, name)."""
    return tuple(sorted(changes, key=lambda c: (c.wave, c.kind, c.name)))


def _ascending(step: Step) -> tuple[int, str, str]:
    return (step.change.wave, step.change.kind, step.change.name)


def _descending(step: Step) -> tuple[int, str, str]:
    # Reverse wave, but keep names ascending within a wave so output stays readable.
    return (-step.change.wave, step.change.kind, step.change.name)


# The pool every account with managed dedicated IPs has; never created or deleted by sesctl.
_SES_DEFAULT_POOL = "ses-default-dedicated-pool"


def dependencies(kind: str, name: str, normalized: Mapping[str, Any] | None) -> tuple[str, ...]:
    """Addresses ``kind/name`` needs to exist first: an event destination its configuration set
    (its name is ``<configuration set>/<destination>``), a configuration set its sending pool."""
    if kind == "EventDestination" and "/" in name:
        return (f"ConfigurationSet/{name.split('/', 1)[0]}",)
    if kind == "ConfigurationSet" and normalized:
        delivery = normalized.get("delivery_options") or {}
        pool = delivery.get("sending_pool_name") if isinstance(delivery, Mapping) else None
        if isinstance(pool, str) and pool and pool != _SES_DEFAULT_POOL:
            return (f"DedicatedIpPool/{pool}",)
    return ()
