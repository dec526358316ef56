"""Tenants, their resource associations and the reputation entities, through boto3 over HTTP."""

from __future__ import annotations

import ops_support
import pytest
from ops_support import expect_error

module_emulator, emulator, ses = ops_support.module_emulator, ops_support.emulator, ops_support.ses

ARN = "arn:aws:ses:us-east-1:123456789012:"
STANDARD = "arn:aws:ses:us-east-1:aws:reputation-policy/standard"


def _resources(ses):
    ses.create_email_identity(EmailIdentity="example.com")
    ses.create_configuration_set(ConfigurationSetName="tx")
    ses.create_email_template(TemplateName="welcome", TemplateContent={"Subject": "s", "Text": "t"})
    return {
        "EMAIL_IDENTITY": ARN + "identity/example.com",
        "CONFIGURATION_SET": ARN + "configuration-set/tx",
        "EMAIL_TEMPLATE": ARN + "template/welcome",
    }


def test_create_get_list_delete(ses):
    created = ses.create_tenant(TenantName="acme", Tags=[{"Key": "team", "Value": "mail"}])
    assert created["TenantName"] == "acme" and created["SendingStatus"] == "ENABLED"
    assert created["TenantId"].startswith("tn-")
    assert created["TenantArn"] == f"{ARN}tenant/acme/{created['TenantId']}"
    got = ses.get_tenant(TenantName="acme")["Tenant"]
    assert got["Tags"] == [{"Key": "team", "Value": "mail"}]
    assert {k: got[k] for k in ("TenantId", "TenantArn")} == {k: created[k] for k in ("TenantId", "TenantArn")}
    ses.create_tenant(TenantName="beta")
    listed = ses.list_tenants()["Tenants"]
    assert [t["TenantName"] for t in listed] == ["acme", "beta"]
    assert "Tags" not in listed[0]  # TenantInfo has no tags
    ses.delete_tenant(TenantName="acme")
    assert [t["TenantName"] for t in ses.list_tenants()["Tenants"]] == ["beta"]
    expect_error(lambda: ses.get_tenant(TenantName="acme"), "NotFoundException", 404)
    expect_error(lambda: ses.delete_tenant(TenantName="acme"), "NotFoundException", 404)


def test_create_refuses_a_taken_or_bad_name(ses):
    ses.create_tenant(TenantName="acme")
    expect_error(lambda: ses.create_tenant(TenantName="acme"), "AlreadyExistsException", 400)
    for bad in ("has space", "x" * 65, "dot.ted"):
        expect_error(lambda bad=bad: ses.create_tenant(TenantName=bad), "BadRequestException", 400)
    expect_error(
        lambda: ses.create_tenant(TenantName="t", Tags=[{"Key": "aws:x", "Value": "v"}]), "BadRequestException", 400
    )


def test_tenants_are_paged(ses):
    for i in range(5):
        ses.create_tenant(TenantName=f"t{i}")
    first = ses.list_tenants(PageSize=2)
    assert [t["TenantName"] for t in first["Tenants"]] == ["t0", "t1"]
    rest = ses.list_tenants(PageSize=10, NextToken=first["NextToken"])
    assert [t["TenantName"] for t in rest["Tenants"]] == ["t2", "t3", "t4"] and "NextToken" not in rest
    expect_error(lambda: ses.list_tenants(NextToken="garbage"), "BadRequestException", 400)


def test_associations(ses):
    arns = _resources(ses)
    ses.create_tenant(TenantName="acme")
    ses.create_tenant(TenantName="beta")
    for arn in arns.values():
        ses.create_tenant_resource_association(TenantName="acme", ResourceArn=arn)
    ses.create_tenant_resource_association(TenantName="beta", ResourceArn=arns["EMAIL_TEMPLATE"])  # shared
    listed = ses.list_tenant_resources(TenantName="acme")["TenantResources"]
    assert sorted((r["ResourceType"], r["ResourceArn"]) for r in listed) == sorted(
        (kind, arn) for kind, arn in arns.items()
    )
    only = ses.list_tenant_resources(TenantName="acme", Filter={"RESOURCE_TYPE": "CONFIGURATION_SET"})
    assert [r["ResourceArn"] for r in only["TenantResources"]] == [arns["CONFIGURATION_SET"]]
    users = ses.list_resource_tenants(ResourceArn=arns["EMAIL_TEMPLATE"])["ResourceTenants"]
    assert [u["TenantName"] for u in users] == ["acme", "beta"]
    assert all(u["ResourceArn"] == arns["EMAIL_TEMPLATE"] and u["TenantId"].startswith("tn-") for u in users)

    expect_error(
        lambda: ses.create_tenant_resource_association(TenantName="acme", ResourceArn=arns["EMAIL_IDENTITY"]),
        "AlreadyExistsException",
        400,
    )
    ses.delete_tenant_resource_association(TenantName="acme", ResourceArn=arns["EMAIL_IDENTITY"])
    expect_error(
        lambda: ses.delete_tenant_resource_association(TenantName="acme", ResourceArn=arns["EMAIL_IDENTITY"]),
        "NotFoundException",
        404,
    )
    # Deleting a tenant removes its associations, never the resources.
    ses.delete_tenant(TenantName="beta")
    assert [u["TenantName"] for u in ses.list_resource_tenants(ResourceArn=arns["EMAIL_TEMPLATE"])["ResourceTenants"]] == ["acme"]
    ses.get_email_template(TemplateName="welcome")


