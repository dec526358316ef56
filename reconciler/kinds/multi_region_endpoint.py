"""MultiRegionEndpoint: an SES multi-region endpoint (global endpoint) from this region to one other.

Normalized:

    details    {routes_details: [{region: <secondary region>}]}  (the primary is the gateway's region)
    tags       {user tags}
    endpoint   read-only, what SES reports: {endpoint_id, status}; copied into the desired form
               (fill_unmanaged), left out of the fingerprint (provisioning moves it on its own)

Read: ListMultiRegionEndpoints (everything), GetMultiRegionEndpoint per name (its Routes name
both regions), ListTagsForResource on ``…:multi-region-endpoint/<name>``. SES has no update:
a new secondary region replaces the endpoint (a new endpoint ID, which senders pass as
``EndpointId``); tags change in place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from reconciler.kinds.base import JsonDict, LiveObject, Risk, fingerprint
from reconciler.kinds.common import (
    InPlaceKind,
    create_tags,
    get_or_none,
    iam,
    owner_of,
    read_by_name,
    spec_dict,
    sync_tags,
    tag_dict,
    user_tags,
)
from reconciler.kinds.plugin import KindPlugin
from reconciler.kinds.specs.multi_region_endpoint import MultiRegionEndpointSpec

if TYPE_CHECKING:
    from reconciler.aws.gateway import SesGateway

READ_ONLY = "endpoint"
PRIMARY = "PrimaryRegion"  # added to the raw read: the region the endpoint was read in


def _details(regions: Sequence[str]) -> JsonDict:
    return {"routes_details": [{"region": region} for region in regions]}


class MultiRegionEndpointKind(InPlaceKind):
    kind: ClassVar[str] = "MultiRegionEndpoint"
    # Refers to nothing; after identities (40), which senders need verified in both regions.
    wave: ClassVar[int] = 45
    taggable: ClassVar[bool] = True
    replace_fields: ClassVar[frozenset[str]] = frozenset({"details"})
    iam_actions: ClassVar[frozenset[str]] = iam(
        "ListMultiRegionEndpoints",
        "GetMultiRegionEndpoint",
        "CreateMultiRegionEndpoint",
        "DeleteMultiRegionEndpoint",
        "ListTagsForResource",
        "TagResource",
        "UntagResource",
    )

    def normalize_desired(self, name: str, spec: Any, stack: str) -> JsonDict:
        data = spec_dict(spec)
        routes = (data.get("details") or {}).get("routes_details") or []
        return {
            "details": _details([str(r["region"]) for r in routes]),
            "tags": user_tags(data.get("tags") or {}),
        }

    def normalize_live(self, raw: JsonDict) -> JsonDict:
        primary = raw.get(PRIMARY)
        secondary = [str(r["Region"]) for r in raw.get("Routes") or [] if r.get("Region") != primary]
        return {
            "details": _details(secondary),
            "tags": user_tags(tag_dict(raw.get("Tags"))),
            READ_ONLY: {"endpoint_id": raw.get("EndpointId"), "status": raw.get("Status")},
        }

    def fill_unmanaged(self, desired: JsonDict, live: JsonDict | None) -> JsonDict:
        return {**desired, READ_ONLY: (live or {}).get(READ_ONLY)}

    def replace_reason(self, before: JsonDict, after: JsonDict) -> str | None:
        if before.get("details") != after.get("details"):
            return "SES cannot change a multi-region endpoint's routes: it is deleted and created again"
        return None

    def read_live(self, gateway: SesGateway, names: Sequence[str] | None) -> Mapping[str, LiveObject]:
        if names is None:
            listed = gateway.paginate("ListMultiRegionEndpoints", "MultiRegionEndpoints", PageSize=1000)
            names = [str(e["EndpointName"]) for e in listed]
        return read_by_name(gateway, names, lambda name: self._read_one(gateway, name))

    def _read_one(self, gateway: SesGateway, name: str) -> LiveObject | None:
        answer = get_or_none(gateway, "GetMultiRegionEndpoint", EndpointName=name)
        if answer is None:
            return None
        tags = gateway.call("ListTagsForResource", ResourceArn=self._arn(gateway, name)).get("Tags")
        raw = {**answer, "Tags": tags or [], PRIMARY: gateway.region}
        normalized = self.normalize_live(raw)
        owner = owner_of(tag_dict(tags))
        stable = {k: v for k, v in normalized.items() if k != READ_ONLY}
        return LiveObject(name, normalized, owner, fingerprint(stable, owner), raw)

    def create(self, gateway: SesGateway, name: str, desired: JsonDict, stack: str) -> None:
        routes = [{"Region": r["region"]} for r in desired["details"]["routes_details"]]
        gateway.call(
            "CreateMultiRegionEndpoint",
            EndpointName=name,
            Details={"RoutesDetails": routes},
            Tags=create_tags(desired, stack),
        )

    def update(
        self, gateway: SesGateway, name: str, desired: JsonDict, live: LiveObject, changed: Sequence[str]
    ) -> None:
        # ``details`` never reaches here: replace_reason makes its change a replace.
        if "tags" in changed:
            sync_tags(gateway, self._arn(gateway, name), live.normalized.get("tags") or {}, desired["tags"])

    def delete(self, gateway: SesGateway, name: str, live: LiveObject) -> None:
        gateway.call("DeleteMultiRegionEndpoint", EndpointName=name)

    def risks(self, name: str, before: JsonDict | None, after: JsonDict | None) -> list[Risk]:
        endpoint_id = ((before or {}).get(READ_ONLY) or {}).get("endpoint_id") or "its endpoint ID"
        if after is None:
            return [
                Risk(
                    "multi_region_endpoint_deleted",
                    "high",
                    f"Multi-region endpoint {name} is deleted: sends that pass EndpointId {endpoint_id} fail.",
                )
            ]
        if before is None:
            secondary = ", ".join(r["region"] for r in after["details"]["routes_details"])
            return [
                Risk(
                    "multi_region_endpoint_created",
                    "low",
                    f"Multi-region endpoint {name} splits sends between this region and {secondary}: the "
                    "sending identities must be verified in both (DEED replicas share the DKIM records), and "
                    "senders pass its EndpointId once SES reports it READY.",
                )
            ]
        if self.replace_reason(before, after):
            return [
                Risk(
                    "multi_region_endpoint_replaced",
                    "high",
                    f"Multi-region endpoint {name} is replaced (SES cannot change its routes): "
                    f"EndpointId {endpoint_id} stops working and the new endpoint gets a new ID that "
                    "every sender must be given.",
                )
            ]
        return []

    @staticmethod
    def _arn(gateway: SesGateway, name: str) -> str:
        return gateway.arn(f"multi-region-endpoint/{name}")


KIND = MultiRegionEndpointKind()
PLUGIN = KindPlugin(
    kind=KIND,
    spec=MultiRegionEndpointSpec,
    import_file="endpoints.yaml",
    summary="a multi-region (global) endpoint from this region to one secondary region (routes "
    "replace it), tags",
    read_only=(READ_ONLY,),
)
