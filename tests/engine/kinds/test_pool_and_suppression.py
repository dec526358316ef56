"""DedicatedIpPool and SuppressionPolicy against the emulator."""

from __future__ import annotations

from typing import Any

from reconciler.aws.gateway import SesGateway
from reconciler.kinds.configuration_set import KIND as SETS
from reconciler.kinds.dedicated_ip_pool import KIND as POOLS
from reconciler.kinds.risks import world_risks
from reconciler.kinds.specs.configuration_set import ConfigurationSetSpec
from reconciler.kinds.specs.dedicated_ip_pool import DedicatedIpPoolSpec
from reconciler.kinds.specs.suppression_policy import SuppressionPolicySpec
from reconciler.kinds.suppression_policy import KIND as ACCOUNT

STACK = "test-stack"
IP1, IP2, IP3 = "198.51.100.10", "198.51.100.11", "198.51.100.12"  # the emulator's leased IPs


def pool_spec(**yaml: Any) -> DedicatedIpPoolSpec:
    return DedicatedIpPoolSpec.model_validate(yaml)


def test_standard_pool_moves_ips_in_and_out_and_sets_warmup(gateway: SesGateway) -> None:
    yaml = {"dedicatedIps": [{"ip": IP2, "warmupPercentage": 40}, {"ip": IP1}], "tags": {"env": "prod"}}
    desired = POOLS.normalize_desired("warm", pool_spec(**yaml), STACK)
    POOLS.create(gateway, "warm", desired, STACK)
    live = POOLS.read_live(gateway, ["warm"])["warm"]
    assert live.owner == STACK
    # IP1 leaves warm-up to SES: its live percentage is adopted, so there is no difference.
    filled = POOLS.fill_unmanaged(desired, live.normalized)
    assert live.normalized == filled
    assert [e["ip"] for e in filled["dedicated_ips"]] == [IP1, IP2]

    target = POOLS.normalize_desired(
        "warm", pool_spec(dedicatedIps=[{"ip": IP2}, {"ip": IP3}], tags={"env": "prod"}), STACK
    )
    target = POOLS.fill_unmanaged(target, live.normalized)
    gateway.reset_counters()
    POOLS.update(gateway, "warm", target, live, ["dedicated_ips"])
    assert dict(gateway.calls) == {"PutDedicatedIpInPool": 2}  # IP3 in, IP1 back to the default pool
    after = POOLS.read_live(gateway, ["warm"])["warm"].normalized
    assert [e["ip"] for e in after["dedicated_ips"]] == [IP2, IP3]
    assert after == POOLS.fill_unmanaged(target, after)


def test_standard_to_managed_in_place_managed_to_standard_is_a_replace(gateway: SesGateway) -> None:
    desired = POOLS.normalize_desired("p", pool_spec(), STACK)
    POOLS.create(gateway, "p", desired, STACK)
    live = POOLS.read_live(gateway, ["p"])["p"]
    managed = POOLS.normalize_desired("p", pool_spec(scalingMode="MANAGED"), STACK)
    assert POOLS.replace_reason(live.normalized, managed) is None
    gateway.reset_counters()
    POOLS.update(gateway, "p", managed, live, ["scaling_mode"])
    assert dict(gateway.calls) == {"PutDedicatedIpPoolScalingAttributes": 1}
    live = POOLS.read_live(gateway, ["p"])["p"]
    assert live.normalized == managed
    assert POOLS.replace_reason(live.normalized, desired) is not None
    assert [r.code for r in POOLS.risks("p", live.normalized, desired)] == ["delete"]
    POOLS.delete(gateway, "p", live)
    assert POOLS.read_live(gateway, None) == {}