BAD_ARNS = {
    "not-an-arn": ("nonsense", "BadRequestException", 400),
    "pool": (ARN + "dedicated-ip-pool/p", "BadRequestException", 400),
    "missing": (ARN + "template/ghost", "NotFoundException", 404),
    "other-region": ("arn:aws:ses:eu-west-1:123456789012:template/welcome", "NotFoundException", 404),
    "other-account": ("arn:aws:ses:us-east-1:999999999999:template/welcome", "NotFoundException", 404),
}


@pytest.mark.parametrize(("arn", "code", "status"), BAD_ARNS.values(), ids=BAD_ARNS.keys())
def test_association_refuses_what_is_not_an_associable_resource(ses, arn, code, status):
    _resources(ses)
    ses.create_tenant(TenantName="acme")
    expect_error(lambda: ses.create_tenant_resource_association(TenantName="acme", ResourceArn=arn), code, status)
    expect_error(lambda: ses.list_resource_tenants(ResourceArn=arn), code, status)


def test_associated_identities_and_configuration_sets_cannot_be_deleted(ses):
    arns = _resources(ses)
    ses.create_tenant(TenantName="acme")
    for arn in arns.values():
        ses.create_tenant_resource_association(TenantName="acme", ResourceArn=arn)
    message = expect_error(lambda: ses.delete_email_identity(EmailIdentity="example.com"), "BadRequestException", 400)
    assert "acme" in message
    expect_error(lambda: ses.delete_configuration_set(ConfigurationSetName="tx"), "BadRequestException", 400)
    # A template may go; its association goes with it.
    ses.delete_email_template(TemplateName="welcome")
    kinds = [r["ResourceType"] for r in ses.list_tenant_resources(TenantName="acme")["TenantResources"]]
    assert sorted(kinds) == ["CONFIGURATION_SET", "EMAIL_IDENTITY"]
    ses.delete_tenant(TenantName="acme")
    ses.delete_email_identity(EmailIdentity="example.com")
    ses.delete_configuration_set(ConfigurationSetName="tx")


def test_unknown_tenant_in_association_calls(ses):
    arns = _resources(ses)
    for call in (
        lambda: ses.create_tenant_resource_association(TenantName="ghost", ResourceArn=arns["EMAIL_TEMPLATE"]),
        lambda: ses.delete_tenant_resource_association(TenantName="ghost", ResourceArn=arns["EMAIL_TEMPLATE"]),
        lambda: ses.list_tenant_resources(TenantName="ghost"),
    ):
        expect_error(call, "NotFoundException", 404)


def test_tenant_tags_through_its_arn(ses):
    arn = ses.create_tenant(TenantName="acme")["TenantArn"]
    ses.tag_resource(ResourceArn=arn, Tags=[{"Key": "a", "Value": "1"}])
    assert ses.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "a", "Value": "1"}]
    assert ses.get_tenant(TenantName="acme")["Tenant"]["Tags"] == [{"Key": "a", "Value": "1"}]
    ses.delete_tenant(TenantName="acme")
    again = ses.create_tenant(TenantName="acme")["TenantArn"]
    assert again != arn  # a new id
    expect_error(lambda: ses.list_tags_for_resource(ResourceArn=arn), "NotFoundException", 404)
    assert ses.list_tags_for_resource(ResourceArn=again)["Tags"] == []


def test_reputation_entity_of_a_new_tenant(ses):
    arn = ses.create_tenant(TenantName="acme")["TenantArn"]
    entity = ses.get_reputation_entity(ReputationEntityType="RESOURCE", ReputationEntityReference=arn)[
        "ReputationEntity"
    ]
    assert entity["ReputationEntityReference"] == arn and entity["ReputationEntityType"] == "RESOURCE"
    assert entity["ReputationManagementPolicy"] == STANDARD
    assert entity["CustomerManagedStatus"]["Status"] == "ENABLED"
    assert entity["AwsSesManagedStatus"]["Status"] == "ENABLED"
    assert entity["SendingStatusAggregate"] == "ENABLED" and "ReputationImpact" not in entity
    expect_error(
        lambda: ses.get_reputation_entity(ReputationEntityType="RESOURCE", ReputationEntityReference=arn + "x"),
        "NotFoundException",
        404,
    )


