"""SesGateway against the emulator: retries on throttling and 5xx (the emulator's own throttle
and fault injection), giving up with a hint, error mapping, paging, shared reads."""

from __future__ import annotations

import threading
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from reconciler.aws.clients import AwsContext
from reconciler.aws.gateway import SesGateway, map_error
from reconciler.aws.ratelimit import RateLimits, RetryPolicy
from reconciler.errors import AwsError, RetryableAwsError
from reconciler.testing import ACCOUNT_ID, LocalEmulator

FAST = RetryPolicy(max_attempts=8, base=0.05, cap=0.4)


def fast_gateway(emulator: LocalEmulator, retry: RetryPolicy = FAST) -> SesGateway:
    return SesGateway(
        emulator.client("sesv2"),
        limits=RateLimits(default=1000, burst=1000),
        retry=retry,
        account_id=ACCOUNT_ID,
        seed=3,
    )


def test_throttled_calls_are_retried_with_backoff_until_they_succeed(emulator: LocalEmulator) -> None:
    emulator.configure(throttle_rps=8)  # the server refuses bursts faster than 8/s with 429
    gateway = fast_gateway(emulator)
    for _ in range(20):
        gateway.call("GetAccount")
    assert gateway.retries["GetAccount"] > 0
    assert gateway.calls["GetAccount"] == 20 + gateway.retries["GetAccount"]


def test_injected_throttling_is_retried_then_succeeds(emulator: LocalEmulator) -> None:
    emulator.configure(
        fault_rate=0.5, fault_kind="throttle", fault_operations=["ListEmailTemplates"], seed=11
    )
    gateway = fast_gateway(emulator)
    for _ in range(10):
        assert gateway.call("ListEmailTemplates")["TemplatesMetadata"] == []
    assert gateway.retries["ListEmailTemplates"] > 0


def test_exhausted_throttling_gives_up_with_a_retryable_error_and_hint(emulator: LocalEmulator) -> None:
    emulator.configure(fault_rate=1.0, fault_kind="throttle", fault_operations=["GetAccount"])
    gateway = fast_gateway(emulator, RetryPolicy(max_attempts=3, base=0.01, cap=0.02, run_budget=0))
    with pytest.raises(RetryableAwsError) as caught:
        gateway.call("GetAccount")
    error = caught.value
    assert error.code == "TooManyRequestsException"
    assert error.operation == "GetAccount"
    assert "3 attempts" in str(error)
    assert "--rate" in (error.hint or "") and "concurrency" in (error.hint or "")
    assert gateway.calls["GetAccount"] == 3
    assert gateway.throttles["GetAccount"] == 3


def test_a_throttled_read_goes_on_past_its_attempts_while_the_run_budget_lasts(
    emulator: LocalEmulator,
) -> None:
    # Every other GetAccount is refused: with 2 attempts per call, some calls meet two
    # refusals in a row and would give up; the run's budget of retries carries them through.
    emulator.configure(fault_rate=0.5, fault_kind="throttle", fault_operations=["GetAccount"], seed=5)
    gateway = fast_gateway(emulator, RetryPolicy(max_attempts=2, base=0.001, cap=0.002, run_budget=40))
    for _ in range(20):
        gateway.call("GetAccount")
    assert gateway.throttles["GetAccount"] == gateway.retries["GetAccount"] > 0
    assert gateway.calls["GetAccount"] == 20 + gateway.retries["GetAccount"]
    # ... and a spent budget stops a call that SES throttles for ever.
    emulator.configure(fault_rate=1.0, fault_kind="throttle", fault_operations=["GetAccount"])
    spent = fast_gateway(emulator, RetryPolicy(max_attempts=2, base=0.001, cap=0.002, run_budget=3))
    with pytest.raises(RetryableAwsError, match="5 attempts"):
        spent.call("GetAccount")


def test_server_errors_are_retried_and_reported(emulator: LocalEmulator) -> None:
    emulator.configure(fault_rate=1.0, fault_kind="5xx", fault_operations=["GetAccount"])
    gateway = fast_gateway(emulator, RetryPolicy(max_attempts=2, base=0.01, cap=0.02))
    with pytest.raises(RetryableAwsError) as caught:
        gateway.call("GetAccount")
    assert caught.value.code in {"InternalFailure", "ServiceUnavailable"}
    assert "retry later" in (caught.value.hint or "")


