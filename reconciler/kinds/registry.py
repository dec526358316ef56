"""The registry of resource kinds: a literal dict (as pre-commit's all_languages), no magic.

Waves order apply: lower first (suppression policy, pools, configuration sets, event
destinations, templates); deletes run in reverse.
"""

from __future__ import annotations

import json

from reconciler.kinds import (
    configuration_set,
    dedicated_ip_pool,
    email_template,
    event_destination,
    suppression_policy,
)
from reconciler.kinds.base import Kind

KINDS: dict[str, Kind] = {
    "SuppressionPolicy": suppression_policy.KIND,
    "DedicatedIpPool": dedicated_ip_pool.KIND,
    "ConfigurationSet": configuration_set.KIND,
    "EventDestination": event_destination.KIND,
    "EmailTemplate": email_template.KIND,
}


def all_iam_actions() -> list[str]:
    """Every SES permission sesctl's plan and apply can use (a least-privilege policy's Action)."""
    return sorted(set().union(*(kind.iam_actions for kind in KINDS.values())))


__all__ = ["KINDS", "all_iam_actions", "iam_markdown", "iam_policy"]


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
    for name, kind in KINDS.items():
        lines.append(f"| {name} | {', '.join(f'`{a}`' for a in sorted(kind.iam_actions))} |")
    lines += ["", "Least-privilege policy for `sesctl plan` and `sesctl apply`:", "", "```json"]
    lines.append(json.dumps(iam_policy(), indent=2))
    lines.append("```")
    return "\n".join(lines) + "\n"
