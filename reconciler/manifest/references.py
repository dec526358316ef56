"""Checks across resources: duplicate names, singletons, and references between kinds."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from reconciler.diagnostics import Diagnostic, error
from reconciler.manifest.model import Resource
from reconciler.manifest.specs import SINGLETON_KINDS
from reconciler.manifest.specs.configuration_set import SES_DEFAULT_POOL, ConfigurationSetSpec
from reconciler.manifest.specs.event_destination import EventDestinationSpec


def _at(resource: Resource, field: str, code: str, summary: str, detail: str = "") -> Diagnostic:
    position = resource.locate(field)
    return error(
        code,
        summary,
        detail=detail,
        **position.where(),
        address=resource.address,
        field=field,
    )


def _suggest(name: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def check_duplicates(resources: Sequence[Resource]) -> list[Diagnostic]:
    problems: list[Diagnostic] = []
    first: dict[str, Resource] = {}
    singles: dict[str, Resource] = {}
    for resource in resources:
        if resource.kind in SINGLETON_KINDS:
            if resource.kind in singles:
                other = singles[resource.kind]
                problems.append(
                    _at(
                        resource,
                        "kind",
                        "E3005",
                        f"{resource.kind} is an account-wide setting: declare it once",
                        f"first declared at {other.locate(())}",
                    )
                )
            else:
                singles[resource.kind] = resource
            continue
        if resource.address in first:
            other = first[resource.address]
            scope = " in this configuration set" if resource.kind == "EventDestination" else ""
            problems.append(
                _at(
                    resource,
                    "metadata.name",
                    "E3003",
                    f"duplicate {resource.kind} name {resource.ses_name!r}{scope}",
                    f"first declared at {other.locate('metadata.name')}",
                )
            )
        else:
            first[resource.address] = resource
    return problems


def check_references(
    resources: Sequence[Resource], invalid: Iterable[tuple[str, str]] = ()
) -> list[Diagnostic]:
    """Event destination -> configuration set, configuration set -> dedicated IP pool.

    Both must be declared in the manifests being loaded (SES refuses a dangling one at apply
    time; catching it here keeps a half-applied stack from happening). The only exception is
    SES's own ``ses-default-dedicated-pool``. ``invalid`` lists the (kind, name) of documents
    that are declared but failed validation: they have their own errors, and referring to them
    is not a second one."""
    broken = set(invalid)
    sets = [r.ses_name for r in resources if r.kind == "ConfigurationSet"]
    pools = [r.ses_name for r in resources if r.kind == "DedicatedIpPool"]
    declared_sets = {*sets, *(name for kind, name in broken if kind == "ConfigurationSet")}
    declared_pools = {*pools, *(name for kind, name in broken if kind == "DedicatedIpPool")}
    problems: list[Diagnostic] = []
    for resource in resources:
        spec = resource.spec
        if isinstance(spec, EventDestinationSpec) and spec.configuration_set not in declared_sets:
            problems.append(
                _at(
                    resource,
                    "spec.configurationSet",
                    "E3001",
                    f"configuration set {spec.configuration_set!r} is not declared in the manifests"
                    + _suggest(spec.configuration_set, sets),
                    f"declared configuration sets: {', '.join(sets) or 'none'}",
                )
            )
        if isinstance(spec, ConfigurationSetSpec):
            pool = spec.sending_pool
            if pool is not None and pool not in declared_pools and pool != SES_DEFAULT_POOL:
                problems.append(
                    _at(
                        resource,
                        "spec.deliveryOptions.sendingPoolName",
                        "E3002",
                        f"dedicated IP pool {pool!r} is not declared in the manifests"
                        + _suggest(pool, pools),
                        f"declared pools: {', '.join(pools) or 'none'} (or SES's {SES_DEFAULT_POOL})",
                    )
                )
    return problems


__all__ = ["check_duplicates", "check_references"]
