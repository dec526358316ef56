"""Tenant: an SES tenant (CreateTenant), the identities, configuration sets and templates
associated with it (CreateTenantResourceAssociation), its reputation policy
(UpdateReputationEntityPolicy) and tags.

The resources are named as in the manifests (``metadata.name``); apply turns them into the
ARNs of the account and region it runs in. SES v2 has no tenant-level suppression settings
(botocore's model: a tenant has a name, tags, associations and a reputation entity), so there
are none here.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema

from reconciler.kinds.specs.base import SesName, SpecModel, Tags, _unique, no_items
from reconciler.kinds.specs.email_identity import IdentityName

ReputationPolicy = Literal["none", "standard", "strict"]


def _name_set(item_schema: dict[str, object]) -> WithJsonSchema:
    return WithJsonSchema({"type": "array", "items": item_schema, "uniqueItems": True})


IdentitySet = Annotated[
    list[IdentityName],
    BeforeValidator(_unique),
    _name_set({"type": "string", "description": "an EmailIdentity's metadata.name"}),
]
NameSet = Annotated[
    list[SesName],
    BeforeValidator(_unique),
    _name_set({"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"}),
]


class TenantSpec(SpecModel):
    """``kind: Tenant``: a tenant and what it may send with."""

    identities: IdentitySet = Field(default_factory=no_items)
    """Email identities the tenant sends from (EmailIdentity names declared in the manifests)."""
    configuration_sets: NameSet = Field(default_factory=no_items)
    """Configuration sets the tenant's sends may name (declared in the manifests)."""
    templates: NameSet = Field(default_factory=no_items)
    """Email templates the tenant's sends may use (declared in the manifests)."""
    reputation_policy: ReputationPolicy = "standard"
    """SES's reputation policy: pause sending on high-severity findings (standard, SES's default),
    on any finding (strict), or never (none)."""
    tags: Tags = Field(default_factory=dict)


__all__ = ["ReputationPolicy", "TenantSpec"]
