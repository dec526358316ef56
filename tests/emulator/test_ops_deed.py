"""Deterministic Easy DKIM (DEED) replicas and the signing hosted zone, through boto3 over HTTP."""

from __future__ import annotations

import ops_support
import pytest
from ops_support import expect_error

module_emulator, emulator, ses = ops_support.module_emulator, ops_support.emulator, ops_support.ses

REPLICA = {"DomainSigningAttributesOrigin": "AWS_SES_US_EAST_1"}


def _parent(emulator, status="SUCCESS"):
    parent = emulator.client("sesv2").create_email_identity(EmailIdentity="example.com")
    emulator.admin("verify_identity", identity="example.com", status=status)
    return parent["DkimAttributes"]["Tokens"]


def test_a_replica_shares_its_parents_tokens_and_status(emulator):
    tokens = _parent(emulator)
    replica = emulator.client("sesv2", region="eu-west-1")
    created = replica.create_email_identity(EmailIdentity="example.com", DkimSigningAttributes=REPLICA)
    assert created["VerifiedForSendingStatus"] is True
    dkim = replica.get_email_identity(EmailIdentity="example.com")["DkimAttributes"]
    assert dkim["SigningAttributesOrigin"] == "AWS_SES_US_EAST_1"
    assert dkim["Tokens"] == tokens and dkim["Status"] == "SUCCESS"
    assert dkim["SigningHostedZone"] == "dkim.amazonses.com"
    # The parent's status moves the replica's (the DNS records are the same).
    emulator.admin("verify_identity", identity="example.com", status="FAILED")
    got = replica.get_email_identity(EmailIdentity="example.com")
    assert (got["VerificationStatus"], got["DkimAttributes"]["Status"]) == ("FAILED", "FAILED")
    listed = replica.list_email_identities()["EmailIdentities"]
    assert [i["VerificationStatus"] for i in listed] == ["FAILED"]


def test_a_replica_can_leave_deed_for_its_own_easy_dkim(emulator):
    tokens = _parent(emulator)
    replica = emulator.client("sesv2", region="eu-west-1")
    replica.create_email_identity(EmailIdentity="example.com", DkimSigningAttributes=REPLICA)
    answer = replica.put_email_identity_dkim_signing_attributes(
        EmailIdentity="example.com", SigningAttributesOrigin="AWS_SES"
    )
    assert answer["DkimTokens"] != tokens and answer["DkimStatus"] == "PENDING"
    expect_error(
        lambda: replica.put_email_identity_dkim_signing_attributes(
            EmailIdentity="example.com", SigningAttributesOrigin="AWS_SES_US_EAST_1"
        ),
        "BadRequestException",
        400,
    )


REFUSED = {
    "parent-missing": ("other.com", REPLICA, "NotFoundException", 404),
    "own-region": ("example.com", {"DomainSigningAttributesOrigin": "AWS_SES_EU_WEST_1"}, "BadRequestException", 400),
    "with-byodkim": (
        "example.com",
        {**REPLICA, "DomainSigningSelector": "s1", "DomainSigningPrivateKey": "eA=="},
        "BadRequestException",
        400,
    ),
}


@pytest.mark.parametrize(("name", "attributes", "code", "status"), REFUSED.values(), ids=REFUSED.keys())
def test_replicas_refused(emulator, name, attributes, code, status):
    _parent(emulator)
    replica = emulator.client("sesv2", region="eu-west-1")
    expect_error(
        lambda: replica.create_email_identity(EmailIdentity=name, DkimSigningAttributes=attributes), code, status
    )
    assert replica.list_email_identities()["EmailIdentities"] == []


def test_an_unverified_parent_cannot_be_replicated(emulator):
    _parent(emulator, status="PENDING")
    replica = emulator.client("sesv2", region="eu-west-1")
    message = expect_error(
        lambda: replica.create_email_identity(EmailIdentity="example.com", DkimSigningAttributes=REPLICA),
        "BadRequestException",
        400,
    )
    assert "verified" in message


def test_easy_dkim_domains_report_their_signing_hosted_zone(ses):
    ses.create_email_identity(EmailIdentity="example.com")
    assert ses.get_email_identity(EmailIdentity="example.com")["DkimAttributes"]["SigningHostedZone"] == (
        "dkim.amazonses.com"
    )
    ses.create_email_identity(EmailIdentity="ops@example.com")
    assert "SigningHostedZone" not in ses.get_email_identity(EmailIdentity="ops@example.com")["DkimAttributes"]


def test_the_manifests_replica_origins_are_the_models() -> None:
    from typing import get_args

    from botocore.model import StringShape

    from reconciler.emulator.router import service_model
    from reconciler.ses_types import ReplicaOrigin

    shape = service_model().shape_for("DkimSigningAttributesOrigin")
    assert isinstance(shape, StringShape)
    enum = shape.enum
    assert sorted(get_args(ReplicaOrigin)) == sorted(set(enum) - {"AWS_SES", "EXTERNAL"})
