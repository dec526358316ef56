"""Tenants (Create/Get/List/DeleteTenant), their resource associations
(Create/DeleteTenantResourceAssociation, ListTenantResources, ListResourceTenants) and the
reputation entities (Get/ListReputationEntities, UpdateReputationEntityPolicy,
UpdateReputationEntityCustomerManagedStatus).

What SES documents (API reference, developer guide "Tenants", the IAM service authorization
reference) and the emulator follows:

- A tenant's ARN is ``arn:aws:ses:<region>:<account>:tenant/<name>/<id>``.
- Identities, configuration sets and templates of the same region and account can be
  associated, each with any number of tenants. Deleting an identity or a configuration set
  that a tenant uses fails until the association is removed; deleting a tenant removes its
  associations, never the resources.
- The reputation entities are the tenants (``RESOURCE`` entities, referenced by the tenant's
  ARN). A new tenant gets the ``standard`` reputation policy; the policies are SES's own
  ``arn:aws:ses:<region>:aws:reputation-policy/{none,standard,strict}``. The aggregate sending
  status is DISABLED when either the customer-managed or the SES-managed status is, else
  REINSTATED when the customer reinstated it, else ENABLED; GetTenant's SendingStatus is it.

Sends (SendEmail, SendBulkEmail) through a tenant (``TenantName``): the API reference says the
send succeeds only if every resource it references (identity, configuration set, template) is
associated with the tenant, and the reputation entity's documentation that a DISABLED aggregate
status stops the entity sending. send_through_tenant checks both. The answers where the
reference gives none are those reported from SES itself: an unknown tenant is
``NotFoundException`` (404) "Tenant <name> for AwsAccountId <account> not found.", a resource
not associated ``AccessDeniedException`` (403) "Tenant not associated with resources [<ARN>,
...]." naming every one missing. A disabled tenant's send answers SendingPausedException, the
emulator's choice (SES's answer is not recorded).

Where SES is silent the emulator chooses: 10,000 tenants per region (LimitExceededException
beyond); tenant IDs ``tn-`` + 29 hex digits; an association whose template was deleted is
dropped (templates are not protected as identities and configuration sets are); lists are
sorted (tenants and entities by name/ARN, resources by ARN) and paged as every list (1-1000,
default 100); the emulator never raises reputation findings, so the SES-managed status stays
ENABLED and no entity reports a ReputationImpact (an admin action could add findings later).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from typing import Any

from reconciler.emulator.errors import (
    AccessDeniedException,
    AlreadyExistsException,
    BadRequestException,
    NotFoundException,
    SendingPausedException,
)
from reconciler.emulator.lookups import find_in
from reconciler.emulator.operations.common import (
    check_name,
    check_new,
    check_tags,
    listing,
    paginate,
    tag_list,
)
from reconciler.emulator.registry import OperationContext, Params, Result, operation
from reconciler.emulator.state import DEFAULT_REPUTATION_POLICY, SesState, StatusRecord, Tenant

MAX_TENANTS = 10_000
RESOURCE_ARN = re.compile(
    r"^arn:aws[a-z-]*:ses:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):(?P<kind>[a-z-]+)/(?P<name>[^/]+)$"
)
# ARN resource type -> (ListTenantResources' ResourceType, does it exist in this state?)
ASSOCIABLE: dict[str, tuple[str, Callable[[SesState, str], bool]]] = {
    "identity": ("EMAIL_IDENTITY", lambda state, name: name.lower() in state.identities),
    "configuration-set": ("CONFIGURATION_SET", lambda state, name: name in state.configuration_sets),
    "template": ("EMAIL_TEMPLATE", lambda state, name: name in state.templates),
}
RESOURCE_TYPES = {kind: resource_type for kind, (resource_type, _) in ASSOCIABLE.items()}
POLICY = re.compile(r"^arn:aws:ses:(?P<region>[a-z0-9-]+):aws:reputation-policy/(?P<name>none|standard|strict)$")


def tenant_arn(ctx: OperationContext, tenant: Tenant) -> str:
    return ctx.arn(f"tenant/{tenant.name}/{tenant.tenant_id}")


def find_tenant(state: SesState, name: str) -> Tenant:
    return find_in(state.tenants, name, f"Tenant {name} does not exist.")


def tenants_using(state: SesState, arn: str) -> list[str]:
    """The names of the tenants ``arn`` is associated with (DeleteEmailIdentity and
    DeleteConfigurationSet refuse while there are any)."""
    return sorted(t.name for t in state.tenants.values() if arn in t.resources)


def refuse_if_associated(ctx: OperationContext, resource: str, what: str) -> None:
    """SES: "Any attempt to delete an identity or configuration set that is associated with a
    tenant will fail" until the association is removed."""
    users = tenants_using(ctx.state, ctx.arn(resource))
    if users:
        raise BadRequestException(
            f"{what} is associated with tenant(s) {', '.join(users)}: remove the association "
            "(DeleteTenantResourceAssociation) before deleting it."
        )


def _aggregate(tenant: Tenant) -> str:
    statuses = (tenant.customer_status.Status, tenant.aws_status.Status)
    if "DISABLED" in statuses:
        return "DISABLED"
    return "REINSTATED" if "REINSTATED" in statuses else "ENABLED"


