"""Dedicated IP pools and the account's emulated dedicated IPs.

The account's dedicated IPs are emulated: by default three TEST-NET-2 addresses in
``ses-default-dedicated-pool`` (state.DEFAULT_DEDICATED_IPS); the admin action
``set_dedicated_ips`` replaces them. The default pool and ``ses-shared-pool`` are built in:
they are not listed by ListDedicatedIpPools and cannot be created, read or deleted as pools.
"""

from __future__ import annotations

import ipaddress
from typing import Any, Literal

from reconciler.emulator.errors import AlreadyExistsException, BadRequestException
from reconciler.emulator.lookups import find_in
from reconciler.emulator.operations.common import check_name, check_new, check_tags, listing, paginate
from reconciler.emulator.registry import OperationContext, Params, Result, admin_action, operation
from reconciler.emulator.state import DEFAULT_POOL, SHARED_POOL, DedicatedIp, DedicatedIpPool, SesState

MAX_POOLS = 50
BUILT_IN_POOLS = (DEFAULT_POOL, SHARED_POOL)


def find_pool(state: SesState, name: str) -> DedicatedIpPool:
    return find_in(state.dedicated_ip_pools, name, f"Pool {name} does not exist.")


def find_ip(state: SesState, ip: str) -> DedicatedIp:
    return find_in(state.dedicated_ips, ip, f"Dedicated IP {ip} does not exist in this account.")


def _is_managed(state: SesState, pool_name: str) -> bool:
    pool = state.dedicated_ip_pools.get(pool_name)
    return pool is not None and pool.scaling_mode == "MANAGED"


@operation("CreateDedicatedIpPool")
def create_dedicated_ip_pool(ctx: OperationContext, params: Params) -> Result:
    state = ctx.state
    name = check_name(params["PoolName"], "PoolName")
    tags = check_tags(params.get("Tags"))
    taken = f"Pool {name} already exists."
    if name in BUILT_IN_POOLS:
        raise AlreadyExistsException(taken)
    check_new(state.dedicated_ip_pools, name, taken, MAX_POOLS, "dedicated IP pools")
    state.dedicated_ip_pools[name] = DedicatedIpPool(
        name=name, scaling_mode=params.get("ScalingMode") or "STANDARD", tags=tags
    )
    return {}


@operation("GetDedicatedIpPool")
def get_dedicated_ip_pool(ctx: OperationContext, params: Params) -> Result:
    pool = find_pool(ctx.state, params["PoolName"])
    return {"DedicatedIpPool": {"PoolName": pool.name, "ScalingMode": pool.scaling_mode}}


@operation("DeleteDedicatedIpPool")
def delete_dedicated_ip_pool(ctx: OperationContext, params: Params) -> Result:
    state = ctx.state
    pool = find_pool(state, params["PoolName"])
    # SES's documentation is silent here; refusing keeps a configuration set from pointing at
    # a pool that no longer exists (and makes an out-of-order delete visible in tests).
    users = sorted(
        cs.name
        for cs in state.configuration_sets.values()
        if cs.delivery is not None and cs.delivery.SendingPoolName == pool.name
    )
    if users:
        raise BadRequestException(
            f"Pool {pool.name} is used by configuration set(s) {', '.join(users)}; "
            "point them at another pool first (PutConfigurationSetDeliveryOptions)."
        )
    for ip in state.dedicated_ips.values():
        if ip.PoolName == pool.name:  # standard pool: its IPs go back to the default pool
            ip.PoolName = DEFAULT_POOL
    if pool.scaling_mode == "MANAGED":  # managed pool: SES releases its IPs
        state.dedicated_ips = {k: v for k, v in state.dedicated_ips.items() if v.PoolName != pool.name}
    del state.dedicated_ip_pools[pool.name]
    return {}


@operation("ListDedicatedIpPools")
def list_dedicated_ip_pools(ctx: OperationContext, params: Params) -> Result:
    names, token = paginate(ctx.state.dedicated_ip_pools, params)
    return listing("DedicatedIpPools", names, token)


