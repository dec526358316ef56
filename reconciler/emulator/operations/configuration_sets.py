"""Configuration sets: Create/Get/Delete/ListConfigurationSets and the seven Put...Options."""

from __future__ import annotations

from typing import Any

from reconciler.emulator.errors import BadRequestException, NotFoundException
from reconciler.emulator.lookups import find_configuration_set
from reconciler.emulator.operations.common import (
    DOMAIN,
    check_name,
    check_new,
    check_tags,
    listing,
    paginate,
    parse,
    tag_list,
)
from reconciler.emulator.operations.tenants import refuse_if_associated
from reconciler.emulator.registry import OperationContext, Params, Result, operation
from reconciler.emulator.state import (
    DEFAULT_POOL,
    SHARED_POOL,
    ArchivingOptions,
    ConfigurationSet,
    DeliveryOptions,
    ReputationOptions,
    SendingOptions,
    SesState,
    SuppressionOptions,
    TrackingOptions,
    VdmOptions,
)

MAX_CONFIGURATION_SETS = 10_000


def _delivery(state: SesState, data: Any) -> DeliveryOptions | None:
    if data is None:
        return None  # SES reports no DeliveryOptions for a set that never set them
    options = parse(DeliveryOptions, data, "DeliveryOptions")
    if options.TlsPolicy is None:
        options.TlsPolicy = "OPTIONAL"  # what SES reports for a set that never chose
    pool = options.SendingPoolName
    if pool is not None and pool not in (DEFAULT_POOL, SHARED_POOL) and pool not in state.dedicated_ip_pools:
        raise NotFoundException(f"Dedicated IP pool {pool} does not exist.")
    return options


def _tracking(data: Any) -> TrackingOptions | None:
    if not data or not data.get("CustomRedirectDomain"):
        if data and data.get("HttpsPolicy"):
            raise BadRequestException("HttpsPolicy requires a CustomRedirectDomain.")
        return None  # no custom domain: SES's own tracking domain
    options = parse(TrackingOptions, data, "TrackingOptions")
    if not DOMAIN.match(options.CustomRedirectDomain):
        raise BadRequestException(f"Invalid CustomRedirectDomain '{options.CustomRedirectDomain}'.")
    return options


def _reputation(data: Any) -> ReputationOptions:
    options = parse(ReputationOptions, data, "ReputationOptions")
    if options.ReputationMetricsEnabled is None:
        options.ReputationMetricsEnabled = False
    return options


def _sending(data: Any) -> SendingOptions:
    options = parse(SendingOptions, data, "SendingOptions")
    if options.SendingEnabled is None:
        options.SendingEnabled = data is None  # no options at all: enabled (SES's default)
    return options


def _suppression(data: Any) -> SuppressionOptions | None:
    """No SuppressedReasons member means no override (the set follows the account, which is
    how SES treats such a Put); ``[]`` is an override that suppresses nothing."""
    options = parse(SuppressionOptions, data, "SuppressionOptions")
    if options.SuppressedReasons is None and options.ValidationOptions is None:
        return None
    return options


def _archiving(data: Any) -> ArchivingOptions | None:
    if not data or not data.get("ArchiveArn"):
        return None
    return parse(ArchivingOptions, data, "ArchivingOptions")


@operation("CreateConfigurationSet")
def create_configuration_set(ctx: OperationContext, params: Params) -> Result:
    state = ctx.state
    name = check_name(params["ConfigurationSetName"], "ConfigurationSetName")
    tags = check_tags(params.get("Tags"))
    config_set = ConfigurationSet(
        name=name,
        created=ctx.now(),
        tags=tags,
        tracking=_tracking(params.get("TrackingOptions")),
        delivery=_delivery(state, params.get("DeliveryOptions")),
        reputation=_reputation(params.get("ReputationOptions")),
        sending=_sending(params.get("SendingOptions")),
        suppression=_suppression(params.get("SuppressionOptions")),
        vdm=None
        if params.get("VdmOptions") is None
        else parse(VdmOptions, params["VdmOptions"], "VdmOptions"),
        archiving=_archiving(params.get("ArchivingOptions")),
    )
    if config_set.reputation.LastFreshStart is None:
        # SES reports a new set's reputation history as starting when the set was made
        # (terraform-provider-aws TestAccSESConfigurationSet_basic: last_fresh_start is set).
        config_set.reputation.LastFreshStart = config_set.created
    taken = f"Configuration set <{name}> already exists."
    check_new(state.configuration_sets, name, taken, MAX_CONFIGURATION_SETS, "configuration sets")
    state.configuration_sets[name] = config_set
    return {}


