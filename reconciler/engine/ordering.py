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
from reconciler.kinds.registry import plugin_of


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


def dependencies(kind: str, name: str, normalized: Mapping[str, Any] | None) -> tuple[str, ...]:
    """Addresses ``kind/name`` needs to exist first, from its plug-in's references (an event
    destination its configuration set, a configuration set its sending pool)."""
    plugin = plugin_of(kind)
    return plugin.dependencies(name, dict(normalized or {})) if plugin else ()
