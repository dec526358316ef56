"""The emulator's HTTP side: routing, parsing, errors, admin API, faults, and moto beside SES.

Handlers used here are throwaway stand-ins installed with monkeypatch for the duration of a
test, so these tests do not depend on which SES operations have landed.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from reconciler.emulator import registry
from reconciler.emulator.errors import NotFoundException
from reconciler.emulator.registry import OperationContext
from reconciler.testing import LocalEmulator

Calls = list[tuple[str, dict[str, Any]]]


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Calls:
    """Stand-in handlers for a few operations with varied input/output types; records calls."""
    seen: Calls = []

    def record(name: str, result: dict[str, Any]) -> registry.Handler:
        def handler(ctx: OperationContext, params: dict[str, Any]) -> dict[str, Any]:
            seen.append((name, {**params, "_region": ctx.region}))
            return result

        return handler

    stamp = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    monkeypatch.setitem(
        registry.OPERATIONS,
        "GetSuppressedDestination",
        record(
            "GetSuppressedDestination",
            {
                "SuppressedDestination": {
                    "EmailAddress": "a@example.com",
                    "Reason": "BOUNCE",
                    "LastUpdateTime": stamp,
                }
            },
        ),
    )
    monkeypatch.setitem(
        registry.OPERATIONS,
        "ListSuppressedDestinations",
        record("ListSuppressedDestinations", {"SuppressedDestinationSummaries": [], "NextToken": "t2"}),
    )
    monkeypatch.setitem(
        registry.OPERATIONS, "PutDedicatedIpWarmupAttributes", record("PutDedicatedIpWarmupAttributes", {})
    )
    monkeypatch.setitem(registry.OPERATIONS, "SendEmail", record("SendEmail", {"MessageId": "m-1"}))
    return seen


def test_uri_query_and_body_members_reach_the_handler_with_model_types(ses: Any, calls: Calls) -> None:
    ses.put_dedicated_ip_warmup_attributes(Ip="192.0.2.1", WarmupPercentage=42)
    ses.list_suppressed_destinations(
        Reasons=["BOUNCE", "COMPLAINT"],
        StartDate=datetime(2024, 1, 1, tzinfo=UTC),
        PageSize=5,
        NextToken="abc",
    )
    assert calls[0] == (
        "PutDedicatedIpWarmupAttributes",
        {"Ip": "192.0.2.1", "WarmupPercentage": 42, "_region": "us-east-1"},
    )
    _name, params = calls[1]
    assert params["Reasons"] == ["BOUNCE", "COMPLAINT"]
    assert params["StartDate"] == datetime(2024, 1, 1, tzinfo=UTC)
    assert params["PageSize"] == 5 and params["NextToken"] == "abc"


def test_uri_parameters_are_url_decoded(ses: Any, calls: Calls) -> None:
    for address in ("first+tag@example.com", "we/ird%20@example.com", "ünï@example.com"):
        ses.get_suppressed_destination(EmailAddress=address)
        assert calls[-1][1]["EmailAddress"] == address


def test_timestamps_come_back_as_datetimes(ses: Any, calls: Calls) -> None:
    out = ses.get_suppressed_destination(EmailAddress="a@example.com")["SuppressedDestination"]
    assert out["LastUpdateTime"] == datetime(2024, 5, 6, 7, 8, 9, tzinfo=out["LastUpdateTime"].tzinfo)
    assert out["LastUpdateTime"].timestamp() == datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC).timestamp()


def test_blobs_are_base64_decoded_for_the_handler(ses: Any, calls: Calls) -> None:
    raw = b"From: a@example.com\r\nSubject: x\r\n\r\nbody"
    ses.send_email(Content={"Raw": {"Data": raw}})
    assert calls[-1][1]["Content"] == {"Raw": {"Data": raw}}


def test_region_comes_from_the_signature(emulator: LocalEmulator, calls: Calls) -> None:
    emulator.client("sesv2", region="eu-west-1").put_dedicated_ip_warmup_attributes(
        Ip="192.0.2.1", WarmupPercentage=1
    )
    assert calls[-1][1]["_region"] == "eu-west-1"
    assert "eu-west-1" in emulator.state.regions


def test_ses_errors_carry_code_status_and_message(ses: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(ctx: OperationContext, params: dict[str, Any]) -> dict[str, Any]:
        raise NotFoundException(
            f"Email address {params['EmailAddress']} does not exist on your suppression list."
        )

    monkeypatch.setitem(registry.OPERATIONS, "GetSuppressedDestination", missing)
    with pytest.raises(ClientError) as err:
        ses.get_suppressed_destination(EmailAddress="nobody@example.com")
    assert err.value.response["Error"]["Code"] == "NotFoundException"
    assert "nobody@example.com" in err.value.response["Error"]["Message"]
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert isinstance(err.value, ses.exceptions.NotFoundException)


def test_unimplemented_operation_says_so(ses: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(registry.OPERATIONS, "GetDeliverabilityDashboardOptions", raising=False)
    with pytest.raises(ClientError) as err:
        ses.get_deliverability_dashboard_options()
    assert err.value.response["Error"]["Code"] == "NotImplemented"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert "docs/emulator-coverage.md" in err.value.response["Error"]["Message"]


def _raw(
    emulator: LocalEmulator, method: str, path: str, body: bytes | None = None
) -> tuple[int, dict[str, str], Any]:
    headers = {"Content-Type": "application/json"} if body is not None else {}
    request = urllib.request.Request(emulator.endpoint_url + path, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), json.loads(exc.read() or b"null")


def test_missing_required_member_is_a_bad_request_naming_it(emulator: LocalEmulator, calls: Calls) -> None:
    status, headers, body = _raw(emulator, "PUT", "/v2/email/dedicated-ips/192.0.2.1/warmup", b"{}")
    assert status == 400
    assert headers["x-amzn-ErrorType"] == "BadRequestException"
    assert "WarmupPercentage" in body["message"]


def test_wrongly_typed_and_out_of_range_members_are_bad_requests(
    emulator: LocalEmulator, calls: Calls
) -> None:
    path = "/v2/email/dedicated-ips/192.0.2.1/warmup"
    status, _, body = _raw(emulator, "PUT", path, b'{"WarmupPercentage": "many"}')
    assert status == 400 and "WarmupPercentage" in body["message"]
    status, _, body = _raw(emulator, "GET", "/v2/email/suppression/addresses?PageSize=lots")
    assert status == 400 and "PageSize" in body["message"]
    status, _, body = _raw(emulator, "GET", "/v2/email/suppression/addresses?Reason=SOMETIMES")
    assert status == 400 and "SOMETIMES" in body["message"]
    status, _, body = _raw(emulator, "PUT", path, b"not json")
    assert status == 400 and "JSON" in body["message"]
    assert not calls


def test_unknown_path_is_a_json_404(emulator: LocalEmulator) -> None:
    status, headers, body = _raw(emulator, "GET", "/v2/email/no-such-thing/at-all")
    assert status == 404
    assert headers["x-amzn-ErrorType"] == "UnknownOperationException"
    assert "no SES v2 operation" in body["message"]
    status, _, body = _raw(emulator, "GET", "/_sesctl/nothing")
    assert status == 404


def test_literal_segments_win_over_parameters(
    emulator: LocalEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    monkeypatch.setitem(registry.OPERATIONS, "ListContacts", lambda ctx, p: seen.append("list") or {})
    monkeypatch.setitem(registry.OPERATIONS, "GetContact", lambda ctx, p: seen.append("get") or {})
    ses = emulator.client("sesv2")
    ses.list_contacts(ContactListName="news")
    ses.get_contact(ContactListName="news", EmailAddress="list")
    assert seen == ["list", "get"]


def test_strict_mode_flags_members_outside_the_model(
    emulator: LocalEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(registry.OPERATIONS, "SendEmail", lambda ctx, p: {"MessageId": "m", "Surprise": True})
    with pytest.raises(ClientError) as err:
        emulator.client("sesv2").send_email(Content={"Raw": {"Data": b"x"}})
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert "Surprise" in err.value.response["Error"]["Message"]
    assert emulator.violations and "Surprise" in emulator.violations[0]
    emulator.violations.clear()  # seen; do not fail the fixture's teardown


def test_handler_crash_is_a_500_naming_the_operation(
    emulator: LocalEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(ctx: OperationContext, params: dict[str, Any]) -> dict[str, Any]:
        raise KeyError("oops")

    monkeypatch.setitem(registry.OPERATIONS, "SendEmail", crash)
    with pytest.raises(ClientError) as err:
        emulator.client("sesv2").send_email(Content={"Raw": {"Data": b"x"}})
    assert err.value.response["Error"]["Code"] == "InternalFailure"
    assert "SendEmail" in err.value.response["Error"]["Message"]


# --- moto's services on the same endpoint ---------------------------------------------------


def test_neighbouring_services_answer_on_the_same_endpoint(emulator: LocalEmulator) -> None:
    sns = emulator.client("sns")
    sqs = emulator.client("sqs")
    topic = sns.create_topic(Name="ses-events")["TopicArn"]
    queue = sqs.create_queue(QueueName="events")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(
        TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"}
    )
    sns.publish(TopicArn=topic, Message="hello")
    assert sqs.receive_message(QueueUrl=queue)["Messages"][0]["Body"] == "hello"

    s3 = emulator.client("s3")
    s3.create_bucket(Bucket="archive")
    s3.put_object(Bucket="archive", Key="k", Body=b"v")
    assert s3.get_object(Bucket="archive", Key="k")["Body"].read() == b"v"

    cw = emulator.client("cloudwatch")
    cw.put_metric_data(Namespace="AWS/SES", MetricData=[{"MetricName": "Send", "Value": 1.0}])
    assert cw.list_metrics(Namespace="AWS/SES")["Metrics"][0]["MetricName"] == "Send"

    firehose = emulator.client("firehose")
    firehose.create_delivery_stream(
        DeliveryStreamName="events",
        ExtendedS3DestinationConfiguration={
            "RoleARN": "arn:aws:iam::123456789012:role/firehose",
            "BucketARN": "arn:aws:s3:::archive",
        },
    )
    assert firehose.list_delivery_streams()["DeliveryStreamNames"] == ["events"]

    events = emulator.client("events")
    assert (
        events.put_events(Entries=[{"Source": "app", "DetailType": "t", "Detail": "{}"}])["FailedEntryCount"]
        == 0
    )

    assert emulator.client("sts").get_caller_identity()["Account"] == "123456789012"


def test_handlers_reach_moto_backends_through_services(
    emulator: LocalEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    topic = emulator.client("sns").create_topic(Name="from-handler")["TopicArn"]

    def publish(ctx: OperationContext, params: dict[str, Any]) -> dict[str, Any]:
        sns = ctx.services.moto_backend("sns", ctx.region)
        return {"MessageId": sns.publish(message="event", arn=topic)}

    monkeypatch.setitem(registry.OPERATIONS, "SendEmail", publish)
    assert emulator.client("sesv2").send_email(Content={"Raw": {"Data": b"x"}})["MessageId"]
    assert emulator.client("s3").list_buckets()["Buckets"] == []
    assert emulator.emulator.services.moto_backend("s3", "us-east-1").buckets == {}


def test_each_emulator_starts_with_fresh_moto_services(emulator: LocalEmulator) -> None:
    # The previous test created topics; the fixture cleared moto's process-wide state.
    assert emulator.client("sns").list_topics()["Topics"] == []


# --- admin API, throttling and faults -------------------------------------------------------


def test_health_config_and_state_endpoints(emulator: LocalEmulator, calls: Calls) -> None:
    status, _, health = _raw(emulator, "GET", "/_sesctl/health")
    assert status == 200 and health["status"] == "ok" and health["operations"] > 0
    status, _, config = _raw(emulator, "POST", "/_sesctl/config", b'{"throttle_rps": 3}')
    assert config["throttle_rps"] == 3 and emulator.emulator.config.throttle_rps == 3
    status, _, body = _raw(emulator, "POST", "/_sesctl/config", b'{"fault_rate": 7}')
    assert status == 400 and "fault_rate" in body["message"]
    status, _, body = _raw(emulator, "POST", "/_sesctl/config", b'{"colour": "red"}')
    assert status == 400 and "colour" in body["message"]
    emulator.client("sesv2", region="ap-south-1").put_dedicated_ip_warmup_attributes(
        Ip="192.0.2.9", WarmupPercentage=3
    )
    status, _, state = _raw(emulator, "GET", "/_sesctl/state")
    assert "ap-south-1" in state["regions"]


def test_admin_actions_run_with_a_region_context(
    emulator: LocalEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    def where(ctx: OperationContext, *, greeting: str) -> dict[str, str]:
        return {"region": ctx.region, "greeting": greeting}

    monkeypatch.setitem(registry.ADMIN_ACTIONS, "where", where)
    assert emulator.admin("where", greeting="hi") == {"region": "us-east-1", "greeting": "hi"}
    assert emulator.admin("where", greeting="yo", region="eu-west-2")["region"] == "eu-west-2"
    status, _headers, body = _raw(emulator, "POST", "/_sesctl/admin/where", b'{"nonsense": 1}')
    assert status == 400 and "where" in body["message"]
    status, _, body = _raw(emulator, "POST", "/_sesctl/admin/where", b"[1]")
    assert status == 400 and "JSON object" in body["message"]

    def broken(ctx: OperationContext) -> None:
        raise ValueError("bug inside")

    monkeypatch.setitem(registry.ADMIN_ACTIONS, "broken", broken)
    status, _, body = _raw(emulator, "POST", "/_sesctl/admin/broken", b"{}")
    assert status == 500 and "bug inside" in body["message"]
    status, _, body = _raw(emulator, "POST", "/_sesctl/admin/nope", b"{}")
    assert status == 404 and "nope" in body["message"]


def test_throttling_answers_too_many_requests_per_operation(emulator: LocalEmulator, calls: Calls) -> None:
    emulator.configure(throttle_rps=0.05)  # one token, then 20 s to the next: no timing flakes
    ses = emulator.client("sesv2")
    ses.put_dedicated_ip_warmup_attributes(Ip="192.0.2.1", WarmupPercentage=1)
    with pytest.raises(ClientError) as err:
        ses.put_dedicated_ip_warmup_attributes(Ip="192.0.2.1", WarmupPercentage=2)
    assert err.value.response["Error"]["Code"] == "TooManyRequestsException"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    ses.get_suppressed_destination(EmailAddress="a@example.com")  # another operation has its own bucket
    emulator.configure(throttle_rps=None)
    ses.put_dedicated_ip_warmup_attributes(Ip="192.0.2.1", WarmupPercentage=3)


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("throttle", 429, "TooManyRequestsException"),
        ("500", 500, "InternalFailure"),
        ("503", 503, "ServiceUnavailable"),
    ],
)
def test_fault_injection_is_reproducible(
    emulator: LocalEmulator, calls: Calls, kind: str, status: int, code: str
) -> None:
    def outcomes() -> list[str]:
        emulator.configure(fault_rate=0.5, fault_kind=kind, seed=7)
        ses = emulator.client("sesv2")
        seen = []
        for _ in range(12):
            try:
                ses.get_suppressed_destination(EmailAddress="a@example.com")
                seen.append("ok")
            except ClientError as exc:
                assert exc.response["ResponseMetadata"]["HTTPStatusCode"] == status
                seen.append(exc.response["Error"]["Code"])
        return seen

    first = outcomes()
    assert first == outcomes()
    assert code in first and "ok" in first


def test_faults_can_target_named_operations(emulator: LocalEmulator, calls: Calls) -> None:
    emulator.configure(fault_rate=1.0, fault_operations=["PutDedicatedIpWarmupAttributes"])
    ses = emulator.client("sesv2")
    ses.get_suppressed_destination(EmailAddress="a@example.com")
    with pytest.raises(ClientError):
        ses.put_dedicated_ip_warmup_attributes(Ip="192.0.2.1", WarmupPercentage=1)


def test_blob_output_is_base64() -> None:
    # No sesv2 output holds a blob today; exercise the encoder through a model-shaped stand-in.
    from reconciler.emulator.router import _to_json, serialize_output, service_model

    blob_shape = (
        service_model()
        .operation_model("SendEmail")
        .input_shape.members["Content"]  # type: ignore[union-attr]
        .members["Raw"]
        .members["Data"]
    )
    assert _to_json(blob_shape, b"\x00\xff", "x", True) == base64.b64encode(b"\x00\xff").decode()
    assert json.loads(serialize_output("SendEmail", {"MessageId": "m"}, strict=True).body) == {
        "MessageId": "m"
    }


def test_regions_have_separate_ses_state(emulator: LocalEmulator) -> None:
    east, west = emulator.client("sesv2"), emulator.client("sesv2", region="eu-west-1")
    east.create_email_template(TemplateName="only-east", TemplateContent={"Subject": "s", "Text": "t"})
    assert [t["TemplateName"] for t in east.list_email_templates()["TemplatesMetadata"]] == ["only-east"]
    assert west.list_email_templates()["TemplatesMetadata"] == []
    with pytest.raises(west.exceptions.NotFoundException):
        west.get_email_template(TemplateName="only-east")


def test_token_bucket_refills_at_the_configured_rate() -> None:
    from reconciler.emulator.faults import FaultConfig, FaultInjector

    now = [100.0]
    faults = FaultInjector(FaultConfig(throttle_rps=2), monotonic=lambda: now[0])
    assert [faults.check("Op", "r") is None for _ in range(3)] == [True, True, False]  # burst of 2
    now[0] += 0.5  # one token back
    assert faults.check("Op", "r") is None
    assert faults.check("Op", "r") is not None
    assert faults.check("Op", "other-region") is None  # buckets are per operation and region


def test_concurrent_clients_are_serialized_safely(emulator: LocalEmulator) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def create(worker: int) -> None:
        ses = emulator.client("sesv2")  # one client per thread, as boto3 requires
        for i in range(10):
            ses.create_email_template(
                TemplateName=f"w{worker}-{i}", TemplateContent={"Subject": "s", "Text": "t"}
            )

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(create, range(6)))
    ses = emulator.client("sesv2")
    names: list[str] = []
    token = None
    while True:
        page = ses.list_email_templates(PageSize=100, **({"NextToken": token} if token else {}))
        names += [t["TemplateName"] for t in page["TemplatesMetadata"]]
        token = page.get("NextToken")
        if not token:
            break
    assert sorted(names) == sorted(f"w{w}-{i}" for w in range(6) for i in range(10))


def test_in_process_calls_share_state_with_http(emulator: LocalEmulator) -> None:
    from reconciler.emulator.router import NotImplementedByEmulator

    emulator.emulator.call(
        "CreateEmailTemplate", {"TemplateName": "direct", "TemplateContent": {"Subject": "s"}}
    )
    assert emulator.client("sesv2").get_email_template(TemplateName="direct")["TemplateName"] == "direct"
    with pytest.raises(NotFoundException):
        emulator.emulator.call("GetEmailTemplate", {"TemplateName": "missing"})
    with pytest.raises(NotImplementedByEmulator):
        emulator.emulator.call("NoSuchOperation", {})
