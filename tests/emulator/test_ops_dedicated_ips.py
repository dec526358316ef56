"""Dedicated IP pools and the emulated dedicated IPs through boto3 over HTTP."""

from __future__ import annotations

import ops_support
import pytest
from ops_support import expect_error

module_emulator, emulator, ses = ops_support.module_emulator, ops_support.emulator, ops_support.ses

DEFAULT = "ses-default-dedicated-pool"


def ips_of(ses, pool=None):
    kwargs = {} if pool is None else {"PoolName": pool}
    return {ip["Ip"]: ip for ip in ses.get_dedicated_ips(**kwargs)["DedicatedIps"]}


def test_pool_crud_with_tags(ses):
    ses.create_dedicated_ip_pool(PoolName="std", Tags=[{"Key": "k", "Value": "v"}])
    ses.create_dedicated_ip_pool(PoolName="mgd", ScalingMode="MANAGED")
    assert ses.get_dedicated_ip_pool(PoolName="std")["DedicatedIpPool"] == {
        "PoolName": "std",
        "ScalingMode": "STANDARD",
    }
    assert ses.get_dedicated_ip_pool(PoolName="mgd")["DedicatedIpPool"]["ScalingMode"] == "MANAGED"
    assert ses.list_dedicated_ip_pools()["DedicatedIpPools"] == ["mgd", "std"]
    arn = "arn:aws:ses:us-east-1:123456789012:dedicated-ip-pool/std"
    assert ses.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "k", "Value": "v"}]
    ses.delete_dedicated_ip_pool(PoolName="std")
    assert ses.list_dedicated_ip_pools()["DedicatedIpPools"] == ["mgd"]


def test_pool_errors(ses):
    ses.create_dedicated_ip_pool(PoolName="p")
    expect_error(lambda: ses.create_dedicated_ip_pool(PoolName="p"), "AlreadyExistsException", 400)
    expect_error(lambda: ses.create_dedicated_ip_pool(PoolName=DEFAULT), "AlreadyExistsException", 400)
    expect_error(lambda: ses.create_dedicated_ip_pool(PoolName="bad/name"), "BadRequestException", 400)
    expect_error(
        lambda: ses.create_dedicated_ip_pool(PoolName="x", ScalingMode="FOO"), "BadRequestException", 400
    )
    expect_error(lambda: ses.get_dedicated_ip_pool(PoolName="ghost"), "NotFoundException", 404)
    expect_error(lambda: ses.delete_dedicated_ip_pool(PoolName="ghost"), "NotFoundException", 404)
    for i in range(49):
        ses.create_dedicated_ip_pool(PoolName=f"p{i}")
    expect_error(lambda: ses.create_dedicated_ip_pool(PoolName="p50"), "LimitExceededException", 400)


def test_pool_paging(ses):
    for i in range(12):
        ses.create_dedicated_ip_pool(PoolName=f"pool-{i:02d}")
    first = ses.list_dedicated_ip_pools(PageSize=5)
    second = ses.list_dedicated_ip_pools(PageSize=5, NextToken=first["NextToken"])
    third = ses.list_dedicated_ip_pools(PageSize=5, NextToken=second["NextToken"])
    assert first["DedicatedIpPools"] + second["DedicatedIpPools"] + third["DedicatedIpPools"] == [
        f"pool-{i:02d}" for i in range(12)
    ]
    assert "NextToken" not in third


def test_scaling_mode(ses):
    ses.create_dedicated_ip_pool(PoolName="p")
    ses.put_dedicated_ip_pool_scaling_attributes(PoolName="p", ScalingMode="MANAGED")
    assert ses.get_dedicated_ip_pool(PoolName="p")["DedicatedIpPool"]["ScalingMode"] == "MANAGED"
    expect_error(
        lambda: ses.put_dedicated_ip_pool_scaling_attributes(PoolName="p", ScalingMode="STANDARD"),
        "BadRequestException",
        400,
    )
    expect_error(
        lambda: ses.put_dedicated_ip_pool_scaling_attributes(PoolName="ghost", ScalingMode="MANAGED"),
        "NotFoundException",
        404,
    )