def test_pool_warming_up_risk_when_a_set_moves_onto_it(gateway: SesGateway) -> None:
    pool = POOLS.normalize_desired(
        "warm", pool_spec(dedicatedIps=[{"ip": IP1, "warmupPercentage": 10}]), STACK
    )
    cs_before = SETS.normalize_desired("cs", ConfigurationSetSpec.model_validate({}), STACK)
    cs_after = SETS.normalize_desired(
        "cs", ConfigurationSetSpec.model_validate({"deliveryOptions": {"sendingPoolName": "warm"}}), STACK
    )
    before = {"DedicatedIpPool/warm": pool, "ConfigurationSet/cs": cs_before}
    risks = world_risks(before, {**before, "ConfigurationSet/cs": cs_after})
    assert [(r.code, r.severity) for r in risks["ConfigurationSet/cs"]] == [("pool_warming_up", "medium")]
    assert IP1 in risks["ConfigurationSet/cs"][0].message
    done = {**pool, "dedicated_ips": [{"ip": IP1, "warmup_percentage": 100}]}
    assert (
        world_risks(before, {**before, "DedicatedIpPool/warm": done, "ConfigurationSet/cs": cs_after}) == {}
    )


def test_suppression_policy_singleton(gateway: SesGateway, aws_cli: Any) -> None:
    live = ACCOUNT.read_live(gateway, None)["account"]
    assert live.owner is None
    assert live.normalized == {"suppressed_reasons": ["BOUNCE", "COMPLAINT"], "validation_attributes": None}
    assert ACCOUNT.read_live(gateway, ["other"]) == {}

    off = ACCOUNT.normalize_desired(
        "account", SuppressionPolicySpec.model_validate({"suppressedReasons": []}), STACK
    )
    assert [(r.code, r.severity) for r in ACCOUNT.risks("account", live.normalized, off)] == [
        ("suppression_disabled", "high")
    ]
    ACCOUNT.update(gateway, "account", off, live, ["suppressed_reasons"])
    live = ACCOUNT.read_live(gateway, ["account"])["account"]
    assert live.normalized == off

    validated = ACCOUNT.normalize_desired(
        "account",
        SuppressionPolicySpec.model_validate(
            {
                "suppressedReasons": ["BOUNCE"],
                "validationAttributes": {
                    "conditionThreshold": {
                        "conditionThresholdEnabled": "ENABLED",
                        "overallConfidenceThreshold": {"confidenceVerdictThreshold": "MANAGED"},
                    }
                },
            }
        ),
        STACK,
    )
    ACCOUNT.create(gateway, "account", validated, STACK)  # create of a singleton = put
    assert ACCOUNT.read_live(gateway, ["account"])["account"].normalized == validated

    aws_cli("put-account-suppression-attributes", "--suppressed-reasons", "COMPLAINT")
    drifted = ACCOUNT.read_live(gateway, ["account"])["account"].normalized
    assert drifted == {"suppressed_reasons": ["COMPLAINT"], "validation_attributes": None}

    gateway.reset_counters()
    ACCOUNT.delete(gateway, "account", live)  # leaving the manifests leaves the account alone
    assert sum(gateway.calls.values()) == 0


def test_pool_drift_made_with_the_aws_cli_shows(gateway: SesGateway, aws_cli: Any) -> None:
    desired = POOLS.normalize_desired(
        "p", pool_spec(dedicatedIps=[{"ip": IP1, "warmupPercentage": 100}]), STACK
    )
    POOLS.create(gateway, "p", desired, STACK)
    aws_cli("put-dedicated-ip-in-pool", "--ip", IP2, "--destination-pool-name", "p")
    aws_cli("put-dedicated-ip-warmup-attributes", "--ip", IP1, "--warmup-percentage", "30")
    aws_cli(
        "tag-resource",
        "--resource-arn",
        gateway.arn("dedicated-ip-pool/p"),
        "--tags",
        "Key=sesctl:protect,Value=true",
    )
    live = POOLS.read_live(gateway, ["p"])["p"]
    assert live.owner == STACK  # sesctl's own tags are not user tags: no drift from the protect tag
    assert live.normalized["tags"] == {}
    assert live.normalized["dedicated_ips"] == [
        {"ip": IP1, "warmup_percentage": 30},
        {"ip": IP2, "warmup_percentage": 100},
    ]
    assert POOLS.fill_unmanaged(desired, live.normalized) != live.normalized
