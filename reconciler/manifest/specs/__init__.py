"""Spec models, one module per kind, and the registry of kinds.

Adding a kind (EmailIdentity, ContactList, AccountSettings come later) is one module here
plus one line in ``KIND_SPECS``; the loader, validate and the JSON Schemas pick it up.
"""

from __future__ import annotations

from pydantic import BaseModel

from reconciler.manifest.specs.configuration_set import ConfigurationSetSpec
from reconciler.manifest.specs.dedicated_ip_pool import DedicatedIpPoolSpec
from reconciler.manifest.specs.email_template import EmailTemplateSpec
from reconciler.manifest.specs.event_destination import EventDestinationSpec
from reconciler.manifest.specs.suppression_policy import SuppressionPolicySpec

API_VERSION = "sesctl/v1"

# kind -> spec model. A literal table (as pre-commit's all_languages): no registration magic.
KIND_SPECS: dict[str, type[BaseModel]] = {
    "EmailTemplate": EmailTemplateSpec,
    "ConfigurationSet": ConfigurationSetSpec,
    "EventDestination": EventDestinationSpec,
    "DedicatedIpPool": DedicatedIpPoolSpec,
    "SuppressionPolicy": SuppressionPolicySpec,
}

# Kinds of which a stack holds at most one (per account and region).
SINGLETON_KINDS: frozenset[str] = frozenset({"SuppressionPolicy"})

__all__ = [
    "API_VERSION",
    "KIND_SPECS",
    "SINGLETON_KINDS",
    "ConfigurationSetSpec",
    "DedicatedIpPoolSpec",
    "EmailTemplateSpec",
    "EventDestinationSpec",
    "SuppressionPolicySpec",
]