def test_reputation_policy_and_customer_status(ses):
    arn = ses.create_tenant(TenantName="acme")["TenantArn"]
    strict = STANDARD.replace("standard", "strict")
    ses.update_reputation_entity_policy(
        ReputationEntityType="RESOURCE", ReputationEntityReference=arn, ReputationEntityPolicy=strict
    )
    for bad in ("arn:aws:ses:us-east-1:aws:reputation-policy/lenient", STANDARD.replace("us-east-1", "eu-west-1")):
        expect_error(
            lambda bad=bad: ses.update_reputation_entity_policy(
                ReputationEntityType="RESOURCE", ReputationEntityReference=arn, ReputationEntityPolicy=bad
            ),
            "BadRequestException",
            400,
        )
    ses.update_reputation_entity_customer_managed_status(
        ReputationEntityType="RESOURCE", ReputationEntityReference=arn, SendingStatus="DISABLED"
    )
    entity = ses.get_reputation_entity(ReputationEntityType="RESOURCE", ReputationEntityReference=arn)[
        "ReputationEntity"
    ]
    assert entity["ReputationManagementPolicy"] == strict
    assert (entity["CustomerManagedStatus"]["Status"], entity["SendingStatusAggregate"]) == ("DISABLED", "DISABLED")
    assert ses.get_tenant(TenantName="acme")["Tenant"]["SendingStatus"] == "DISABLED"
    ses.update_reputation_entity_customer_managed_status(
        ReputationEntityType="RESOURCE", ReputationEntityReference=arn, SendingStatus="REINSTATED"
    )
    assert ses.get_tenant(TenantName="acme")["Tenant"]["SendingStatus"] == "REINSTATED"
    expect_error(
        lambda: ses.update_reputation_entity_customer_managed_status(
            ReputationEntityType="RESOURCE", ReputationEntityReference=ARN + "tenant/ghost/tn-1", SendingStatus="ENABLED"
        ),
        "BadRequestException",
        400,
    )


def test_list_reputation_entities_filters_and_pages(ses):
    arns = [ses.create_tenant(TenantName=name)["TenantArn"] for name in ("a1", "a2", "b1")]
    ses.update_reputation_entity_customer_managed_status(
        ReputationEntityType="RESOURCE", ReputationEntityReference=arns[1], SendingStatus="DISABLED"
    )

    def refs(**kwargs):
        return [e["ReputationEntityReference"] for e in ses.list_reputation_entities(**kwargs)["ReputationEntities"]]

    assert refs() == sorted(arns)
    assert refs(Filter={"SENDING_STATUS": "DISABLED"}) == [arns[1]]
    assert refs(Filter={"ENTITY_REFERENCE_PREFIX": ARN + "tenant/a"}) == sorted(arns[:2])
    assert refs(Filter={"ENTITY_TYPE": "RESOURCE"}) == sorted(arns)
    assert refs(Filter={"REPUTATION_IMPACT": "HIGH"}) == []
    page = ses.list_reputation_entities(PageSize=2)
    assert len(page["ReputationEntities"]) == 2
    rest = ses.list_reputation_entities(NextToken=page["NextToken"])["ReputationEntities"]
    assert len(rest) == 1
    expect_error(lambda: ses.list_reputation_entities(Filter={"NOPE": "x"}), "BadRequestException", 400)


# ---- sends through a tenant (TenantName) ----------------------------------------------------

