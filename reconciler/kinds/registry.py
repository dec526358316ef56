"""The registry of resource kinds: one line per kind, every other table derived from it.

A literal tuple (as pre-commit's all_languages), no registration magic: adding a kind is its
own module(s) plus one line in ``_REGISTERED`` (docs/architecture.md, "Kinds are plug-ins").
The order is the docs' and the IAM table's order; apply order comes from the waves, which the
registry checks against the plug-ins' references when it is imported.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from pydantic import BaseModel

from reconciler.kinds import (
    account_settings,
    alert_policy,
    configuration_set,
    contact_list,
    dedicated_ip_pool,
    email_identity,
    email_template,
    event_destination,
    multi_region_endpoint,
    suppression_policy,
    template_experiment,
    tenant,
)
from reconciler.kinds.base import JsonDict, Kind
from reconciler.kinds.plugin import KindPlugin

_REGISTERED: tuple[KindPlugin, ...] = (
    account_settings.PLUGIN,
    suppression_policy.PLUGIN,
    dedicated_ip_pool.PLUGIN,
    contact_list.PLUGIN,
    configuration_set.PLUGIN,
    event_destination.PLUGIN,
    alert_policy.PLUGIN,
    email_identity.PLUGIN,
    multi_region_endpoint.PLUGIN,
    email_template.PLUGIN,
    template_experiment.PLUGIN,
    tenant.PLUGIN,
)


class RegistryError(Exception):
    """A plug-in that contradicts another (a programming error, raised at import time)."""


def build(plugins: Iterable[KindPlugin]) -> dict[str, KindPlugin]:
    """kind name -> plug-in, refusing duplicate names, unknown references and waves that would
    apply a kind before something it refers to (deletes run in reverse, so after it)."""
    table: dict[str, KindPlugin] = {}
    for plugin in plugins:
        if plugin.name in table:
            raise RegistryError(f"kind {plugin.name} is registered twice")
        table[plugin.name] = plugin
    for plugin in table.values():
        for reference in plugin.references:
            target = table.get(reference.kind)
            if target is None:
                raise RegistryError(f"{plugin.name} refers to {reference.kind}, which is not registered")
            if target.kind.wave >= plugin.kind.wave:
                raise RegistryError(
                    f"{plugin.name} (wave {plugin.kind.wave}) refers to {reference.kind} "
                    f"(wave {target.kind.wave}): its wave must be higher, so it is applied after"
                )
    return table


PLUGINS: dict[str, KindPlugin] = build(_REGISTERED)

# The tables the rest of sesctl reads, all derived from the plug-ins.
# The kinds the engine plans: manifest-only kinds (KindPlugin.manifest_only) are not among them.
KINDS: dict[str, Kind] = {name: plugin.kind for name, plugin in PLUGINS.items() if not plugin.manifest_only}
KIND_SPECS: dict[str, type[BaseModel]] = {name: plugin.spec for name, plugin in PLUGINS.items()}
SINGLETON_KINDS: frozenset[str] = frozenset(name for name, plugin in PLUGINS.items() if plugin.singleton)
TEXT_PARTS: dict[str, tuple[str, ...]] = {n: p.text_parts for n, p in PLUGINS.items() if p.text_parts}
IMPORT_FILES: dict[str, str] = {name: p.import_file for name, p in PLUGINS.items() if not p.manifest_only}
IMPORT_DEFAULTS: dict[str, JsonDict] = {n: p.default for n, p in PLUGINS.items() if p.default is not None}


def plugin_of(kind_name: str) -> KindPlugin | None:
    return PLUGINS.get(kind_name)


def is_manifest_only(kind_name: str) -> bool:
    plugin = PLUGINS.get(kind_name)
    return plugin is not None and plugin.manifest_only


def all_iam_actions(plugins: Mapping[str, KindPlugin] = PLUGINS) -> list[str]:
    """Every SES permission sesctl's plan and apply can use (a least-privilege policy's Action)."""
    return sorted(set().union(*(plugin.iam_actions for plugin in plugins.values())))


def iam_policy() -> dict[str, object]:
    """A least-privilege IAM policy for plan and apply (STS GetCallerIdentity needs none)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "SesctlReconcile", "Effect": "Allow", "Action": all_iam_actions(), "Resource": "*"}
        ],
    }


def iam_markdown() -> str:
    """The generated IAM section of docs/kinds.md (tests/engine/kinds/test_registry.py keeps it current)."""
    lines = ["| Kind | IAM actions |", "|---|---|"]
    for name, plugin in PLUGINS.items():
        if plugin.manifest_only:
            continue  # no SES calls
        lines.append(f"| {name} | {', '.join(f'`{a}`' for a in sorted(plugin.iam_actions))} |")
    lines += ["", "Least-privilege policy for `sesctl plan` and `sesctl apply`:", "", "```json"]
    lines.append(json.dumps(iam_policy(), indent=2))
    lines.append("```")
    return "\n".join(lines) + "\n"


def kinds_markdown() -> str:
    """The generated table of kinds in docs/kinds.md (the meta-test keeps it current)."""
    lines = [
        "| Kind | What it is | Refers to | Wave | Import file | Schema |",
        "|---|---|---|---|---|---|",
    ]
    for name, plugin in PLUGINS.items():
        refers = ", ".join(sorted({r.kind for r in plugin.references})) or "-"
        what = plugin.summary + (" (singleton)" if plugin.singleton else "")
        lines.append(
            f"| {name} | {what} | {refers} | {plugin.kind.wave} | `{plugin.import_file}` "
            f"| `schemas/{name.lower()}.json` |"
        )
    return "\n".join(lines) + "\n"


__all__ = [
    "IMPORT_DEFAULTS",
    "IMPORT_FILES",
    "KINDS",
    "KIND_SPECS",
    "PLUGINS",
    "SINGLETON_KINDS",
    "TEXT_PARTS",
    "RegistryError",
    "all_iam_actions",
    "build",
    "iam_markdown",
    "iam_policy",
    "kinds_markdown",
    "plugin_of",
]
