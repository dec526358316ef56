"""The registry of resource kinds: a literal dict (as pre-commit's all_languages), no magic.

Waves order apply: lower first (suppression policy, pools, configuration sets, event
destinations, templates); deletes run in reverse.
"""

from __future__ import annotations

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


__all__ = ["KINDS", "all_iam_actions"]
