"""Checks across resources: duplicate names, singletons, and references between kinds."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from reconciler.diagnostics import Diagnostic, error
from reconciler.kinds.plugin import Reference, as_targets
from reconciler.kinds.registry import PLUGINS, SINGLETON_KINDS
from reconciler.manifest.model import Resource


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
            parent = PLUGINS[resource.kind].parent
            scope = f" in this {parent.noun}" if parent else ""
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
    """Every plug-in's references (``KindPlugin.references``): an event destination's
    configuration set, a configuration set's dedicated IP pool, ...

    What is named must be declared in the manifests being loaded (SES refuses a dangling one
    at apply time; catching it here keeps a half-applied stack from happening), except a name
    SES provides itself (``Reference.builtin``, e.g. ``ses-default-dedicated-pool``).
    ``invalid`` lists the (kind, name) of documents that are declared but failed validation:
    they have their own errors, and referring to them is not a second one."""
    broken = set(invalid)
    names: dict[str, list[str]] = {}
    for resource in resources:
        names.setdefault(resource.kind, []).append(resource.ses_name)
    problems: list[Diagnostic] = []
    for resource in resources:
        plugin = PLUGINS.get(resource.kind)
        for reference in plugin.references if plugin else ():
            value = reference.in_spec(resource.spec)
            declared = names.get(reference.kind, [])
            for index, target in enumerate(as_targets(value)):
                if target == reference.builtin or target in declared or (reference.kind, target) in broken:
                    continue
                field = reference.field if isinstance(value, str) else f"{reference.field}[{index}]"
                problems.append(_dangling(resource, reference, target, declared, field))
    return problems


def _dangling(
    resource: Resource, reference: Reference, target: str, declared: list[str], field: str
) -> Diagnostic:
    detail = f"declared {reference.plural}: {', '.join(declared) or 'none'}"
    if reference.builtin:
        detail += f" (or SES's {reference.builtin})"
    return _at(
        resource,
        field,
        reference.code,
        f"{reference.noun} {target!r} is not declared in the manifests" + _suggest(target, declared),
        detail,
    )


__all__ = ["check_duplicates", "check_references"]
