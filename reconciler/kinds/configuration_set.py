"""ConfigurationSet: one SES v2 configuration set and its seven option groups.

Normalized (SES's shapes, snake_case; every top-level key is one Put...Options call):

    delivery_options     {tls_policy: OPTIONAL, sending_pool_name: None, max_delivery_seconds: 50400}
    reputation_options   {reputation_metrics_enabled: False}
    sending_options      {sending_enabled: True}
    tracking_options     None | {custom_redirect_domain, https_policy: OPTIONAL}
    suppression_options  None (inherit the account) | {suppressed_reasons: [] | [sorted...], validation_options}
    vdm_options          None (inherit the account) | {dashboard_options, guardian_options}
    archiving_options    None | {archive_arn}
    tags                 {user tags}

The values shown are SES's defaults, filled in on both sides: a manifest without
``deliveryOptions`` and a live set that reports ``TlsPolicy: OPTIONAL`` are the same thing.
Suppression keeps its three states exactly: no override (None), an empty list (suppress
nothing) and a list of reasons; PutConfigurationSetSuppressionOptions without SuppressedReasons
removes the override, with ``SuppressedReasons: []`` it turns suppression off.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from reconciler.kinds.base import JsonDict, LiveObject, Risk, live_object
from reconciler.kinds.common import (
    InPlaceKind,
    create_tags,
    get_or_none,
    iam,
    live_tags,
    owner_of,
    pascal,
    read_by_name,
    snake,
    sorted_set,
    spec_dict,
    strip_none,
    sync_tags,
    tag_dict,
    user_tags,
)
from reconciler.kinds.dedicated_ip_pool import KIND as POOLS
from reconciler.kinds.dedicated_ip_pool import warming_ips
from reconciler.kinds.plugin import KindPlugin, Reference
from reconciler.kinds.specs.configuration_set import SES_DEFAULT_POOL, ConfigurationSetSpec

if TYPE_CHECKING:
    from reconciler.aws.gateway import SesGateway


DEFAULT_MAX_DELIVERY_SECONDS = 50400  # SES keeps trying for 14 hours unless told otherwise
OPTION_GROUPS = (
    "delivery_options",
    "reputation_options",
    "sending_options",
    "tracking_options",
    "suppression_options",
    "vdm_options",
    "archiving_options",
)


class ConfigurationSetKind(InPlaceKind):
    kind: ClassVar[str] = "ConfigurationSet"
    wave: ClassVar[int] = 20
    taggable: ClassVar[bool] = True
    iam_actions: ClassVar[frozenset[str]] = iam(
        "ListConfigurationSets",
        "GetConfigurationSet",
        "CreateConfigurationSet",
        "DeleteConfigurationSet",
        "PutConfigurationSetDeliveryOptions",
        "PutConfigurationSetReputationOptions",
        "PutConfigurationSetSendingOptions",
        "PutConfigurationSetTrackingOptions",
        "PutConfigurationSetSuppressionOptions",
        "PutConfigurationSetVdmOptions",
        "PutConfigurationSetArchivingOptions",
        "ListTagsForResource",  # when GetConfigurationSet's answer leaves Tags out
        "TagResource",
        "UntagResource",
    )

    def normalize_desired(self, name: str, spec: Any, stack: str) -> JsonDict:
        data = spec_dict(spec)
        return _normalize(
            {group: data.get(group) for group in OPTION_GROUPS}, user_tags(data.get("tags") or {})
        )

    def normalize_live(self, raw: JsonDict) -> JsonDict:
        data = snake({k: v for k, v in raw.items() if k != "Tags"})
        reputation = data.get("reputation_options") or {}
        reputation.pop("last_fresh_start", None)  # read-only history, not configuration
        data["reputation_options"] = reputation
        return _normalize(data, user_tags(tag_dict(raw.get("Tags"))))

    def read_live(self, gateway: SesGateway, names: Sequence[str] | None) -> Mapping[str, LiveObject]:
        if names is None:
            names = [
                str(n) for n in gateway.paginate("ListConfigurationSets", "ConfigurationSets", PageSize=1000)
            ]
        return read_by_name(gateway, names, lambda name: self._read_one(gateway, name))

    def _read_one(self, gateway: SesGateway, name: str) -> LiveObject | None:
        # Cached: event destinations read the same set for its ownership tag.
        raw = get_or_none(gateway, "GetConfigurationSet", cached=True, ConfigurationSetName=name)
        if raw is None:
            return None
        raw = {**raw, "Tags": live_tags(gateway, raw, lambda: gateway.arn(f"configuration-set/{name}"))}
        return live_object(name, self.normalize_live(raw), owner_of(tag_dict(raw.get("Tags"))), raw)

    def create(self, gateway: SesGateway, name: str, desired: JsonDict, stack: str) -> None:
        params: JsonDict = {"ConfigurationSetName": name, "Tags": create_tags(desired, stack)}
        for group in OPTION_GROUPS:
            value = desired.get(group)
            if value is not None:
                params[_member(group)] = pascal(value)
        gateway.call("CreateConfigurationSet", **params)

    def update(
        self, gateway: SesGateway, name: str, desired: JsonDict, live: LiveObject, changed: Sequence[str]
    ) -> None:
        for group in OPTION_GROUPS:  # a fixed order, so apply logs read the same every time
            if group in changed:
                _PUTS[group](gateway, name, desired.get(group))
        if "tags" in changed:
            sync_tags(
                gateway,
                gateway.arn(f"configuration-set/{name}"),
                live.normalized.get("tags") or {},
                desired["tags"],
            )

    def delete(self, gateway: SesGateway, name: str, live: LiveObject) -> None:
        gateway.call("DeleteConfigurationSet", ConfigurationSetName=name)

    def risks(self, name: str, before: JsonDict | None, after: JsonDict | None) -> list[Risk]:
        if after is None:
            return []
        risks: list[Risk] = []
        was_enabled = True if before is None else before["sending_options"]["sending_enabled"]
        if was_enabled and not after["sending_options"]["sending_enabled"]:
            risks.append(
                Risk(
                    "sending_disabled",
                    "high",
                    f"Sending is disabled on configuration set {name}: every send that uses it will be refused.",
                )
            )
        risks.extend(suppression_risks(f"configuration set {name}", _reasons(before), _reasons(after)))
        return risks


def suppression_risks(what: str, before: list[str] | None, after: list[str] | None) -> list[Risk]:
    """Risks of a suppression change; ``None`` = inherits the account setting (unknown here)."""
    if after is None or after == before:
        return []
    if not after:
        return [
            Risk(
                "suppression_disabled",
                "high",
                f"Suppression is turned off for {what}: addresses that bounced or complained will be mailed "
                "again, which hurts the account's reputation.",
            )
        ]
    lost = sorted(set(before or ["BOUNCE", "COMPLAINT"]) - set(after))
    if lost:
        return [
            Risk(
                "suppression_disabled",
                "medium",
                f"{what[:1].upper()}{what[1:]} no longer suppresses {', '.join(lost)} addresses.",
            )
        ]
    return []


def _reasons(normalized: JsonDict | None) -> list[str] | None:
    if normalized is None:
        return None
    suppression = normalized.get("suppression_options")
    if suppression is None:
        return None
    reasons: list[str] | None = suppression.get("suppressed_reasons")
    return reasons


def _normalize(groups: Mapping[str, Any], tags: dict[str, str]) -> JsonDict:
    delivery = groups.get("delivery_options") or {}
    reputation = groups.get("reputation_options") or {}
    sending = groups.get("sending_options") or {}
    tracking = groups.get("tracking_options") or {}
    suppression = groups.get("suppression_options")
    vdm = strip_none(groups.get("vdm_options"))
    archiving = groups.get("archiving_options") or {}
    return {
        "delivery_options": {
            "tls_policy": delivery.get("tls_policy") or "OPTIONAL",
            "sending_pool_name": delivery.get("sending_pool_name") or None,
            "max_delivery_seconds": delivery.get("max_delivery_seconds") or DEFAULT_MAX_DELIVERY_SECONDS,
        },
        "reputation_options": {
            "reputation_metrics_enabled": bool(reputation.get("reputation_metrics_enabled", False))
        },
        "sending_options": {"sending_enabled": bool(sending.get("sending_enabled", True))},
        "tracking_options": (
            {
                "custom_redirect_domain": tracking["custom_redirect_domain"],
                "https_policy": tracking.get("https_policy") or "OPTIONAL",
            }
            if tracking.get("custom_redirect_domain")
            else None
        ),
        "suppression_options": _suppression(suppression),
        "vdm_options": vdm,
        "archiving_options": {"archive_arn": archiving["archive_arn"]}
        if archiving.get("archive_arn")
        else None,
        "tags": tags,
    }


def _suppression(value: Any) -> JsonDict | None:
    """None when nothing overrides the account; otherwise the reasons exactly ([] stays [])."""
    if value is None:
        return None
    reasons = sorted_set(value.get("suppressed_reasons"))
    validation = _validation(strip_none(value.get("validation_options")))
    if reasons is None and validation is None:
        return None
    return {"suppressed_reasons": reasons, "validation_options": validation}


def _validation(value: Any) -> JsonDict | None:
    """Auto validation with a DISABLED threshold keeps no confidence level: SES goes on
    answering the last one set (terraform-provider-aws #48236), which must not read as a
    change. DISABLED itself stays: on a configuration set it overrides the account."""
    if not isinstance(value, Mapping):
        return None
    threshold = value.get("condition_threshold")
    if isinstance(threshold, Mapping) and threshold.get("condition_threshold_enabled") == "DISABLED":
        return {**value, "condition_threshold": {"condition_threshold_enabled": "DISABLED"}}
    return dict(value)


def _member(group: str) -> str:
    return str(pascal({group: 0}).popitem()[0])


def _put_flat(operation: str) -> Callable[[SesGateway, str, JsonDict | None], None]:
    """Put...Options calls whose members are the group's own fields (absent group = no members)."""

    def put(gateway: SesGateway, name: str, value: JsonDict | None) -> None:
        gateway.call(operation, ConfigurationSetName=name, **pascal(value or {}))

    return put


def _put_vdm(gateway: SesGateway, name: str, value: JsonDict | None) -> None:
    params: JsonDict = {"ConfigurationSetName": name}
    if value is not None:
        params["VdmOptions"] = pascal(value)
    gateway.call("PutConfigurationSetVdmOptions", **params)


_PUTS: dict[str, Callable[[SesGateway, str, JsonDict | None], None]] = {
    "delivery_options": _put_flat("PutConfigurationSetDeliveryOptions"),
    "reputation_options": _put_flat("PutConfigurationSetReputationOptions"),
    "sending_options": _put_flat("PutConfigurationSetSendingOptions"),
    "tracking_options": _put_flat("PutConfigurationSetTrackingOptions"),
    # None -> no SuppressedReasons member (the override is removed); [] is sent as [].
    "suppression_options": _put_flat("PutConfigurationSetSuppressionOptions"),
    "vdm_options": _put_vdm,
    "archiving_options": _put_flat("PutConfigurationSetArchivingOptions"),
}

KIND = ConfigurationSetKind()


def warming_pools(before: Mapping[str, JsonDict], after: Mapping[str, JsonDict]) -> list[tuple[str, Risk]]:
    """``pool_warming_up`` (medium): a configuration set starts sending through a STANDARD pool
    whose IPs are still warming up (or that has no IPs). Attached to the configuration set."""
    risks: list[tuple[str, Risk]] = []
    for address, obj in sorted(after.items()):
        if not address.startswith(f"{ConfigurationSetKind.kind}/"):
            continue
        pool = sending_pool(obj)
        if pool is None or pool == sending_pool(before.get(address)):
            continue
        pool_obj = after.get(f"{POOLS.kind}/{pool}")
        if pool_obj is None or pool_obj.get("scaling_mode") != "STANDARD":
            continue
        warming = warming_ips(pool_obj)
        name = address.split("/", 1)[1]
        if not pool_obj.get("dedicated_ips"):
            message = f"Configuration set {name} will send through pool {pool}, which has no dedicated IPs."
        elif warming:
            message = (
                f"Configuration set {name} will send through pool {pool}, whose IPs are still warming up "
                f"({', '.join(warming)}): a sudden volume there risks throttling and spam placement."
            )
        else:
            continue
        risks.append((address, Risk("pool_warming_up", "medium", message)))
    return risks


def sending_pool(normalized: JsonDict | None) -> str | None:
    """The pool a configuration set sends through (normalized form), None for SES's shared IPs."""
    if not normalized:
        return None
    delivery = normalized.get("delivery_options") or {}
    pool = delivery.get("sending_pool_name") if isinstance(delivery, Mapping) else None
    return pool if isinstance(pool, str) and pool else None


PLUGIN = KindPlugin(
    kind=KIND,
    spec=ConfigurationSetSpec,
    import_file="configuration-sets.yaml",
    summary="a configuration set and its option groups (delivery, reputation, sending, tracking, "
    "suppression, VDM, archiving), tags",
    references=(
        Reference(
            kind=POOLS.kind,
            field="spec.deliveryOptions.sendingPoolName",
            code="E3002",
            noun="dedicated IP pool",
            plural="pools",
            in_spec=lambda spec: spec.sending_pool,
            in_normalized=lambda _, normalized: sending_pool(normalized),
            builtin=SES_DEFAULT_POOL,
        ),
    ),
    world_risks=warming_pools,
)