def _tenant_info(ctx: OperationContext, tenant: Tenant) -> dict[str, Any]:
    return {
        "TenantName": tenant.name,
        "TenantId": tenant.tenant_id,
        "TenantArn": tenant_arn(ctx, tenant),
        "CreatedTimestamp": tenant.created,
    }


def _tenant_out(ctx: OperationContext, tenant: Tenant) -> dict[str, Any]:
    return {**_tenant_info(ctx, tenant), "Tags": tag_list(tenant.tags), "SendingStatus": _aggregate(tenant)}


def _same_resource(arn: str) -> str:
    # Identities are stored lower-cased (SES lower-cases domains): compare their ARNs so.
    return arn.lower() if _kind_of(arn) == "identity" else arn


def send_through_tenant(ctx: OperationContext, name: str, resources: list[str]) -> Tenant:
    """The tenant a send names, once it may send with ``resources`` (the ARNs of the identity,
    configuration set and stored template the send uses)."""
    tenant = ctx.state.tenants.get(name)
    if tenant is None:
        raise NotFoundException(f"Tenant {name} for AwsAccountId {ctx.account_id} not found.")
    _prune_dangling(ctx, tenant)
    associated = {_same_resource(arn) for arn in tenant.resources}
    missing = [arn for arn in resources if _same_resource(arn) not in associated]
    if missing:
        raise AccessDeniedException(f"Tenant not associated with resources [{', '.join(missing)}].")
    if _aggregate(tenant) == "DISABLED":
        raise SendingPausedException(f"Sending is paused for the tenant {tenant.name}.")
    return tenant


# ---- tenants ------------------------------------------------------------------------------


@operation("CreateTenant")
def create_tenant(ctx: OperationContext, params: Params) -> Result:
    name = check_name(params["TenantName"], "TenantName")
    tags = check_tags(params.get("Tags"))
    check_new(ctx.state.tenants, name, f"Tenant {name} already exists.", MAX_TENANTS, "tenants")
    now = ctx.now()
    tenant = Tenant(
        name=name,
        tenant_id="tn-" + secrets.token_hex(15)[:29],
        created=now,
        tags=tags,
        reputation_policy=DEFAULT_REPUTATION_POLICY.format(region=ctx.region),
        customer_status=StatusRecord(Status="ENABLED", LastUpdatedTimestamp=now),
        aws_status=StatusRecord(Status="ENABLED", LastUpdatedTimestamp=now),
    )
    ctx.state.tenants[name] = tenant
    return _tenant_out(ctx, tenant)


@operation("GetTenant")
def get_tenant(ctx: OperationContext, params: Params) -> Result:
    return {"Tenant": _tenant_out(ctx, find_tenant(ctx.state, params["TenantName"]))}


@operation("ListTenants")
def list_tenants(ctx: OperationContext, params: Params) -> Result:
    keys, token = paginate(ctx.state.tenants, params)
    return listing("Tenants", [_tenant_info(ctx, ctx.state.tenants[k]) for k in keys], token)


@operation("DeleteTenant")
def delete_tenant(ctx: OperationContext, params: Params) -> Result:
    tenant = find_tenant(ctx.state, params["TenantName"])
    del ctx.state.tenants[tenant.name]  # its associations go with it; the resources stay
    return {}


# ---- resource associations ----------------------------------------------------------------


def _associable(ctx: OperationContext, arn: str) -> str:
    """``arn`` checked: an identity, configuration set or template of this region and account
    that exists. Returns its ARN resource type."""
    match = RESOURCE_ARN.match(arn)
    if match is None or match["kind"] not in ASSOCIABLE:
        raise BadRequestException(
            f"Invalid ResourceArn '{arn}': a tenant takes email identities, configuration sets "
            "and email templates."
        )
    exists = ASSOCIABLE[match["kind"]][1]
    if match["region"] != ctx.region or match["account"] != ctx.account_id or not exists(ctx.state, match["name"]):
        raise NotFoundException(f"Resource {arn} does not exist.")
    return match["kind"]


def _kind_of(arn: str) -> str:
    """The ARN resource type of an associated (so already checked) ARN."""
    return arn.split(":", 5)[5].split("/", 1)[0]


def _prune_dangling(ctx: OperationContext, tenant: Tenant) -> None:
    """Drop associations whose resource is gone (a deleted template)."""
    for arn in list(tenant.resources):
        name = arn.split("/", 1)[1]
        if not ASSOCIABLE[_kind_of(arn)][1](ctx.state, name):
            del tenant.resources[arn]


@operation("CreateTenantResourceAssociation")
def create_tenant_resource_association(ctx: OperationContext, params: Params) -> Result:
    tenant = find_tenant(ctx.state, params["TenantName"])
    arn = params["ResourceArn"]
    _associable(ctx, arn)
    _prune_dangling(ctx, tenant)
    if arn in tenant.resources:
        raise AlreadyExistsException(f"Resource {arn} is already associated with tenant {tenant.name}.")
    tenant.resources[arn] = ctx.now()
    return {}


