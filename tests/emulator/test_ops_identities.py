"""Email identities through boto3 over HTTP: create/get/delete/list, DKIM (Easy and BYODKIM),
the Put...Attributes, policies, tags, and the verification admin actions."""

from __future__ import annotations

import base64
import json
from functools import cache

import ops_support
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from ops_support import expect_error

module_emulator, emulator, ses = ops_support.module_emulator, ops_support.emulator, ops_support.ses

POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "123456789012"},
                "Action": "ses:SendEmail",
                "Resource": "*",
            }
        ],
    }
)


def der_b64(key) -> str:
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return base64.b64encode(der).decode()


@cache
def rsa_key() -> str:
    return der_b64(rsa.generate_private_key(public_exponent=65537, key_size=1024))


def test_domain_gets_three_easy_dkim_tokens(ses):
    created = ses.create_email_identity(EmailIdentity="example.com")
    assert created["IdentityType"] == "DOMAIN" and created["VerifiedForSendingStatus"] is False
    dkim = created["DkimAttributes"]
    assert len(dkim["Tokens"]) == 3 and all(len(t) == 32 for t in dkim["Tokens"])
    assert (dkim["Status"], dkim["SigningAttributesOrigin"], dkim["CurrentSigningKeyLength"]) == (
        "PENDING",
        "AWS_SES",
        "RSA_2048_BIT",
    )
    got = ses.get_email_identity(EmailIdentity="example.com")
    assert got["VerificationStatus"] == "PENDING" and got["DkimAttributes"]["Tokens"] == dkim["Tokens"]
    assert got["FeedbackForwardingStatus"] is True and got["Policies"] == {} and got["Tags"] == []


def test_email_address_identity(ses):
    created = ses.create_email_identity(EmailIdentity="Sender@Example.org")
    assert created["IdentityType"] == "EMAIL_ADDRESS"
    assert created["DkimAttributes"]["Status"] == "NOT_STARTED"
    # Identities are matched without regard to case.
    assert ses.get_email_identity(EmailIdentity="sender@example.org")["IdentityType"] == "EMAIL_ADDRESS"
    expect_error(
        lambda: ses.create_email_identity(EmailIdentity="sender@EXAMPLE.org"), "AlreadyExistsException", 400
    )


def test_domains_are_kept_in_lower_case_and_addresses_as_written(ses):
    # SES lower-cases a domain identity (moto #4050, verified against AWS); the whole address
    # of an address identity is kept (SES: "The entire email address is case-sensitive").
    ses.create_email_identity(EmailIdentity="Example.COM")
    ses.create_email_identity(EmailIdentity="Ana@example.org")
    listed = {i["IdentityName"] for i in ses.list_email_identities()["EmailIdentities"]}
    assert listed == {"example.com", "Ana@example.org"}
    assert ses.get_email_identity(EmailIdentity="EXAMPLE.com")["IdentityType"] == "DOMAIN"
    expect_error(lambda: ses.create_email_identity(EmailIdentity="example.com"), "AlreadyExistsException", 400)


def test_byodkim(ses):
    created = ses.create_email_identity(
        EmailIdentity="byo.example.com",
        DkimSigningAttributes={"DomainSigningSelector": "sel1", "DomainSigningPrivateKey": rsa_key()},
    )
    dkim = created["DkimAttributes"]
    assert (dkim["SigningAttributesOrigin"], dkim["Tokens"], dkim["Status"]) == (
        "EXTERNAL",
        ["sel1"],
        "PENDING",
    )
    # And back to Easy DKIM with a 1024-bit key.
    switched = ses.put_email_identity_dkim_signing_attributes(
        EmailIdentity="byo.example.com",
        SigningAttributesOrigin="AWS_SES",
        SigningAttributes={"NextSigningKeyLength": "RSA_1024_BIT"},
    )
    assert switched["DkimStatus"] == "PENDING" and len(switched["DkimTokens"]) == 3
    assert (
        ses.get_email_identity(EmailIdentity="byo.example.com")["DkimAttributes"]["NextSigningKeyLength"]
        == "RSA_1024_BIT"
    )


BAD_BYO = {
    "selector": {"DomainSigningSelector": "-bad-", "DomainSigningPrivateKey": "QUJD"},
    "not-base64": {"DomainSigningSelector": "s", "DomainSigningPrivateKey": "not base64!"},
    "not-a-key": {"DomainSigningSelector": "s", "DomainSigningPrivateKey": "QUJDRA=="},
    "not-rsa": {
        "DomainSigningSelector": "s",
        "DomainSigningPrivateKey": der_b64(ec.generate_private_key(ec.SECP256R1())),
    },
    "key-without-selector": {"DomainSigningPrivateKey": "QUJD"},
}


@pytest.mark.parametrize("attributes", BAD_BYO.values(), ids=BAD_BYO.keys())
def test_bad_byodkim(emulator, attributes):
    raw = emulator.client("sesv2", parameter_validation=False)
    expect_error(
        lambda: raw.create_email_identity(EmailIdentity="example.net", DkimSigningAttributes=attributes),
        "BadRequestException",
        400,
    )


