"""aws_context: local sessions, role assumption through STS, and readable errors for bad set-ups."""

from __future__ import annotations

import pytest

from reconciler.aws.clients import aws_context
from reconciler.errors import AwsError, UsageError
from reconciler.settings import Settings

ROLE = "arn:aws:iam::123456789012:role/sesctl-apply"


@pytest.fixture
def base_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "base-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "base-secret")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def test_role_is_assumed_before_ses_is_called(emulator, base_credentials) -> None:
    settings = Settings(region="us-east-1", endpoint_url=emulator.endpoint_url, role_arn=ROLE)
    aws = aws_context(settings)
    creds = aws.session().get_credentials().get_frozen_credentials()
    # The STS answer (moto, on the emulator's endpoint) replaced the base credentials.
    assert creds.access_key != "base-key"
    assert creds.token
    identity = aws.client("sts").get_caller_identity()
    assert "assumed-role/sesctl-apply/sesctl" in identity["Arn"]
    assert aws.client("sesv2").list_email_templates()["TemplatesMetadata"] == []


def test_without_role_the_base_credentials_are_used(emulator, base_credentials) -> None:
    settings = Settings(region="us-east-1", endpoint_url=emulator.endpoint_url)
    aws = aws_context(settings)
    assert aws.session().get_credentials().get_frozen_credentials().access_key == "base-key"


def test_no_credentials_to_assume_with_is_explained(monkeypatch, tmp_path) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # Not loopback (which would get dummy keys); boto3 refuses to sign before any connection.
    settings = Settings(region="us-east-1", endpoint_url="https://sts.example.invalid", role_arn=ROLE)
    aws = aws_context(settings)
    with pytest.raises(AwsError) as info:
        aws.session()
    assert "no AWS credentials" in str(info.value)
    assert info.value.hint and "--local" in info.value.hint


def test_unknown_profile_is_a_usage_error(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    aws = aws_context(Settings(profile="does-not-exist"))
    with pytest.raises(UsageError) as info:
        aws.session()
    assert "does-not-exist" in str(info.value)


def test_a_session_already_in_the_role_does_not_assume_it_again(emulator, monkeypatch) -> None:
    # As after GitHub's OIDC step: the credentials in the environment are the role's own.
    creds = emulator.client("sts").assume_role(RoleArn=ROLE, RoleSessionName="github-actions")["Credentials"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", creds["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", creds["SecretAccessKey"])
    monkeypatch.setenv("AWS_SESSION_TOKEN", creds["SessionToken"])
    settings = Settings(region="us-east-1", endpoint_url=emulator.endpoint_url, role_arn=ROLE)
    aws = aws_context(settings)
    assert aws.session().get_credentials().get_frozen_credentials().access_key == creds["AccessKeyId"]


@pytest.mark.parametrize(
    ("caller", "expected"),
    [
        ("arn:aws:sts::123456789012:assumed-role/sesctl-apply/gha", True),
        ("arn:aws:sts::123456789012:assumed-role/other/gha", False),
        ("arn:aws:sts::999999999999:assumed-role/sesctl-apply/gha", False),
        ("arn:aws:iam::123456789012:user/ada", False),
    ],
)
def test_already_in_role(caller: str, expected: bool) -> None:
    from reconciler.aws.clients import _already_in_role

    assert _already_in_role(caller, ROLE) is expected


def test_a_loopback_endpoint_needs_no_credentials(emulator, monkeypatch, tmp_path) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    aws = aws_context(Settings(region="us-east-1", endpoint_url=emulator.endpoint_url))
    assert aws.client("sesv2").list_email_templates()["TemplatesMetadata"] == []
    aws = aws_context(Settings(region="us-east-1", endpoint_url="https://email.example.com"))
    assert aws.session().get_credentials() is None  # a real endpoint never gets made-up keys