def test_default_ips_and_moving_them(ses):
    ips = ips_of(ses)
    assert sorted(ips) == ["198.51.100.10", "198.51.100.11", "198.51.100.12"]
    assert ips["198.51.100.10"] == {
        "Ip": "198.51.100.10",
        "WarmupStatus": "DONE",
        "WarmupPercentage": 100,
        "PoolName": DEFAULT,
    }
    ses.create_dedicated_ip_pool(PoolName="tx")
    ses.put_dedicated_ip_in_pool(Ip="198.51.100.11", DestinationPoolName="tx")
    assert list(ips_of(ses, "tx")) == ["198.51.100.11"]
    assert sorted(ips_of(ses, DEFAULT)) == ["198.51.100.10", "198.51.100.12"]
    assert ses.get_dedicated_ip(Ip="198.51.100.11")["DedicatedIp"]["PoolName"] == "tx"
    # Deleting a standard pool returns its IPs to the default pool.
    ses.delete_dedicated_ip_pool(PoolName="tx")
    assert ses.get_dedicated_ip(Ip="198.51.100.11")["DedicatedIp"]["PoolName"] == DEFAULT


def test_ip_errors(ses):
    ses.create_dedicated_ip_pool(PoolName="m", ScalingMode="MANAGED")
    expect_error(lambda: ses.get_dedicated_ip(Ip="203.0.113.1"), "NotFoundException", 404)
    expect_error(lambda: ses.get_dedicated_ips(PoolName="ghost"), "NotFoundException", 404)
    expect_error(
        lambda: ses.put_dedicated_ip_in_pool(Ip="198.51.100.10", DestinationPoolName="ghost"),
        "NotFoundException",
        404,
    )
    expect_error(
        lambda: ses.put_dedicated_ip_in_pool(Ip="203.0.113.1", DestinationPoolName=DEFAULT),
        "NotFoundException",
        404,
    )
    expect_error(
        lambda: ses.put_dedicated_ip_in_pool(Ip="198.51.100.10", DestinationPoolName="m"),
        "BadRequestException",
        400,
    )


@pytest.mark.parametrize(("percentage", "status"), [(0, "IN_PROGRESS"), (42, "IN_PROGRESS"), (100, "DONE")])
def test_warmup(ses, percentage, status):
    ses.put_dedicated_ip_warmup_attributes(Ip="198.51.100.12", WarmupPercentage=percentage)
    ip = ses.get_dedicated_ip(Ip="198.51.100.12")["DedicatedIp"]
    assert (ip["WarmupPercentage"], ip["WarmupStatus"]) == (percentage, status)


@pytest.mark.parametrize("percentage", [-1, 101])
def test_warmup_out_of_range(ses, percentage):
    expect_error(
        lambda: ses.put_dedicated_ip_warmup_attributes(Ip="198.51.100.12", WarmupPercentage=percentage),
        "BadRequestException",
        400,
    )


def test_account_auto_warmup(ses):
    assert ses.get_account()["DedicatedIpAutoWarmupEnabled"] is False
    ses.put_account_dedicated_ip_warmup_attributes(AutoWarmupEnabled=True)
    assert ses.get_account()["DedicatedIpAutoWarmupEnabled"] is True


def test_pool_in_use_by_a_configuration_set_is_not_deleted(ses):
    ses.create_dedicated_ip_pool(PoolName="busy")
    ses.create_configuration_set(ConfigurationSetName="cs", DeliveryOptions={"SendingPoolName": "busy"})
    message = expect_error(lambda: ses.delete_dedicated_ip_pool(PoolName="busy"), "BadRequestException", 400)
    assert "cs" in message
    ses.put_configuration_set_delivery_options(ConfigurationSetName="cs")
    ses.delete_dedicated_ip_pool(PoolName="busy")


def test_admin_action_sets_the_emulated_ips(emulator, ses):
    emulator.admin("set_dedicated_ips", ips=["192.0.2.7", "192.0.2.8"], warmup_percentage=10)
    ips = ips_of(ses)
    assert sorted(ips) == ["192.0.2.7", "192.0.2.8"]
    assert ips["192.0.2.7"]["WarmupStatus"] == "IN_PROGRESS"
    ips_page = ses.get_dedicated_ips(PageSize=1)
    assert len(ips_page["DedicatedIps"]) == 1 and "NextToken" in ips_page