@operation("PutDedicatedIpPoolScalingAttributes")
def put_pool_scaling(ctx: OperationContext, params: Params) -> Result:
    pool = find_pool(ctx.state, params["PoolName"])
    mode = params["ScalingMode"]
    if pool.scaling_mode == "MANAGED" and mode == "STANDARD":
        raise BadRequestException(
            f"Pool {pool.name} is MANAGED; MANAGED pools cannot be converted to STANDARD."
        )
    if pool.scaling_mode == "STANDARD" and mode == "MANAGED":
        for ip in ctx.state.dedicated_ips.values():
            if ip.PoolName == pool.name:
                ip.WarmupStatus, ip.WarmupPercentage = "NOT_APPLICABLE", -1
    pool.scaling_mode = mode
    return {}


@operation("GetDedicatedIps")
def get_dedicated_ips(ctx: OperationContext, params: Params) -> Result:
    state = ctx.state
    pool_name = params.get("PoolName")
    if pool_name is not None and pool_name != DEFAULT_POOL:
        find_pool(state, pool_name)
    ips = [ip for ip, v in state.dedicated_ips.items() if pool_name is None or v.PoolName == pool_name]
    page, token = paginate(ips, params)
    return listing("DedicatedIps", [state.dedicated_ips[ip].out() for ip in page], token)


@operation("GetDedicatedIp")
def get_dedicated_ip(ctx: OperationContext, params: Params) -> Result:
    return {"DedicatedIp": find_ip(ctx.state, params["Ip"]).out()}


@operation("PutDedicatedIpInPool")
def put_dedicated_ip_in_pool(ctx: OperationContext, params: Params) -> Result:
    state = ctx.state
    ip = find_ip(state, params["Ip"])
    destination = params["DestinationPoolName"]
    if destination != DEFAULT_POOL:
        find_pool(state, destination)
    if _is_managed(state, destination) or _is_managed(state, ip.PoolName):
        raise BadRequestException("IPs of MANAGED pools are placed by SES and cannot be moved.")
    ip.PoolName = destination
    return {}


@operation("PutDedicatedIpWarmupAttributes")
def put_dedicated_ip_warmup(ctx: OperationContext, params: Params) -> Result:
    ip = find_ip(ctx.state, params["Ip"])
    percentage = params["WarmupPercentage"]
    if not 0 <= percentage <= 100:
        raise BadRequestException(f"WarmupPercentage must be between 0 and 100, got {percentage}.")
    if _is_managed(ctx.state, ip.PoolName):
        raise BadRequestException("The warm-up of IPs in MANAGED pools is managed by SES.")
    ip.WarmupPercentage = percentage
    ip.WarmupStatus = "DONE" if percentage == 100 else "IN_PROGRESS"
    return {}


@operation("PutAccountDedicatedIpWarmupAttributes")
def put_account_warmup(ctx: OperationContext, params: Params) -> Result:
    ctx.state.account.dedicated_ip_auto_warmup_enabled = bool(params.get("AutoWarmupEnabled", False))
    return {}


@admin_action("set_dedicated_ips")
def set_dedicated_ips(ctx: OperationContext, ips: list[str], warmup_percentage: int = 100) -> dict[str, Any]:
    """Replace the account's emulated dedicated IPs (all in the default pool)."""
    for ip in ips:
        try:
            ipaddress.IPv4Address(ip)
        except ValueError:
            raise BadRequestException(f"Not an IPv4 address: {ip!r}") from None
    status: Literal["DONE", "IN_PROGRESS"] = "DONE" if warmup_percentage == 100 else "IN_PROGRESS"
    ctx.state.dedicated_ips = {
        ip: DedicatedIp(Ip=ip, WarmupPercentage=warmup_percentage, WarmupStatus=status) for ip in ips
    }
    return {"DedicatedIps": sorted(ctx.state.dedicated_ips)}