@pytest.mark.parametrize("name", ["not an identity", "a@", "@b.com", "no-tld"])
def test_bad_identity_names(ses, name):
    expect_error(lambda: ses.create_email_identity(EmailIdentity=name), "BadRequestException", 400)


def test_create_with_configuration_set_and_tags(ses):
    expect_error(
        lambda: ses.create_email_identity(EmailIdentity="a.com", ConfigurationSetName="ghost"),
        "NotFoundException",
        404,
    )
    ses.create_configuration_set(ConfigurationSetName="cs")
    ses.create_email_identity(
        EmailIdentity="a.com", ConfigurationSetName="cs", Tags=[{"Key": "k", "Value": "v"}]
    )
    got = ses.get_email_identity(EmailIdentity="a.com")
    assert got["ConfigurationSetName"] == "cs" and got["Tags"] == [{"Key": "k", "Value": "v"}]
    arn = "arn:aws:ses:us-east-1:123456789012:identity/a.com"
    ses.tag_resource(ResourceArn=arn, Tags=[{"Key": "k2", "Value": "v2"}])
    assert len(ses.list_tags_for_resource(ResourceArn=arn)["Tags"]) == 2
    ses.delete_email_identity(EmailIdentity="a.com")
    expect_error(lambda: ses.list_tags_for_resource(ResourceArn=arn), "NotFoundException", 404)


def test_put_attributes(ses):
    ses.create_configuration_set(ConfigurationSetName="cs")
    ses.create_email_identity(EmailIdentity="example.com")
    ses.put_email_identity_dkim_attributes(EmailIdentity="example.com", SigningEnabled=False)
    ses.put_email_identity_mail_from_attributes(
        EmailIdentity="example.com", MailFromDomain="bounce.example.com", BehaviorOnMxFailure="REJECT_MESSAGE"
    )
    ses.put_email_identity_feedback_attributes(EmailIdentity="example.com", EmailForwardingEnabled=False)
    ses.put_email_identity_configuration_set_attributes(
        EmailIdentity="example.com", ConfigurationSetName="cs"
    )
    got = ses.get_email_identity(EmailIdentity="example.com")
    assert got["DkimAttributes"]["SigningEnabled"] is False
    assert got["MailFromAttributes"] == {
        "MailFromDomain": "bounce.example.com",
        "MailFromDomainStatus": "PENDING",
        "BehaviorOnMxFailure": "REJECT_MESSAGE",
    }
    assert got["FeedbackForwardingStatus"] is False and got["ConfigurationSetName"] == "cs"
    # Clearing: no MAIL FROM domain, no default configuration set.
    ses.put_email_identity_mail_from_attributes(EmailIdentity="example.com")
    ses.put_email_identity_configuration_set_attributes(EmailIdentity="example.com")
    got = ses.get_email_identity(EmailIdentity="example.com")
    # SES keeps reporting MailFromAttributes after a put without a domain: the behaviour only.
    assert got["MailFromAttributes"]["MailFromDomain"] == "" and "ConfigurationSetName" not in got


@pytest.mark.parametrize(
    "domain", ["example.com", "mail.other.com", "mail.example.com.evil.org", "bad domain.example.com"]
)
def test_mail_from_must_be_a_subdomain(ses, domain):
    ses.create_email_identity(EmailIdentity="example.com")
    expect_error(
        lambda: ses.put_email_identity_mail_from_attributes(
            EmailIdentity="example.com", MailFromDomain=domain
        ),
        "BadRequestException",
        400,
    )


PUTS = {
    "dkim": lambda c, n: c.put_email_identity_dkim_attributes(EmailIdentity=n, SigningEnabled=True),
    "signing": lambda c, n: c.put_email_identity_dkim_signing_attributes(
        EmailIdentity=n, SigningAttributesOrigin="AWS_SES"
    ),
    "mail-from": lambda c, n: c.put_email_identity_mail_from_attributes(EmailIdentity=n),
    "feedback": lambda c, n: c.put_email_identity_feedback_attributes(EmailIdentity=n),
    "config-set": lambda c, n: c.put_email_identity_configuration_set_attributes(EmailIdentity=n),
    "get": lambda c, n: c.get_email_identity(EmailIdentity=n),
    "delete": lambda c, n: c.delete_email_identity(EmailIdentity=n),
    "policies": lambda c, n: c.get_email_identity_policies(EmailIdentity=n),
    "create-policy": lambda c, n: c.create_email_identity_policy(
        EmailIdentity=n, PolicyName="p", Policy=POLICY
    ),
}


@pytest.mark.parametrize("call", PUTS.values(), ids=PUTS.keys())
def test_unknown_identity_is_not_found(ses, call):
    expect_error(lambda: call(ses, "ghost.example.com"), "NotFoundException", 404)


def test_configuration_set_attribute_needs_an_existing_set(ses):
    ses.create_email_identity(EmailIdentity="example.com")
    expect_error(
        lambda: ses.put_email_identity_configuration_set_attributes(
            EmailIdentity="example.com", ConfigurationSetName="ghost"
        ),
        "NotFoundException",
        404,
    )


