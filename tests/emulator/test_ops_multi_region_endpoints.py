"""Multi-region (global) endpoints, through boto3 over HTTP."""

from __future__ import annotations

import ops_support
import pytest
from ops_support import expect_error

module_emulator, emulator, ses = ops_support.module_emulator, ops_support.emulator, ops_support.ses

DETAILS = {"RoutesDetails": [{"Region": "eu-west-1"}]}


def test_create_get_list_delete(ses):
    created = ses.create_multi_region_endpoint(EndpointName="global", Details=DETAILS)
    assert created["Status"] == "CREATING"
    got = ses.get_multi_region_endpoint(EndpointName="global")
    assert got["EndpointId"] == created["EndpointId"] and got["Status"] == "READY"
    assert got["Routes"] == [{"Region": "us-east-1"}, {"Region": "eu-west-1"}]  # primary first
    listed = ses.list_multi_region_endpoints()["MultiRegionEndpoints"]
    assert [(e["EndpointName"], e["Regions"]) for e in listed] == [("global", ["us-east-1", "eu-west-1"])]
    assert ses.delete_multi_region_endpoint(EndpointName="global")["Status"] == "DELETING"
    expect_error(lambda: ses.get_multi_region_endpoint(EndpointName="global"), "NotFoundException", 404)
    expect_error(lambda: ses.delete_multi_region_endpoint(EndpointName="global"), "NotFoundException", 404)
    assert ses.list_multi_region_endpoints()["MultiRegionEndpoints"] == []


def test_the_endpoint_lives_in_its_primary_region(emulator, ses):
    ses.create_multi_region_endpoint(EndpointName="global", Details=DETAILS)
    other = emulator.client("sesv2", region="eu-west-1")
    expect_error(lambda: other.get_multi_region_endpoint(EndpointName="global"), "NotFoundException", 404)
    assert other.list_multi_region_endpoints()["MultiRegionEndpoints"] == []


BAD = {
    "no-route": {"RoutesDetails": []},
    "two-routes": {"RoutesDetails": [{"Region": "eu-west-1"}, {"Region": "us-west-2"}]},
    "same-region": {"RoutesDetails": [{"Region": "us-east-1"}]},
    "not-a-region": {"RoutesDetails": [{"Region": "mars-1"}]},
}


@pytest.mark.parametrize("details", BAD.values(), ids=BAD.keys())
def test_create_refuses_bad_routes(ses, details):
    expect_error(lambda: ses.create_multi_region_endpoint(EndpointName="e", Details=details), "BadRequestException", 400)
    assert ses.list_multi_region_endpoints()["MultiRegionEndpoints"] == []


def test_create_refuses_a_taken_or_bad_name(ses):
    ses.create_multi_region_endpoint(EndpointName="global", Details=DETAILS)
    expect_error(
        lambda: ses.create_multi_region_endpoint(EndpointName="global", Details=DETAILS), "AlreadyExistsException", 400
    )
    expect_error(
        lambda: ses.create_multi_region_endpoint(EndpointName="has space", Details=DETAILS), "BadRequestException", 400
    )


def test_tags_and_paging(ses):
    for i in range(3):
        ses.create_multi_region_endpoint(
            EndpointName=f"e{i}", Details=DETAILS, Tags=[{"Key": "n", "Value": str(i)}]
        )
    arn = "arn:aws:ses:us-east-1:123456789012:multi-region-endpoint/e1"
    assert ses.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "n", "Value": "1"}]
    first = ses.list_multi_region_endpoints(PageSize=2)
    assert [e["EndpointName"] for e in first["MultiRegionEndpoints"]] == ["e0", "e1"]
    rest = ses.list_multi_region_endpoints(NextToken=first["NextToken"])
    assert [e["EndpointName"] for e in rest["MultiRegionEndpoints"]] == ["e2"]