def test_not_found_is_not_retried_and_names_the_resource(gateway: SesGateway) -> None:
    with pytest.raises(AwsError) as caught:
        gateway.call("GetEmailTemplate", TemplateName="nope")
    error = caught.value
    assert not isinstance(error, RetryableAwsError)
    assert error.code == "NotFoundException"
    assert "(TemplateName=nope)" in str(error)
    assert "region" in (error.hint or "")
    assert gateway.calls["GetEmailTemplate"] == 1


def test_bad_request_hint_names_the_field(gateway: SesGateway) -> None:
    with pytest.raises(AwsError) as caught:
        gateway.call(
            "CreateConfigurationSet", ConfigurationSetName="x", DeliveryOptions={"TlsPolicy": "SOMETIMES"}
        )
    assert caught.value.code == "BadRequestException"
    assert "DeliveryOptions.TlsPolicy" in (caught.value.hint or "")


def test_access_denied_hint_names_the_iam_action(gateway: SesGateway) -> None:
    # No IAM runs here, so the error SES would send is built by hand (botocore's own ClientError).
    response: Any = {
        "Error": {"Code": "AccessDeniedException", "Message": "User is not authorized"},
        "ResponseMetadata": {"HTTPStatusCode": 403},
    }
    error = map_error(
        ClientError(response, "GetEmailTemplate"), "GetEmailTemplate", {"TemplateName": "w"}, gateway.client
    )
    assert not isinstance(error, RetryableAwsError)
    assert "ses:GetEmailTemplate" in (error.hint or "")


def test_missing_credentials_hint_suggests_local_or_a_profile(
    emulator: LocalEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    client = boto3.session.Session(region_name="us-east-1").client(
        "sesv2", endpoint_url=emulator.endpoint_url, config=Config(retries={"total_max_attempts": 1})
    )
    with pytest.raises(AwsError) as caught:
        SesGateway(client, account_id=ACCOUNT_ID).call("GetAccount")
    assert caught.value.code == "NoCredentials"
    assert "--local" in (caught.value.hint or "") and "profile" in (caught.value.hint or "")


def test_unreachable_endpoint_is_a_clear_error() -> None:
    aws = AwsContext(region="us-east-1", endpoint_url="http://127.0.0.1:9", local=True)
    gateway = SesGateway.from_aws(aws, rates=1000, account_id=ACCOUNT_ID)
    with pytest.raises(AwsError) as caught:
        gateway.call("GetAccount")
    assert caught.value.code == "EndpointConnectionError"
    assert "--endpoint-url" in (caught.value.hint or "")


def test_paginate_follows_next_token(gateway: SesGateway, emulator: LocalEmulator) -> None:
    ses = emulator.client("sesv2")
    for i in range(7):
        ses.create_email_template(TemplateName=f"t{i}", TemplateContent={"Subject": "s", "Text": "t"})
    items = gateway.paginate("ListEmailTemplates", "TemplatesMetadata", PageSize=3)
    assert [m["TemplateName"] for m in items] == [f"t{i}" for i in range(7)]
    assert gateway.calls["ListEmailTemplates"] == 3


def test_reads_are_shared_only_inside_reading(gateway: SesGateway) -> None:
    barrier = threading.Barrier(4)

    def read(_: int) -> Any:
        barrier.wait()
        return gateway.call_cached("GetAccount")

    with gateway.reading():
        results = gateway.read_many(read, range(4), max_workers=4)
    assert gateway.calls["GetAccount"] == 1
    assert all(r == results[0] for r in results)
    gateway.call_cached("GetAccount")
    gateway.call_cached("GetAccount")
    assert gateway.calls["GetAccount"] == 3  # outside the block every read goes to SES


def test_from_aws_finds_the_account_for_arns(emulator: LocalEmulator) -> None:
    aws = AwsContext(region="us-east-1", endpoint_url=emulator.endpoint_url, local=True)
    gateway = SesGateway.from_aws(aws, rates="default=1000")
    assert gateway.arn("template/welcome") == f"arn:aws:ses:us-east-1:{ACCOUNT_ID}:template/welcome"


def test_already_exists_hint(gateway: SesGateway) -> None:
    gateway.call("CreateEmailTemplate", TemplateName="dup", TemplateContent={"Subject": "s", "Text": "t"})
    with pytest.raises(AwsError) as caught:
        gateway.call("CreateEmailTemplate", TemplateName="dup", TemplateContent={"Subject": "s", "Text": "t"})
    assert caught.value.code == "AlreadyExistsException"
    assert "(TemplateName=dup)" in str(caught.value)
    assert "already exists" in (caught.value.hint or "")