TO = {"ToAddresses": ["success@simulator.amazonses.com"]}
SIMPLE = {"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}}
TEMPLATED = {"Template": {"TemplateName": "welcome", "TemplateData": "{}"}}


def _sending_tenant(emulator, ses):
    arns = _resources(ses)
    emulator.admin("verify_identity", identity="example.com")
    ses.create_tenant(TenantName="acme")
    return arns


def _bulk(ses, **extra):
    return ses.send_bulk_email(
        FromEmailAddress="news@example.com",
        DefaultContent={"Template": {"TemplateName": "welcome", "TemplateData": "{}"}},
        BulkEmailEntries=[{"Destination": TO}],
        **extra,
    )


def test_a_send_through_an_unknown_tenant_is_refused(emulator, ses):
    _sending_tenant(emulator, ses)
    for send in (
        lambda: ses.send_email(FromEmailAddress="news@example.com", Destination=TO, Content=SIMPLE, TenantName="ghost"),
        lambda: _bulk(ses, TenantName="ghost"),
    ):
        message = expect_error(send, "NotFoundException", 404)
        assert message == "Tenant ghost for AwsAccountId 123456789012 not found."
    assert emulator.admin("sent_messages") == []


def test_a_tenant_sends_only_with_the_resources_associated_with_it(emulator, ses):
    """SES: the send succeeds only if the identity, configuration set and template it references
    are associated with the tenant; the refusal names every one missing."""
    arns = _sending_tenant(emulator, ses)
    identity, config_set, template = arns["EMAIL_IDENTITY"], arns["CONFIGURATION_SET"], arns["EMAIL_TEMPLATE"]

    def templated():
        return ses.send_email(
            FromEmailAddress="news@example.com", Destination=TO, Content=TEMPLATED,
            ConfigurationSetName="tx", TenantName="acme",
        )  # fmt: skip

    message = expect_error(templated, "AccessDeniedException", 403)
    assert message == f"Tenant not associated with resources [{identity}, {config_set}, {template}]."
    ses.create_tenant_resource_association(TenantName="acme", ResourceArn=identity)
    simple = ses.send_email(FromEmailAddress="news@example.com", Destination=TO, Content=SIMPLE, TenantName="acme")
    assert expect_error(templated, "AccessDeniedException", 403) == (
        f"Tenant not associated with resources [{config_set}, {template}]."
    )
    assert expect_error(lambda: _bulk(ses, TenantName="acme"), "AccessDeniedException", 403) == (
        f"Tenant not associated with resources [{template}]."
    )
    for arn in (config_set, template):
        ses.create_tenant_resource_association(TenantName="acme", ResourceArn=arn)
    sent = templated()
    (entry,) = _bulk(ses, TenantName="acme", ConfigurationSetName="tx")["BulkEmailEntryResults"]
    assert entry["Status"] == "SUCCESS"
    by_id = {m["message_id"]: m for m in emulator.admin("sent_messages")}
    assert {by_id[mid]["tenant"] for mid in (simple["MessageId"], sent["MessageId"], entry["MessageId"])} == {"acme"}
    # without TenantName nothing changes: no tenant, no association needed
    other = ses.send_email(FromEmailAddress="news@example.com", Destination=TO, Content=SIMPLE)
    assert {m["message_id"]: m for m in emulator.admin("sent_messages")}[other["MessageId"]]["tenant"] is None


def test_the_identitys_default_configuration_set_must_be_associated_too(emulator, ses):
    arns = _sending_tenant(emulator, ses)
    ses.create_tenant_resource_association(TenantName="acme", ResourceArn=arns["EMAIL_IDENTITY"])
    ses.put_email_identity_configuration_set_attributes(EmailIdentity="example.com", ConfigurationSetName="tx")

    def send():
        return ses.send_email(FromEmailAddress="news@example.com", Destination=TO, Content=SIMPLE, TenantName="acme")

    assert expect_error(send, "AccessDeniedException", 403) == (
        f"Tenant not associated with resources [{arns['CONFIGURATION_SET']}]."
    )
    ses.create_tenant_resource_association(TenantName="acme", ResourceArn=arns["CONFIGURATION_SET"])
    assert send()["MessageId"]


def test_a_disabled_tenant_cannot_send(emulator, ses):
    """The reputation entity's aggregate status DISABLED stops the tenant sending; REINSTATED
    sends again; other tenants and sends without a tenant are not affected."""
    arns = _sending_tenant(emulator, ses)
    ses.create_tenant(TenantName="beta")
    for tenant in ("acme", "beta"):
        for arn in (arns["EMAIL_IDENTITY"], arns["EMAIL_TEMPLATE"]):
            ses.create_tenant_resource_association(TenantName=tenant, ResourceArn=arn)
    tenant_arn = ses.get_tenant(TenantName="acme")["Tenant"]["TenantArn"]

    def status(value):
        ses.update_reputation_entity_customer_managed_status(
            ReputationEntityType="RESOURCE", ReputationEntityReference=tenant_arn, SendingStatus=value
        )

    def send(tenant=None):
        extra = {"TenantName": tenant} if tenant else {}
        return ses.send_email(FromEmailAddress="news@example.com", Destination=TO, Content=SIMPLE, **extra)

    status("DISABLED")
    expect_error(lambda: send("acme"), "SendingPausedException", 400)
    expect_error(lambda: _bulk(ses, TenantName="acme"), "SendingPausedException", 400)
    assert send("beta")["MessageId"] and send()["MessageId"]
    status("REINSTATED")
    assert send("acme")["MessageId"]
