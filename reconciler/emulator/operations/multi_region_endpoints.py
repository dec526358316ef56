"""Multi-region endpoints (global endpoints): Create/Get/List/DeleteMultiRegionEndpoint.

What SES documents and the emulator follows: the primary region is the region of the
request (where the endpoint is made, read, listed and deleted); ``Details.RoutesDetails``
names exactly one route, the secondary region, which must be another region; the ARN is
``arn:aws:ses:<region>:<account>:multi-region-endpoint/<name>`` (taggable through it); there
is no update operation, so any change is a replacement. CreateMultiRegionEndpoint answers
``CREATING`` and DeleteMultiRegionEndpoint ``DELETING``.

Where SES is silent the emulator chooses: provisioning is instant (a Get after the Create
reads ``READY``; a deleted endpoint is gone at once); 100 endpoints per region
(LimitExceededException beyond); endpoint IDs are 8 + 3 lowercase letters and digits
(``abcd1234.xyz``); the list is sorted by name and paged with a standard-base64 NextToken,
as the model's NextTokenV2 pattern asks.
"""

from __future__ import annotations

import base64
import secrets
import string

from reconciler.emulator.errors import BadRequestException
from reconciler.emulator.lookups import find_in
from reconciler.emulator.operations.common import check_new, check_tags, listing, paginate
from reconciler.emulator.registry import OperationContext, Params, Result, operation
from reconciler.emulator.request_guard import REGION
from reconciler.emulator.state import MultiRegionEndpoint, SesState

MAX_ENDPOINTS = 100
_ID_ALPHABET = string.ascii_lowercase + string.digits


def _endpoint_id() -> str:
    def part(n: int) -> str:
        return "".join(secrets.choice(_ID_ALPHABET) for _ in range(n))

    return f"{part(8)}.{part(3)}"


def find_endpoint(state: SesState, name: str) -> MultiRegionEndpoint:
    return find_in(state.multi_region_endpoints, name, f"Multi-region endpoint {name} does not exist.")


def _secondary(ctx: OperationContext, params: Params) -> str:
    routes = params["Details"]["RoutesDetails"]
    if len(routes) != 1:
        raise BadRequestException(
            f"Details.RoutesDetails must contain exactly one route (the secondary region), got {len(routes)}."
        )
    region = routes[0]["Region"]
    if not REGION.match(region):
        raise BadRequestException(f"Invalid Region '{region}' in Details.RoutesDetails: not an AWS Region name.")
    if region == ctx.region:
        raise BadRequestException(
            f"The secondary region {region} is the primary region (where the endpoint is created): "
            "choose another region."
        )
    return str(region)


@operation("CreateMultiRegionEndpoint")
def create_multi_region_endpoint(ctx: OperationContext, params: Params) -> Result:
    name = params["EndpointName"]
    secondary = _secondary(ctx, params)
    tags = check_tags(params.get("Tags"))
    taken = f"Multi-region endpoint {name} already exists."
    check_new(ctx.state.multi_region_endpoints, name, taken, MAX_ENDPOINTS, "multi-region endpoints")
    now = ctx.now()
    endpoint = MultiRegionEndpoint(
        name=name,
        endpoint_id=_endpoint_id(),
        regions=[ctx.region, secondary],
        status="READY",  # provisioned at once; the answer says CREATING, as SES's does
        created=now,
        updated=now,
        tags=tags,
    )
    ctx.state.multi_region_endpoints[name] = endpoint
    return {"Status": "CREATING", "EndpointId": endpoint.endpoint_id}


@operation("GetMultiRegionEndpoint")
def get_multi_region_endpoint(ctx: OperationContext, params: Params) -> Result:
    endpoint = find_endpoint(ctx.state, params["EndpointName"])
    return {
        "EndpointName": endpoint.name,
        "EndpointId": endpoint.endpoint_id,
        "Routes": [{"Region": region} for region in endpoint.regions],
        "Status": endpoint.status,
        "CreatedTimestamp": endpoint.created,
        "LastUpdatedTimestamp": endpoint.updated,
    }


@operation("ListMultiRegionEndpoints")
def list_multi_region_endpoints(ctx: OperationContext, params: Params) -> Result:
    table = ctx.state.multi_region_endpoints
    keys, token = paginate(table, params)
    if token:  # NextTokenV2 is standard base64 (our tokens are URL-safe base64)
        token = base64.b64encode(base64.urlsafe_b64decode(token)).decode()
    endpoints = [
        {
            "EndpointName": e.name,
            "Status": e.status,
            "EndpointId": e.endpoint_id,
            "Regions": list(e.regions),
            "CreatedTimestamp": e.created,
            "LastUpdatedTimestamp": e.updated,
        }
        for e in (table[k] for k in keys)
    ]
    return listing("MultiRegionEndpoints", endpoints, token)


@operation("DeleteMultiRegionEndpoint")
def delete_multi_region_endpoint(ctx: OperationContext, params: Params) -> Result:
    endpoint = find_endpoint(ctx.state, params["EndpointName"])
    del ctx.state.multi_region_endpoints[endpoint.name]
    return {"Status": "DELETING"}
