"""TagResource, UntagResource and ListTagsForResource on every taggable SES v2 resource.

Tags live on the resource records, so they go when the resource goes (moto keeps them).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from reconciler.emulator.errors import BadRequestException, NotFoundException
from reconciler.emulator.operations.common import check_tags, merge_tags, tag_list
from reconciler.emulator.registry import OperationContext, Params, Result, operation
from reconciler.emulator.state import SesState

ARN = re.compile(
    r"^arn:aws[a-z-]*:ses:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):(?P<kind>[a-z-]+)/(?P<name>.+)$"
)

# ARN resource type -> (the state's table of that kind, how its key is spelled)
TABLES: dict[str, tuple[Callable[[SesState], Mapping[str, Any]], Callable[[str], str]]] = {
    "template": (lambda s: s.templates, str),
    "custom-verification-email-template": (lambda s: s.custom_verification_templates, str),
    "configuration-set": (lambda s: s.configuration_sets, str),
    "dedicated-ip-pool": (lambda s: s.dedicated_ip_pools, str),
    "identity": (lambda s: s.identities, str.lower),
    "contact-list": (lambda s: s.contact_lists, str),
    "multi-region-endpoint": (lambda s: s.multi_region_endpoints, str),
    # tenant/<name>/<id>: the table is keyed by name (_resource checks the id)
    "tenant": (lambda s: s.tenants, lambda name: name.split("/", 1)[0]),
}


def _resource(ctx: OperationContext, arn: str) -> Any:
    match = ARN.match(arn)
    if match is None or match["kind"] not in TABLES:
        raise BadRequestException(f"Invalid ResourceArn '{arn}': not the ARN of a taggable SES resource.")
    table, key = TABLES[match["kind"]]
    found = table(ctx.state).get(key(match["name"]))
    if match["kind"] == "tenant" and found is not None and match["name"] != f"{found.name}/{found.tenant_id}":
        found = None  # a tenant's ARN names its id too: an old tenant's ARN is not the new one's
    if match["region"] != ctx.region or match["account"] != ctx.account_id or found is None:
        raise NotFoundException(f"Resource {arn} does not exist.")
    return found


@operation("TagResource")
def tag_resource(ctx: OperationContext, params: Params) -> Result:
    resource = _resource(ctx, params["ResourceArn"])
    new = check_tags(params["Tags"])
    if not new:
        raise BadRequestException("Tags must contain at least one tag.")
    resource.tags = merge_tags(resource.tags, new)
    return {}


@operation("UntagResource")
def untag_resource(ctx: OperationContext, params: Params) -> Result:
    resource = _resource(ctx, params["ResourceArn"])
    keys = params["TagKeys"]
    if not keys:
        raise BadRequestException("TagKeys must contain at least one key.")
    resource.tags = {k: v for k, v in resource.tags.items() if k not in set(keys)}
    return {}


@operation("ListTagsForResource")
def list_tags_for_resource(ctx: OperationContext, params: Params) -> Result:
    return {"Tags": tag_list(_resource(ctx, params["ResourceArn"]).tags)}
