"""Risks that need more than one object: the whole picture before and after the plan.

    risks = world_risks(before, after)   # {address: [Risk, ...]}, addresses "Kind/name"

``before``: the normalized live objects read (``{"ConfigurationSet/marketing": {...}, ...}``).
``after``: what exists once the plan is applied: ``before`` with the desired form of every
created/updated/replaced object and without the deleted ones (unchanged objects as in
``before``). The planner adds the result to the per-object ``Kind.risks``.

- ``last_bounce_or_complaint_destination_removed`` (high): a configuration set that keeps
  existing loses its last enabled event destination for BOUNCE (or COMPLAINT): nobody will
  see bounces any more. Attached to each destination change that caused it.
- ``pool_warming_up`` (medium): a configuration set starts sending through a STANDARD pool
  whose IPs are still warming up (or that has no IPs). Attached to the configuration set.
"""

from __future__ import annotations

from collections.abc import Mapping

from reconciler.kinds.base import JsonDict, Risk
from reconciler.kinds.dedicated_ip_pool import warming_ips

WATCHED_EVENTS = ("BOUNCE", "COMPLAINT")


def world_risks(before: Mapping[str, JsonDict], after: Mapping[str, JsonDict]) -> dict[str, list[Risk]]:
    found: dict[str, list[Risk]] = {}
    for address, risk in [*_lost_destinations(before, after), *_warming_pools(before, after)]:
        found.setdefault(address, []).append(risk)
    return found


def _destinations(world: Mapping[str, JsonDict], configuration_set: str, event: str) -> set[str]:
    prefix = f"EventDestination/{configuration_set}/"
    return {
        address
        for address, obj in world.items()
        if address.startswith(prefix)
        and obj.get("enabled")
        and event in (obj.get("matching_event_types") or [])
    }


def _configuration_sets(world: Mapping[str, JsonDict]) -> set[str]:
    sets = {a.split("/", 1)[1] for a in world if a.startswith("ConfigurationSet/")}
    sets |= {a.split("/", 2)[1] for a in world if a.startswith("EventDestination/") and a.count("/") >= 2}
    return sets


def _lost_destinations(
    before: Mapping[str, JsonDict], after: Mapping[str, JsonDict]
) -> list[tuple[str, Risk]]:
    risks: list[tuple[str, Risk]] = []
    for configuration_set in sorted(_configuration_sets(before)):
        set_address = f"ConfigurationSet/{configuration_set}"
        if set_address in before and set_address not in after:
            continue  # the whole set goes: nothing is left to send without a bounce feed
        for event in WATCHED_EVENTS:
            had = _destinations(before, configuration_set, event)
            if had and not _destinations(after, configuration_set, event):
                for address in sorted(had):
                    risks.append(
                        (
                            address,
                            Risk(
                                "last_bounce_or_complaint_destination_removed",
                                "high",
                                f"Configuration set {configuration_set} is left without an enabled event "
                                f"destination for {event} events: {event.lower()}s will go unnoticed.",
                            ),
                        )
                    )
    return risks


def _warming_pools(before: Mapping[str, JsonDict], after: Mapping[str, JsonDict]) -> list[tuple[str, Risk]]:
    risks: list[tuple[str, Risk]] = []
    for address, obj in sorted(after.items()):
        if not address.startswith("ConfigurationSet/"):
            continue
        pool = _pool(obj)
        if pool is None or pool == _pool(before.get(address)):
            continue
        pool_obj = after.get(f"DedicatedIpPool/{pool}")
        if pool_obj is None or pool_obj.get("scaling_mode") != "STANDARD":
            continue
        warming = warming_ips(pool_obj)
        name = address.split("/", 1)[1]
        if not pool_obj.get("dedicated_ips"):
            message = f"Configuration set {name} will send through pool {pool}, which has no dedicated IPs."
        elif warming:
            message = (
                f"Configuration set {name} will send through pool {pool}, whose IPs are still warming up "
                f"({', '.join(warming)}): a sudden volume there risks throttling and spam placement."
            )
        else:
            continue
        risks.append((address, Risk("pool_warming_up", "medium", message)))
    return risks


def _pool(obj: JsonDict | None) -> str | None:
    if not obj:
        return None
    delivery = obj.get("delivery_options") or {}
    pool = delivery.get("sending_pool_name")
    return pool if isinstance(pool, str) and pool else None


__all__ = ["world_risks"]
