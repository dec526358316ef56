"""DedicatedIpPool: a pool of dedicated sending IPs and, for STANDARD pools, which IPs are in it.

Normalized: ``{"scaling_mode", "dedicated_ips": [{"ip", "warmup_percentage"}] sorted by ip, "tags"}``.
A MANAGED pool's IPs are SES's business: ``dedicated_ips`` is ``[]`` on both sides. An IP whose
manifest entry gives no ``warmupPercentage`` leaves warm-up to SES: ``fill_unmanaged`` copies
the live value so it never shows as a difference.

IPs listed for a STANDARD pool are moved in with PutDedicatedIpInPool; IPs no longer listed go
back to ``ses-default-dedicated-pool``. STANDARD -> MANAGED is an in-place
PutDedicatedIpPoolScalingAttributes; SES refuses MANAGED -> STANDARD, so that is a replace.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from reconciler.kinds.base import JsonDict, LiveObject, Risk, live_object
from reconciler.kinds.common import (
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
from reconciler.kinds.specs.dedicated_ip_pool import DedicatedIpPoolSpec

if TYPE_CHECKING:
    from reconciler.aws.gateway import SesGateway


DEFAULT_POOL = "ses-default-dedicated-pool"  # where an account's IPs sit when in no pool of ours


class DedicatedIpPoolKind:
    kind: ClassVar[str] = "DedicatedIpPool"
    wave: ClassVar[int] = 10
    taggable: ClassVar[bool] = True
    singleton: ClassVar[bool] = False
    replace_fields: ClassVar[frozenset[str]] = frozenset({"scaling_mode"})
    iam_actions: ClassVar[frozenset[str]] = iam(
        "ListDedicatedIpPools",
        "GetDedicatedIpPool",
        "GetDedicatedIps",
        "CreateDedicatedIpPool",
        "DeleteDedicatedIpPool",
        "PutDedicatedIpPoolScalingAttributes",
        "PutDedicatedIpInPool",
        "PutDedicatedIpWarmupAttributes",
        "ListTagsForResource",
        "TagResource",
        "UntagResource",
    )

    def normalize_desired(self, name: str, spec: Any, stack: str) -> JsonDict:
        data = spec_dict(spec)
        mode = data.get("scaling_mode") or "STANDARD"
        ips = [] if mode == "MANAGED" else data.get("dedicated_ips") or []
        return {
            "scaling_mode": mode,
            "dedicated_ips": _ips((str(e["ip"]), e.get("warmup_percentage")) for e in ips),
            "tags": user_tags(data.get("tags") or {}),
        }

    def normalize_live(self, raw: JsonDict) -> JsonDict:
        mode = (raw.get("DedicatedIpPool") or {}).get("ScalingMode") or "STANDARD"
        ips = [] if mode == "MANAGED" else raw.get("DedicatedIps") or []
        return {
            "scaling_mode": mode,
            "dedicated_ips": _ips((str(e["Ip"]), e.get("WarmupPercentage")) for e in ips),
            "tags": user_tags(tag_dict(raw.get("Tags"))),
        }

    def fill_unmanaged(self, desired: JsonDict, live: JsonDict | None) -> JsonDict:
        """Warm-up percentages the manifest leaves out take the live value (SES runs warm-up)."""
        if live is None:
            return desired
        live_pct = {e["ip"]: e.get("warmup_percentage") for e in live.get("dedicated_ips") or []}
        ips = [
            {"ip": e["ip"], "warmup_percentage": live_pct.get(e["ip"])}
            if e.get("warmup_percentage") is None and e["ip"] in live_pct
            else e
            for e in desired.get("dedicated_ips") or []
        ]
        return {**desired, "dedicated_ips": ips}

    def read_live(self, gateway: SesGateway, names: Sequence[str] | None) -> Mapping[str, LiveObject]:
        if names is None:
            names = [
                str(n) for n in gateway.paginate("ListDedicatedIpPools", "DedicatedIpPools", PageSize=100)
            ]
        return read_by_name(gateway, names, lambda name: self._read_one(gateway, name))

    def _read_one(self, gateway: SesGateway, name: str) -> LiveObject | None:
        raw = get_or_none(gateway, "GetDedicatedIpPool", PoolName=name)
        if raw is None:
            return None
        if (raw.get("DedicatedIpPool") or {}).get("ScalingMode") != "MANAGED":
            raw["DedicatedIps"] = gateway.paginate(
                "GetDedicatedIps", "DedicatedIps", cached=False, PoolName=name
            )
        tags = get_or_none(
            gateway, "ListTagsForResource", ResourceArn=gateway.arn(f"dedicated-ip-pool/{name}")
        )
        raw["Tags"] = (tags or {}).get("Tags", [])
        return live_object(name, self.normalize_live(raw), owner_of(tag_dict(raw["Tags"])), raw)

    def replace_reason(self, before: JsonDict, after: JsonDict) -> str | None:
        if before.get("scaling_mode") == "MANAGED" and after.get("scaling_mode") == "STANDARD":
            return "SES cannot turn a MANAGED pool into a STANDARD one"
        return None

    def create(self, gateway: SesGateway, name: str, desired: JsonDict, stack: str) -> None:
        gateway.call(
            "CreateDedicatedIpPool",
            PoolName=name,
            ScalingMode=desired["scaling_mode"],
            Tags=create_tags(desired, stack),
        )
        self._place_ips(gateway, name, desired["dedicated_ips"], [])

    def update(
        self, gateway: SesGateway, name: str, desired: JsonDict, live: LiveObject, changed: Sequence[str]
    ) -> None:
        if "scaling_mode" in changed:
            gateway.call(
                "PutDedicatedIpPoolScalingAttributes", PoolName=name, ScalingMode=desired["scaling_mode"]
            )
        if "dedicated_ips" in changed and desired["scaling_mode"] == "STANDARD":
            self._place_ips(
                gateway, name, desired["dedicated_ips"], live.normalized.get("dedicated_ips") or []
            )
        if "tags" in changed:
            sync_tags(
                gateway,
                gateway.arn(f"dedicated-ip-pool/{name}"),
                live.normalized.get("tags") or {},
                desired["tags"],
            )

    def _place_ips(
        self, gateway: SesGateway, name: str, desired: list[JsonDict], live: list[JsonDict]
    ) -> None:
        before = {e["ip"]: e.get("warmup_percentage") for e in live}
        after = {e["ip"]: e.get("warmup_percentage") for e in desired}
        for ip in sorted(set(after) - set(before)):
            gateway.call("PutDedicatedIpInPool", Ip=ip, DestinationPoolName=name)
        for ip in sorted(set(before) - set(after)):
            gateway.call("PutDedicatedIpInPool", Ip=ip, DestinationPoolName=DEFAULT_POOL)
        for ip, percentage in sorted(after.items()):
            if percentage is not None and (ip not in before or before[ip] != percentage):
                gateway.call("PutDedicatedIpWarmupAttributes", Ip=ip, WarmupPercentage=percentage)

    def delete(self, gateway: SesGateway, name: str, live: LiveObject) -> None:
        gateway.call("DeleteDedicatedIpPool", PoolName=name)

    def risks(self, name: str, before: JsonDict | None, after: JsonDict | None) -> list[Risk]:
        if before is None or after is None:
            return []
        if before.get("scaling_mode") == "MANAGED" and after.get("scaling_mode") == "STANDARD":
            return [
                Risk(
                    "delete",
                    "high",
                    f"Pool {name} is deleted and created again as STANDARD: SES releases a MANAGED pool's IPs, "
                    "and configuration sets using the pool cannot send until it exists again.",
                )
            ]
        return []


def _ips(entries: Any) -> list[JsonDict]:
    return [{"ip": ip, "warmup_percentage": pct} for ip, pct in sorted(entries)]


def warming_ips(normalized: JsonDict | None) -> list[str]:
    """IPs of a STANDARD pool still warming up (under 100 %)."""
    if not normalized or normalized.get("scaling_mode") != "STANDARD":
        return []
    return [
        e["ip"]
        for e in normalized.get("dedicated_ips") or []
        if (pct := e.get("warmup_percentage")) is not None and 0 <= pct < 100
    ]


KIND = DedicatedIpPoolKind()
PLUGIN = KindPlugin(
    kind=KIND,
    spec=DedicatedIpPoolSpec,
    import_file="pools.yaml",
    summary="a dedicated IP pool: scaling mode and, for STANDARD pools, its IPs",
)