@operation("DeleteTenantResourceAssociation")
def delete_tenant_resource_association(ctx: OperationContext, params: Params) -> Result:
    tenant = find_tenant(ctx.state, params["TenantName"])
    arn = params["ResourceArn"]
    _prune_dangling(ctx, tenant)
    if arn not in tenant.resources:
        raise NotFoundException(f"Resource {arn} is not associated with tenant {tenant.name}.")
    del tenant.resources[arn]
    return {}


@operation("ListTenantResources")
def list_tenant_resources(ctx: OperationContext, params: Params) -> Result:
    tenant = find_tenant(ctx.state, params["TenantName"])
    _prune_dangling(ctx, tenant)
    wanted = (params.get("Filter") or {}).get("RESOURCE_TYPE")
    if wanted is not None and wanted not in RESOURCE_TYPES.values():
        raise BadRequestException(
            f"Invalid RESOURCE_TYPE filter '{wanted}': use EMAIL_IDENTITY, CONFIGURATION_SET or EMAIL_TEMPLATE."
        )
    typed = {arn: RESOURCE_TYPES[_kind_of(arn)] for arn in tenant.resources}
    keys, token = paginate([arn for arn, kind in typed.items() if wanted in (None, kind)], params)
    return listing("TenantResources", [{"ResourceType": typed[k], "ResourceArn": k} for k in keys], token)


@operation("ListResourceTenants")
def list_resource_tenants(ctx: OperationContext, params: Params) -> Result:
    arn = params["ResourceArn"]
    _associable(ctx, arn)
    users = {t.name: t for t in ctx.state.tenants.values() if arn in t.resources}
    keys, token = paginate(users, params)
    tenants = [
        {
            "TenantName": users[k].name,
            "TenantId": users[k].tenant_id,
            "ResourceArn": arn,
            "AssociatedTimestamp": users[k].resources[arn],
        }
        for k in keys
    ]
    return listing("ResourceTenants", tenants, token)


# ---- reputation entities ------------------------------------------------------------------


def _entity(ctx: OperationContext, params: Params, missing: type[BadRequestException | NotFoundException]) -> Tenant:
    reference = params["ReputationEntityReference"]
    for tenant in ctx.state.tenants.values():
        if tenant_arn(ctx, tenant) == reference:
            return tenant
    raise missing(f"Reputation entity {reference} does not exist (the reputation entities are tenants, by ARN).")


def _entity_out(ctx: OperationContext, tenant: Tenant) -> dict[str, Any]:
    return {
        "ReputationEntityReference": tenant_arn(ctx, tenant),
        "ReputationEntityType": "RESOURCE",
        "ReputationManagementPolicy": tenant.reputation_policy,
        "CustomerManagedStatus": tenant.customer_status.out(),
        "AwsSesManagedStatus": tenant.aws_status.out(),
        "SendingStatusAggregate": _aggregate(tenant),
    }


@operation("GetReputationEntity")
def get_reputation_entity(ctx: OperationContext, params: Params) -> Result:
    return {"ReputationEntity": _entity_out(ctx, _entity(ctx, params, NotFoundException))}


FILTERS: dict[str, Callable[[dict[str, Any], str], bool]] = {
    "ENTITY_TYPE": lambda entity, value: entity["ReputationEntityType"] == value,
    "REPUTATION_IMPACT": lambda entity, value: entity.get("ReputationImpact") == value,
    "SENDING_STATUS": lambda entity, value: entity["SendingStatusAggregate"] == value,
    "ENTITY_REFERENCE_PREFIX": lambda entity, value: entity["ReputationEntityReference"].startswith(value),
}


@operation("ListReputationEntities")
def list_reputation_entities(ctx: OperationContext, params: Params) -> Result:
    entities = {tenant_arn(ctx, t): _entity_out(ctx, t) for t in ctx.state.tenants.values()}
    for key, value in (params.get("Filter") or {}).items():
        entities = {ref: e for ref, e in entities.items() if FILTERS[key](e, value)}
    keys, token = paginate(entities, params)
    return listing("ReputationEntities", [entities[k] for k in keys], token)


@operation("UpdateReputationEntityPolicy")
def update_reputation_entity_policy(ctx: OperationContext, params: Params) -> Result:
    # The model lists no NotFoundException for the two updates: an unknown entity is a bad request.
    tenant = _entity(ctx, params, BadRequestException)
    policy = params["ReputationEntityPolicy"]
    match = POLICY.match(policy)
    if match is None or match["region"] != ctx.region:
        raise BadRequestException(
            f"Invalid ReputationEntityPolicy '{policy}': use arn:aws:ses:{ctx.region}:aws:reputation-policy/"
            "none, standard or strict."
        )
    tenant.reputation_policy = policy
    return {}


@operation("UpdateReputationEntityCustomerManagedStatus")
def update_reputation_entity_customer_managed_status(ctx: OperationContext, params: Params) -> Result:
    tenant = _entity(ctx, params, BadRequestException)
    tenant.customer_status = StatusRecord(Status=params["SendingStatus"], LastUpdatedTimestamp=ctx.now())
    return {}