def test_policies(emulator, ses):
    ses.create_email_identity(EmailIdentity="example.com")
    emulator.admin("verify_identity", identity="example.com")
    ses.create_email_identity_policy(EmailIdentity="example.com", PolicyName="p1", Policy=POLICY)
    expect_error(
        lambda: ses.create_email_identity_policy(EmailIdentity="example.com", PolicyName="p1", Policy=POLICY),
        "AlreadyExistsException",
        400,
    )
    expect_error(
        lambda: ses.create_email_identity_policy(
            EmailIdentity="example.com", PolicyName="p2", Policy="{not json"
        ),
        "BadRequestException",
        400,
    )
    updated = POLICY.replace("SendEmail", "SendRawEmail")
    ses.update_email_identity_policy(EmailIdentity="example.com", PolicyName="p1", Policy=updated)
    assert ses.get_email_identity_policies(EmailIdentity="example.com")["Policies"] == {"p1": updated}
    assert ses.get_email_identity(EmailIdentity="example.com")["Policies"] == {"p1": updated}
    # Update and Delete of a policy that does not exist succeed (API reference); the update stores it.
    ses.update_email_identity_policy(EmailIdentity="example.com", PolicyName="p9", Policy=POLICY)
    ses.delete_email_identity_policy(EmailIdentity="example.com", PolicyName="p9")
    ses.delete_email_identity_policy(EmailIdentity="example.com", PolicyName="p1")
    ses.delete_email_identity_policy(EmailIdentity="example.com", PolicyName="p1")
    for i in range(20):
        ses.create_email_identity_policy(EmailIdentity="example.com", PolicyName=f"p{i}", Policy=POLICY)
    expect_error(
        lambda: ses.create_email_identity_policy(
            EmailIdentity="example.com", PolicyName="p20", Policy=POLICY
        ),
        "LimitExceededException",
        400,
    )


def test_list_and_paging(ses):
    names = [f"d{i:02d}.example.com" for i in range(7)] + ["a@example.com"]
    for name in names:
        ses.create_email_identity(EmailIdentity=name)
    first = ses.list_email_identities(PageSize=5)
    second = ses.list_email_identities(PageSize=5, NextToken=first["NextToken"])
    listed = first["EmailIdentities"] + second["EmailIdentities"]
    assert [i["IdentityName"] for i in listed] == sorted(names)
    assert listed[0] == {
        "IdentityType": "EMAIL_ADDRESS",
        "IdentityName": "a@example.com",
        "SendingEnabled": False,
        "VerificationStatus": "PENDING",
    }
    assert "NextToken" not in second


def test_verify_identity_admin_action(emulator, ses):
    ses.create_email_identity(EmailIdentity="example.com")
    emulator.admin("verify_identity", identity="example.com")
    got = ses.get_email_identity(EmailIdentity="example.com")
    assert got["VerificationStatus"] == "SUCCESS" and got["VerifiedForSendingStatus"] is True
    assert got["DkimAttributes"]["Status"] == "SUCCESS" and "LastSuccessTimestamp" in got["VerificationInfo"]
    emulator.admin(
        "verify_identity", identity="example.com", status="FAILED", dkim_status="TEMPORARY_FAILURE"
    )
    got = ses.get_email_identity(EmailIdentity="example.com")
    assert (got["VerificationStatus"], got["DkimAttributes"]["Status"]) == ("FAILED", "TEMPORARY_FAILURE")
    # An identity that does not exist yet is created, then verified.
    emulator.admin("verify_identity", identity="sender@local.test")
    assert ses.get_email_identity(EmailIdentity="sender@local.test")["VerificationStatus"] == "SUCCESS"


def test_configure_identities_default_status(emulator, ses):
    emulator.admin("configure_identities", default_status="SUCCESS")
    created = ses.create_email_identity(EmailIdentity="fast.example.com")
    assert created["VerifiedForSendingStatus"] is True and created["DkimAttributes"]["Status"] == "SUCCESS"


def test_signing_attributes_need_a_domain_and_a_key(ses):
    ses.create_email_identity(EmailIdentity="example.com")
    ses.create_email_identity(EmailIdentity="a@example.com")
    expect_error(
        lambda: ses.put_email_identity_dkim_signing_attributes(
            EmailIdentity="example.com", SigningAttributesOrigin="EXTERNAL"
        ),
        "BadRequestException",
        400,
    )
    expect_error(
        lambda: ses.put_email_identity_dkim_signing_attributes(
            EmailIdentity="a@example.com", SigningAttributesOrigin="AWS_SES"
        ),
        "BadRequestException",
        400,
    )
    switched = ses.put_email_identity_dkim_signing_attributes(
        EmailIdentity="example.com",
        SigningAttributesOrigin="EXTERNAL",
        SigningAttributes={"DomainSigningSelector": "s2", "DomainSigningPrivateKey": rsa_key()},
    )
    assert switched == {
        "DkimStatus": "PENDING",
        "DkimTokens": ["s2"],
        "ResponseMetadata": switched["ResponseMetadata"],
    }
