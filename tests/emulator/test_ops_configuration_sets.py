"""Configuration sets through boto3 over HTTP: create/get/delete/list, the seven Put...Options."""

from __future__ import annotations

import ops_support
import pytest
from ops_support import expect_error

module_emulator, emulator, ses = ops_support.module_emulator, ops_support.emulator, ops_support.ses

ARCHIVE = "arn:aws:ses:us-east-1:123456789012:mailmanager-archive/a-abcdefghijklmnopqrstuvwxyz"


def test_defaults_of_a_bare_set(ses):
    ses.create_configuration_set(ConfigurationSetName="bare")
    got = ses.get_configuration_set(ConfigurationSetName="bare")
    got.pop("ResponseMetadata")
    assert got["ReputationOptions"].pop("LastFreshStart")  # SES dates a new set's reputation history
    assert got == {
        "ConfigurationSetName": "bare",
        "ReputationOptions": {"ReputationMetricsEnabled": False},
        "SendingOptions": {"SendingEnabled": True},
        "Tags": [],
    }  # no DeliveryOptions: SES reports none for a set that never set them


def test_everything_at_create_round_trips(ses):
    ses.create_dedicated_ip_pool(PoolName="marketing")
    options = {
        "TrackingOptions": {"CustomRedirectDomain": "click.example.com", "HttpsPolicy": "REQUIRE"},
        "DeliveryOptions": {
            "TlsPolicy": "REQUIRE",
            "SendingPoolName": "marketing",
            "MaxDeliverySeconds": 600,
        },
        "ReputationOptions": {"ReputationMetricsEnabled": True},
        "SendingOptions": {"SendingEnabled": False},
        "SuppressionOptions": {
            "SuppressedReasons": ["BOUNCE"],
            "ValidationOptions": {
                "ConditionThreshold": {
                    "ConditionThresholdEnabled": "ENABLED",
                    "OverallConfidenceThreshold": {"ConfidenceVerdictThreshold": "HIGH"},
                }
            },
        },
        "VdmOptions": {
            "DashboardOptions": {"EngagementMetrics": "ENABLED"},
            "GuardianOptions": {"OptimizedSharedDelivery": "DISABLED"},
        },
        "ArchivingOptions": {"ArchiveArn": ARCHIVE},
    }
    tags = [{"Key": "team", "Value": "growth"}, {"Key": "empty", "Value": ""}]
    ses.create_configuration_set(ConfigurationSetName="full", Tags=tags, **options)
    got = ses.get_configuration_set(ConfigurationSetName="full")
    got["ReputationOptions"].pop("LastFreshStart")
    for member, value in options.items():
        assert got[member] == value, member
    assert got["Tags"] == tags


@pytest.mark.parametrize(
    ("suppression", "expected"),
    [
        (None, None),  # absent: the set inherits the account's reasons
        ({"SuppressedReasons": ["BOUNCE", "COMPLAINT"]}, {"SuppressedReasons": ["BOUNCE", "COMPLAINT"]}),
        ({"SuppressedReasons": []}, {"SuppressedReasons": []}),  # empty: suppress nothing
    ],
    ids=["absent", "list", "empty"],
)
def test_suppression_three_states_are_kept_apart(ses, suppression, expected):
    kwargs = {} if suppression is None else {"SuppressionOptions": suppression}
    ses.create_configuration_set(ConfigurationSetName="s", **kwargs)
    assert ses.get_configuration_set(ConfigurationSetName="s").get("SuppressionOptions") == expected
    ses.put_configuration_set_suppression_options(ConfigurationSetName="s", SuppressedReasons=[])
    assert ses.get_configuration_set(ConfigurationSetName="s")["SuppressionOptions"] == {
        "SuppressedReasons": []
    }
    # Without SuppressedReasons the override goes: the set follows the account again.
    ses.put_configuration_set_suppression_options(ConfigurationSetName="s")
    assert "SuppressionOptions" not in ses.get_configuration_set(ConfigurationSetName="s")


def test_put_options_replace_each_group(ses):
    ses.create_dedicated_ip_pool(PoolName="p1")
    ses.create_configuration_set(ConfigurationSetName="cs")
    ses.put_configuration_set_delivery_options(
        ConfigurationSetName="cs", TlsPolicy="REQUIRE", SendingPoolName="p1", MaxDeliverySeconds=50400
    )
    ses.put_configuration_set_reputation_options(ConfigurationSetName="cs", ReputationMetricsEnabled=True)
    ses.put_configuration_set_sending_options(ConfigurationSetName="cs", SendingEnabled=False)
    ses.put_configuration_set_suppression_options(ConfigurationSetName="cs", SuppressedReasons=["COMPLAINT"])
    ses.put_configuration_set_tracking_options(
        ConfigurationSetName="cs", CustomRedirectDomain="t.example.org", HttpsPolicy="OPTIONAL"
    )
    ses.put_configuration_set_vdm_options(
        ConfigurationSetName="cs", VdmOptions={"DashboardOptions": {"EngagementMetrics": "DISABLED"}}
    )
    ses.put_configuration_set_archiving_options(ConfigurationSetName="cs", ArchiveArn=ARCHIVE)
    got = ses.get_configuration_set(ConfigurationSetName="cs")
    assert got["DeliveryOptions"] == {
        "TlsPolicy": "REQUIRE",
        "SendingPoolName": "p1",
        "MaxDeliverySeconds": 50400,
    }
    assert got["ReputationOptions"]["ReputationMetricsEnabled"] is True
    assert got["SendingOptions"] == {"SendingEnabled": False}
    assert got["SuppressionOptions"] == {"SuppressedReasons": ["COMPLAINT"]}
    assert got["TrackingOptions"] == {"CustomRedirectDomain": "t.example.org", "HttpsPolicy": "OPTIONAL"}
    assert got["VdmOptions"] == {"DashboardOptions": {"EngagementMetrics": "DISABLED"}}
    assert got["ArchivingOptions"] == {"ArchiveArn": ARCHIVE}

    # Sending round-trips both ways; leaving out the domain/ARN/pool removes them.
    ses.put_configuration_set_sending_options(ConfigurationSetName="cs", SendingEnabled=True)
    ses.put_configuration_set_tracking_options(ConfigurationSetName="cs")
    ses.put_configuration_set_archiving_options(ConfigurationSetName="cs")
    ses.put_configuration_set_delivery_options(ConfigurationSetName="cs", TlsPolicy="REQUIRE")
    got = ses.get_configuration_set(ConfigurationSetName="cs")
    assert got["SendingOptions"] == {"SendingEnabled": True}
    assert "TrackingOptions" not in got and "ArchivingOptions" not in got
    assert got["DeliveryOptions"] == {"TlsPolicy": "REQUIRE"}


