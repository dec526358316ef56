"""Risks that need more than one object: the whole picture before and after the plan.

    risks = world_risks(before, after)   # {address: [Risk, ...]}, addresses "Kind/name"

``before``: the normalized live objects read (``{"ConfigurationSet/marketing": {...}, ...}``).
``after``: what exists once the plan is applied: ``before`` with the desired form of every
created/updated/replaced object and without the deleted ones (unchanged objects as in
``before``). The planner adds the result to the per-object ``Kind.risks``.

Each plug-in contributes its own (``KindPlugin.world_risks``), e.g. EventDestination's
``last_bounce_or_complaint_destination_removed`` and ConfigurationSet's ``pool_warming_up``.
"""

from __future__ import annotations

from collections.abc import Mapping

from reconciler.kinds.base import JsonDict, Risk
from reconciler.kinds.plugin import KindPlugin
from reconciler.kinds.registry import PLUGINS


def world_risks(
    before: Mapping[str, JsonDict],
    after: Mapping[str, JsonDict],
    plugins: Mapping[str, KindPlugin] = PLUGINS,
) -> dict[str, list[Risk]]:
    found: dict[str, list[Risk]] = {}
    for plugin in plugins.values():
        if plugin.world_risks is None:
            continue
        for address, risk in plugin.world_risks(before, after):
            found.setdefault(address, []).append(risk)
    return found


__all__ = ["world_risks"]
