"""TagResource / UntagResource / ListTagsForResource on every taggable resource kind."""

from __future__ import annotations

import ops_support
import pytest
from ops_support import expect_error

module_emulator, emulator, ses = ops_support.module_emulator, ops_support.emulator, ops_support.ses

ARN = "arn:aws:ses:us-east-1:123456789012:"
KINDS = {
    "template": (
        lambda c: c.create_email_template(TemplateName="r", TemplateContent={"Subject": "s"}),
        lambda c: c.delete_email_template(TemplateName="r"),
        "template/r",
    ),
    "configuration-set": (
        lambda c: c.create_configuration_set(ConfigurationSetName="r"),
        lambda c: c.delete_configuration_set(ConfigurationSetName="r"),
        "configuration-set/r",
    ),
    "pool": (
        lambda c: c.create_dedicated_ip_pool(PoolName="r"),
        lambda c: c.delete_dedicated_ip_pool(PoolName="r"),
        "dedicated-ip-pool/r",
    ),
}


@pytest.mark.parametrize(("create", "delete", "resource"), KINDS.values(), ids=KINDS.keys())
def test_tag_lifecycle(ses, create, delete, resource):
    arn = ARN + resource
    create(ses)
    assert ses.list_tags_for_resource(ResourceArn=arn)["Tags"] == []
    ses.tag_resource(ResourceArn=arn, Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": ""}])
    ses.tag_resource(ResourceArn=arn, Tags=[{"Key": "a", "Value": "2"}])  # overwrite, keep b
    assert ses.list_tags_for_resource(ResourceArn=arn)["Tags"] == [
        {"Key": "a", "Value": "2"},
        {"Key": "b", "Value": ""},
    ]
    ses.untag_resource(ResourceArn=arn, TagKeys=["a", "not-there"])
    assert ses.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "b", "Value": ""}]
    # Tags go with the resource: a new one of the same name starts clean.
    delete(ses)
    expect_error(lambda: ses.list_tags_for_resource(ResourceArn=arn), "NotFoundException", 404)
    create(ses)
    assert ses.list_tags_for_resource(ResourceArn=arn)["Tags"] == []


@pytest.mark.parametrize(
    "arn",
    [
        ARN + "template/ghost",
        "arn:aws:ses:eu-west-1:123456789012:template/r",
        "arn:aws:ses:us-east-1:999999999999:template/r",
    ],
    ids=["unknown-name", "other-region", "other-account"],
)
def test_unknown_resources_are_not_found(ses, arn):
    ses.create_email_template(TemplateName="r", TemplateContent={"Subject": "s"})
    expect_error(lambda: ses.list_tags_for_resource(ResourceArn=arn), "NotFoundException", 404)
    expect_error(
        lambda: ses.tag_resource(ResourceArn=arn, Tags=[{"Key": "k", "Value": "v"}]), "NotFoundException", 404
    )


BAD_TAGS = {
    "empty-key": [{"Key": "", "Value": "v"}],
    "long-key": [{"Key": "k" * 129, "Value": "v"}],
    "long-value": [{"Key": "k", "Value": "v" * 257}],
    "aws-prefix": [{"Key": "aws:owner", "Value": "v"}],
    # SES's Tag reference: keys unique, aws: reserved in values too.
    "aws-prefix-value": [{"Key": "owner", "Value": "aws:ses"}],
    "duplicate-key": [{"Key": "team", "Value": "a"}, {"Key": "team", "Value": "b"}],
    "none": [],
}


def test_tags_allow_unicode_letters_spaces_and_symbols(ses):
    tags = [{"Key": "équipe data", "Value": "ana@example.com"}, {"Key": "path/k=v+x-y_z.1:2", "Value": "Shop (1)"}]
    ses.create_configuration_set(ConfigurationSetName="r", Tags=tags)
    assert ses.list_tags_for_resource(ResourceArn=ARN + "configuration-set/r")["Tags"] == tags


@pytest.mark.parametrize("tags", BAD_TAGS.values(), ids=BAD_TAGS.keys())
def test_bad_tags(emulator, tags):
    raw = emulator.client("sesv2", parameter_validation=False)
    raw.create_configuration_set(ConfigurationSetName="r")
    expect_error(
        lambda: raw.tag_resource(ResourceArn=ARN + "configuration-set/r", Tags=tags),
        "BadRequestException",
        400,
    )


def test_fifty_tags_at_most(ses):
    ses.create_configuration_set(
        ConfigurationSetName="r", Tags=[{"Key": f"k{i}", "Value": ""} for i in range(50)]
    )
    expect_error(
        lambda: ses.tag_resource(
            ResourceArn=ARN + "configuration-set/r", Tags=[{"Key": "one-more", "Value": ""}]
        ),
        "BadRequestException",
        400,
    )


def test_malformed_arn(ses):
    expect_error(lambda: ses.list_tags_for_resource(ResourceArn="not-an-arn"), "BadRequestException", 400)