@operation("GetConfigurationSet")
def get_configuration_set(ctx: OperationContext, params: Params) -> Result:
    config_set = find_configuration_set(ctx.state, params["ConfigurationSetName"])
    result: Result = {
        "ConfigurationSetName": config_set.name,
        "ReputationOptions": config_set.reputation.out(),
        "SendingOptions": config_set.sending.out(),
        "Tags": tag_list(config_set.tags),
    }
    optional = {
        "DeliveryOptions": config_set.delivery,
        "TrackingOptions": config_set.tracking,
        "SuppressionOptions": config_set.suppression,
        "VdmOptions": config_set.vdm,
        "ArchivingOptions": config_set.archiving,
    }
    result.update({member: shape.out() for member, shape in optional.items() if shape is not None})
    return result


@operation("DeleteConfigurationSet")
def delete_configuration_set(ctx: OperationContext, params: Params) -> Result:
    config_set = find_configuration_set(ctx.state, params["ConfigurationSetName"])
    refuse_if_associated(ctx, f"configuration-set/{config_set.name}", f"Configuration set {config_set.name}")
    del ctx.state.configuration_sets[config_set.name]
    return {}


@operation("ListConfigurationSets")
def list_configuration_sets(ctx: OperationContext, params: Params) -> Result:
    names, token = paginate(ctx.state.configuration_sets, params)
    return listing("ConfigurationSets", names, token)


# ---- the seven Put...Options: each replaces one group of options as a whole ----------------


def _target(ctx: OperationContext, params: Params) -> ConfigurationSet:
    return find_configuration_set(ctx.state, params["ConfigurationSetName"])


def _members(params: Params, *names: str) -> dict[str, Any]:
    return {name: params[name] for name in names if params.get(name) is not None}


@operation("PutConfigurationSetDeliveryOptions")
def put_delivery_options(ctx: OperationContext, params: Params) -> Result:
    config_set = _target(ctx, params)
    data = _members(params, "TlsPolicy", "SendingPoolName", "MaxDeliverySeconds")
    config_set.delivery = _delivery(ctx.state, data)
    return {}


@operation("PutConfigurationSetReputationOptions")
def put_reputation_options(ctx: OperationContext, params: Params) -> Result:
    config_set = _target(ctx, params)
    options = _reputation(_members(params, "ReputationMetricsEnabled"))
    options.LastFreshStart = config_set.reputation.LastFreshStart
    config_set.reputation = options
    return {}


@operation("PutConfigurationSetSendingOptions")
def put_sending_options(ctx: OperationContext, params: Params) -> Result:
    config_set = _target(ctx, params)
    # An absent SendingEnabled reads as false, as a boolean left out of a request does in SES.
    config_set.sending = SendingOptions(SendingEnabled=bool(params.get("SendingEnabled", False)))
    return {}


@operation("PutConfigurationSetSuppressionOptions")
def put_suppression_options(ctx: OperationContext, params: Params) -> Result:
    config_set = _target(ctx, params)
    data = _members(params, "SuppressedReasons", "ValidationOptions")
    config_set.suppression = _suppression(data)
    return {}


@operation("PutConfigurationSetTrackingOptions")
def put_tracking_options(ctx: OperationContext, params: Params) -> Result:
    config_set = _target(ctx, params)
    config_set.tracking = _tracking(_members(params, "CustomRedirectDomain", "HttpsPolicy"))
    return {}


@operation("PutConfigurationSetVdmOptions")
def put_vdm_options(ctx: OperationContext, params: Params) -> Result:
    config_set = _target(ctx, params)
    data = params.get("VdmOptions")
    config_set.vdm = None if data is None else parse(VdmOptions, data, "VdmOptions")
    return {}


@operation("PutConfigurationSetArchivingOptions")
def put_archiving_options(ctx: OperationContext, params: Params) -> Result:
    config_set = _target(ctx, params)
    config_set.archiving = _archiving(_members(params, "ArchiveArn"))
    return {}