PUTS = {
    "delivery": lambda c, n: c.put_configuration_set_delivery_options(
        ConfigurationSetName=n, TlsPolicy="REQUIRE"
    ),
    "reputation": lambda c, n: c.put_configuration_set_reputation_options(ConfigurationSetName=n),
    "sending": lambda c, n: c.put_configuration_set_sending_options(
        ConfigurationSetName=n, SendingEnabled=True
    ),
    "suppression": lambda c, n: c.put_configuration_set_suppression_options(ConfigurationSetName=n),
    "tracking": lambda c, n: c.put_configuration_set_tracking_options(ConfigurationSetName=n),
    "vdm": lambda c, n: c.put_configuration_set_vdm_options(ConfigurationSetName=n),
    "archiving": lambda c, n: c.put_configuration_set_archiving_options(ConfigurationSetName=n),
    "get": lambda c, n: c.get_configuration_set(ConfigurationSetName=n),
    "delete": lambda c, n: c.delete_configuration_set(ConfigurationSetName=n),
}


@pytest.mark.parametrize("call", PUTS.values(), ids=PUTS.keys())
def test_unknown_set_is_not_found(ses, call):
    expect_error(lambda: call(ses, "ghost"), "NotFoundException", 404)


def test_duplicate_and_delete(ses):
    ses.create_configuration_set(ConfigurationSetName="dup")
    expect_error(
        lambda: ses.create_configuration_set(ConfigurationSetName="dup"), "AlreadyExistsException", 400
    )
    ses.delete_configuration_set(ConfigurationSetName="dup")
    assert ses.list_configuration_sets()["ConfigurationSets"] == []


BAD_CREATES = {
    "name": {"ConfigurationSetName": "no spaces"},
    "long-name": {"ConfigurationSetName": "x" * 65},
    "max-delivery-low": {"DeliveryOptions": {"MaxDeliverySeconds": 299}},
    "max-delivery-high": {"DeliveryOptions": {"MaxDeliverySeconds": 50401}},
    "tls-enum": {"DeliveryOptions": {"TlsPolicy": "MAYBE"}},
    "reason-enum": {"SuppressionOptions": {"SuppressedReasons": ["SPAM"]}},
    "archive-arn": {"ArchivingOptions": {"ArchiveArn": "arn:aws:s3:::bucket/archive-not-ses"}},
    "redirect-domain": {"TrackingOptions": {"CustomRedirectDomain": "not a domain"}},
    "tag-key": {"Tags": [{"Key": "", "Value": "v"}]},
    "tag-value": {"Tags": [{"Key": "k", "Value": "v" * 257}]},
    "too-many-tags": {"Tags": [{"Key": f"k{i}", "Value": ""} for i in range(51)]},
}


@pytest.mark.parametrize("kwargs", BAD_CREATES.values(), ids=BAD_CREATES.keys())
def test_invalid_input_is_a_bad_request(emulator, kwargs):
    # parameter_validation off: botocore would refuse some of these before sending them.
    raw = emulator.client("sesv2", parameter_validation=False)
    expect_error(
        lambda: raw.create_configuration_set(**({"ConfigurationSetName": "ok"} | kwargs)),
        "BadRequestException",
        400,
    )
    assert raw.list_configuration_sets()["ConfigurationSets"] == []


def test_sending_pool_must_exist(ses):
    expect_error(
        lambda: ses.create_configuration_set(
            ConfigurationSetName="x", DeliveryOptions={"SendingPoolName": "nope"}
        ),
        "NotFoundException",
        404,
    )
    ses.create_configuration_set(
        ConfigurationSetName="x", DeliveryOptions={"SendingPoolName": "ses-shared-pool"}
    )
    expect_error(
        lambda: ses.put_configuration_set_delivery_options(ConfigurationSetName="x", SendingPoolName="nope"),
        "NotFoundException",
        404,
    )


def test_paging(ses):
    names = [f"cs-{i:03d}" for i in range(25)]
    for name in names:
        ses.create_configuration_set(ConfigurationSetName=name)
    seen, token = [], None
    while True:
        page = ses.list_configuration_sets(PageSize=7, **({"NextToken": token} if token else {}))
        assert len(page["ConfigurationSets"]) <= 7
        seen += page["ConfigurationSets"]
        token = page.get("NextToken")
        if not token:
            break
    assert seen == names
