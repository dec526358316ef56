"""Which resources each SES v2 action is authorized against, and how to name them as ARNs.

One table for both sides: the policy generator (which ARNs to put in Resource for an action)
and the emulator's enforcement (which ARNs a request touches). An action not in
``RESOURCE_PARAMS`` has no resource-level permission in SES: its Resource must be ``"*"``.
Pure data and string functions: the emulator imports this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# resource type -> ARN path prefix
CONFIGURATION_SET = "configuration-set"
TEMPLATE = "template"
CONTACT_LIST = "contact-list"
DEDICATED_IP_POOL = "dedicated-ip-pool"
IDENTITY = "identity"
# A tenant's ARN ends in its id as well (``tenant/<name>/<id>``): see tenant_patterns.
TENANT = "tenant"
MULTI_REGION_ENDPOINT = "multi-region-endpoint"
RESOURCE_TYPES = (CONFIGURATION_SET, TEMPLATE, CONTACT_LIST, DEDICATED_IP_POOL, IDENTITY, TENANT, MULTI_REGION_ENDPOINT)

_CS = ((("ConfigurationSetName",), CONFIGURATION_SET),)
_TPL = ((("TemplateName",), TEMPLATE),)
_CL = ((("ContactListName",), CONTACT_LIST),)
_POOL = ((("PoolName",), DEDICATED_IP_POOL),)
_ID = ((("EmailIdentity",), IDENTITY),)
_TENANT = ((("TenantName",), TENANT),)
_MRE = ((("EndpointName",), MULTI_REGION_ENDPOINT),)

# action -> ((request parameter path, resource type), ...): every resource it touches.
RESOURCE_PARAMS: dict[str, tuple[tuple[tuple[str, ...], str], ...]] = {
    **{
        op: _CS
        for op in (
            "CreateConfigurationSet",
            "DeleteConfigurationSet",
            "GetConfigurationSet",
            "PutConfigurationSetArchivingOptions",
            "PutConfigurationSetDeliveryOptions",
            "PutConfigurationSetReputationOptions",
            "PutConfigurationSetSendingOptions",
            "PutConfigurationSetSuppressionOptions",
            "PutConfigurationSetTrackingOptions",
            "PutConfigurationSetVdmOptions",
            "CreateConfigurationSetEventDestination",
            "UpdateConfigurationSetEventDestination",
            "DeleteConfigurationSetEventDestination",
            "GetConfigurationSetEventDestinations",
        )
    },
    **{
        op: _TPL
        for op in (
            "CreateEmailTemplate",
            "GetEmailTemplate",
            "UpdateEmailTemplate",
            "DeleteEmailTemplate",
            "TestRenderEmailTemplate",
        )
    },
    **{
        op: _CL
        for op in (
            "CreateContactList",
            "GetContactList",
            "UpdateContactList",
            "DeleteContactList",
            "CreateContact",
            "GetContact",
            "UpdateContact",
            "DeleteContact",
            "ListContacts",
        )
    },
    **{
        op: _POOL
        for op in (
            "CreateDedicatedIpPool",
            "DeleteDedicatedIpPool",
            "GetDedicatedIpPool",
            "PutDedicatedIpPoolScalingAttributes",
        )
    },
    "PutDedicatedIpInPool": ((("DestinationPoolName",), DEDICATED_IP_POOL),),
    **{
        op: _ID
        for op in (
            "CreateEmailIdentity",
            "GetEmailIdentity",
            "DeleteEmailIdentity",
            "PutEmailIdentityDkimAttributes",
            "PutEmailIdentityDkimSigningAttributes",
            "PutEmailIdentityMailFromAttributes",
            "PutEmailIdentityFeedbackAttributes",
            "PutEmailIdentityConfigurationSetAttributes",
            "CreateEmailIdentityPolicy",
            "UpdateEmailIdentityPolicy",
            "DeleteEmailIdentityPolicy",
            "GetEmailIdentityPolicies",
        )
    },
    **{
        op: _TENANT
        for op in (
            "CreateTenant",
            "GetTenant",
            "DeleteTenant",
            "CreateTenantResourceAssociation",
            "DeleteTenantResourceAssociation",
            "ListTenantResources",
        )
    },
    **{op: _MRE for op in ("CreateMultiRegionEndpoint", "GetMultiRegionEndpoint", "DeleteMultiRegionEndpoint")},
    # Sends: the sender's identity, plus the configuration set, template and contact list
    # they name (see send_resources; the paths here are for the generator's documentation).
    "SendEmail": (
        (("FromEmailAddress",), IDENTITY),
        (("ConfigurationSetName",), CONFIGURATION_SET),
        (("Content", "Template", "TemplateName"), TEMPLATE),
        (("ListManagementOptions", "ContactListName"), CONTACT_LIST),
    ),
    "SendBulkEmail": (
        (("FromEmailAddress",), IDENTITY),
        (("ConfigurationSetName",), CONFIGURATION_SET),
        (("DefaultContent", "Template", "TemplateName"), TEMPLATE),
    ),
}
TAGGING = frozenset({"TagResource", "UntagResource", "ListTagsForResource"})  # Resource: the ARN named


def resource_types(action: str) -> tuple[str, ...]:
    """The resource types ``action`` (without the ``ses:`` prefix) is authorized against;
    () for actions that only take ``"*"``. Tagging takes any taggable type."""
    if action in TAGGING:
        return RESOURCE_TYPES
    return tuple(dict.fromkeys(kind for _, kind in RESOURCE_PARAMS.get(action, ())))


def arn(region: str, account: str, kind: str, name: str, partition: str = "aws") -> str:
    return f"arn:{partition}:ses:{region}:{account}:{kind}/{name}"


def address_of(value: str) -> str:
    """``"Ada <ada@example.com>"`` -> ``ada@example.com``."""
    text = value.strip()
    if text.endswith(">") and "<" in text:
        text = text[text.rindex("<") + 1 : -1]
    return text.strip()


def _dig(params: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = params
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def request_resources(action: str, params: Mapping[str, Any], region: str, account: str) -> list[str]:
    """The ARNs one request touches (``["*"]`` for actions without resource-level permissions).

    A send names the identity of its From address: the address's own identity, and (as SES
    may authorize with either, depending on which is verified) its domain's: see
    send_identities."""
    if action in TAGGING:
        value = params.get("ResourceArn")
        return [str(value)] if value else ["*"]
    entries = RESOURCE_PARAMS.get(action)
    if not entries:
        return ["*"]
    found: list[str] = []
    for path, kind in entries:
        value = _dig(params, path)
        if not isinstance(value, str) or not value:
            continue
        if kind == IDENTITY and path == ("FromEmailAddress",):
            continue  # chosen by the caller, which knows which identity is verified
        found.append(arn(region, account, kind, value))
    return found


def send_identities(from_address: str) -> tuple[str, str]:
    """(the address identity, its domain identity) for a From address."""
    address = address_of(from_address)
    return address, address.rpartition("@")[2]


__all__ = [
    "CONFIGURATION_SET",
    "CONTACT_LIST",
    "DEDICATED_IP_POOL",
    "IDENTITY",
    "MULTI_REGION_ENDPOINT",
    "RESOURCE_PARAMS",
    "RESOURCE_TYPES",
    "TAGGING",
    "TEMPLATE",
    "TENANT",
    "address_of",
    "arn",
    "request_resources",
    "resource_types",
    "send_identities",
]
