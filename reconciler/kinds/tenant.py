"""Tenant: an SES tenant, the resources associated with it, its reputation policy and tags.

Normalized:

    identities          sorted EmailIdentity names associated with the tenant
    configuration_sets  sorted ConfigurationSet names
    templates           sorted EmailTemplate names
    reputation_policy   "standard" | "strict" | "none" (the last part of SES's policy ARN)
    tags                {user tags}

Read: ListTenants (everything), then per tenant GetTenant (ARN, tags), ListTenantResources
(the associations, as ARNs: ``…:identity/<name>``) and GetReputationEntity (the policy). SES
has no update for a tenant itself: associations are added and removed one by one
(Create/DeleteTenantResourceAssociation), the policy set with UpdateReputationEntityPolicy,
tags through the tenant's ARN (``…:tenant/<name>/<id>``). Every field changes in place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from reconciler.kinds.base import JsonDict, LiveObject, Risk, live_object
from reconciler.kinds.common import (
    InPlaceKind,
    create_tags,
    get_or_none,
    iam,
    live_tags,
    owner_of,
    read_by_name,
    spec_dict,
    sync_tags,
    tag_dict,
    user_tags,
)
from reconciler.kinds.configuration_set import KIND as CONFIGURATION_SETS
from reconciler.kinds.email_identity import KIND as IDENTITIES
from reconciler.kinds.email_template import KIND as TEMPLATES
from reconciler.kinds.plugin import KindPlugin, Reference
from reconciler.kinds.specs.tenant import TenantSpec

if TYPE_CHECKING:
    from reconciler.aws.gateway import SesGateway

DEFAULT_POLICY = "standard"  # what SES gives a new tenant
# normalized key -> (ARN resource type, what the plan calls one)
ASSOCIATIONS: dict[str, tuple[str, str]] = {
    "identities": ("identity", "identity"),
    "configuration_sets": ("configuration-set", "configuration set"),
    "templates": ("template", "template"),
}
_BY_ARN_TYPE = {arn_type: key for key, (arn_type, _) in ASSOCIATIONS.items()}


def policy_arn(region: str, policy: str) -> str:
    return f"arn:aws:ses:{region}:aws:reputation-policy/{policy}"


class TenantKind(InPlaceKind):
    kind: ClassVar[str] = "Tenant"
    # Above what it associates: identities (40), templates (50), and TemplateExperiment (60).
    wave: ClassVar[int] = 70
    taggable: ClassVar[bool] = True
    iam_actions: ClassVar[frozenset[str]] = iam(
        "ListTenants",
        "GetTenant",
        "ListTenantResources",
        "GetReputationEntity",
        "CreateTenant",
        "DeleteTenant",
        "CreateTenantResourceAssociation",
        "DeleteTenantResourceAssociation",
        "UpdateReputationEntityPolicy",
        "ListTagsForResource",  # when GetTenant's answer leaves Tags out
        "TagResource",
        "UntagResource",
    )

    def normalize_desired(self, name: str, spec: Any, stack: str) -> JsonDict:
        data = spec_dict(spec)
        return {
            **{key: sorted(set(data.get(key) or [])) for key in ASSOCIATIONS},
            "reputation_policy": data.get("reputation_policy") or DEFAULT_POLICY,
            "tags": user_tags(data.get("tags") or {}),
        }

    def normalize_live(self, raw: JsonDict) -> JsonDict:
        tenant = raw.get("Tenant") or {}
        found: dict[str, list[str]] = {key: [] for key in ASSOCIATIONS}
        for resource in raw.get("TenantResources") or []:
            arn_type, _, name = str(resource.get("ResourceArn", "")).split(":", 5)[-1].partition("/")
            if arn_type in _BY_ARN_TYPE:
                found[_BY_ARN_TYPE[arn_type]].append(name)
        policy = str((raw.get("ReputationEntity") or {}).get("ReputationManagementPolicy") or "")
        return {
            **{key: sorted(set(names)) for key, names in found.items()},
            "reputation_policy": policy.rpartition("/")[2] or DEFAULT_POLICY,
            "tags": user_tags(tag_dict(tenant.get("Tags"))),
        }

    def read_live(self, gateway: SesGateway, names: Sequence[str] | None) -> Mapping[str, LiveObject]:
        if names is None:
            listed = gateway.paginate("ListTenants", "Tenants", PageSize=1000)
            names = [str(t["TenantName"]) for t in listed]
        return read_by_name(gateway, names, lambda name: self._read_one(gateway, name))

    def _read_one(self, gateway: SesGateway, name: str) -> LiveObject | None:
        answer = get_or_none(gateway, "GetTenant", TenantName=name)
        if answer is None:
            return None
        tenant = answer.get("Tenant") or {}
        raw: JsonDict = {
            "Tenant": tenant,
            "TenantResources": gateway.paginate(
                "ListTenantResources", "TenantResources", cached=False, TenantName=name, PageSize=1000
            ),
            "ReputationEntity": (
                get_or_none(
                    gateway,
                    "GetReputationEntity",
                    ReputationEntityType="RESOURCE",
                    ReputationEntityReference=tenant.get("TenantArn", ""),
                )
                or {}
            ).get("ReputationEntity"),
        }
        if tenant.get("TenantArn"):
            tenant["Tags"] = live_tags(gateway, tenant, lambda: str(tenant["TenantArn"]))
        return live_object(name, self.normalize_live(raw), owner_of(tag_dict(tenant.get("Tags"))), raw)

    def create(self, gateway: SesGateway, name: str, desired: JsonDict, stack: str) -> None:
        answer = gateway.call("CreateTenant", TenantName=name, Tags=create_tags(desired, stack))
        self._associate(gateway, name, {key: [] for key in ASSOCIATIONS}, desired)
        if desired["reputation_policy"] != DEFAULT_POLICY:
            self._put_policy(gateway, str(answer.get("TenantArn", "")), desired["reputation_policy"])

    def update(
        self, gateway: SesGateway, name: str, desired: JsonDict, live: LiveObject, changed: Sequence[str]
    ) -> None:
        before = live.normalized
        arn = str((live.raw.get("Tenant") or {}).get("TenantArn", ""))
        if any(key in changed for key in ASSOCIATIONS):
            self._associate(gateway, name, before, desired)
        if "reputation_policy" in changed:
            self._put_policy(gateway, arn, desired["reputation_policy"])
        if "tags" in changed:
            sync_tags(gateway, arn, before.get("tags") or {}, desired["tags"])

    def delete(self, gateway: SesGateway, name: str, live: LiveObject) -> None:
        # SES removes the tenant's associations with it; the resources stay.
        gateway.call("DeleteTenant", TenantName=name)

    def risks(self, name: str, before: JsonDict | None, after: JsonDict | None) -> list[Risk]:
        if after is None:
            return [
                Risk(
                    "tenant_deleted",
                    "medium",
                    f"Tenant {name} is deleted: sends that name it fail from then on, and its reputation "
                    "history goes with it (its identities, configuration sets and templates stay).",
                )
            ]
        found: list[Risk] = []
        added, removed = _changes(before, after)
        if removed:
            found.append(
                Risk(
                    "tenant_associations_removed",
                    "medium",
                    f"Tenant {name} loses {', '.join(removed)}: its sends that use them fail once applied.",
                )
            )
        if added and before is not None:
            found.append(Risk("tenant_associations_added", "low", f"Tenant {name} gains {', '.join(added)}."))
        if after.get("reputation_policy") == "none" and (before or {}).get("reputation_policy") != "none":
            found.append(
                Risk(
                    "tenant_reputation_policy_none",
                    "medium",
                    f"Tenant {name} gets the reputation policy none: SES records its findings but never "
                    "pauses it, so a tenant with high bounce or complaint rates keeps sending under the "
                    "account's reputation.",
                )
            )
        return found

    # -- helpers --------------------------------------------------------------------------------

    def _associate(self, gateway: SesGateway, name: str, before: JsonDict, after: JsonDict) -> None:
        """Removals first, so a tenant never holds more than either side had."""
        for key, (arn_type, _) in ASSOCIATIONS.items():
            old, new = set(before.get(key) or []), set(after.get(key) or [])
            for resource in sorted(old - new):
                gateway.call(
                    "DeleteTenantResourceAssociation", TenantName=name, ResourceArn=gateway.arn(f"{arn_type}/{resource}")
                )
        for key, (arn_type, _) in ASSOCIATIONS.items():
            old, new = set(before.get(key) or []), set(after.get(key) or [])
            for resource in sorted(new - old):
                gateway.call(
                    "CreateTenantResourceAssociation", TenantName=name, ResourceArn=gateway.arn(f"{arn_type}/{resource}")
                )

    def _put_policy(self, gateway: SesGateway, arn: str, policy: str) -> None:
        gateway.call(
            "UpdateReputationEntityPolicy",
            ReputationEntityType="RESOURCE",
            ReputationEntityReference=arn,
            ReputationEntityPolicy=policy_arn(gateway.region, policy),
        )


def _changes(before: JsonDict | None, after: JsonDict) -> tuple[list[str], list[str]]:
    """The associations ``after`` adds and removes, in words: "identity example.com"."""
    added: list[str] = []
    removed: list[str] = []
    for key, (_, noun) in ASSOCIATIONS.items():
        old, new = set((before or {}).get(key) or []), set(after.get(key) or [])
        added += [f"{noun} {n}" for n in sorted(new - old)]
        removed += [f"{noun} {n}" for n in sorted(old - new)]
    return added, removed


def _reference(kind: str, key: str, field: str, code: str, noun: str, plural: str) -> Reference:
    return Reference(
        kind=kind,
        field=f"spec.{field}",
        code=code,
        noun=noun,
        plural=plural,
        in_spec=lambda spec: tuple(getattr(spec, key, None) or ()),
        in_normalized=lambda _, normalized: tuple(normalized.get(key) or ()),
    )


KIND = TenantKind()
PLUGIN = KindPlugin(
    kind=KIND,
    spec=TenantSpec,
    import_file="tenants.yaml",
    summary="an SES tenant: the identities, configuration sets and templates it may send with, "
    "its reputation policy, tags",
    references=(
        _reference(IDENTITIES.kind, "identities", "identities", "E3011", "email identity", "email identities"),
        _reference(
            CONFIGURATION_SETS.kind,
            "configuration_sets",
            "configurationSets",
            "E3012",
            "configuration set",
            "configuration sets",
        ),
        _reference(TEMPLATES.kind, "templates", "templates", "E3013", "template", "templates"),
    ),
)
