"""The emulator against botocore's sesv2 model, for every operation it implements.

Each implemented operation is called through boto3 over HTTP with inputs generated from the
model (resources are created before they are read, updated and deleted, so the reads return
real content). The server runs in strict mode: every response is checked against the output
shape (only the model's members, with the model's types and enum values) and a violation fails
the test. An operation may also answer with an error, but only one the model lists for it.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.model import ListShape, MapShape, Shape, StructureShape

from reconciler.emulator import coverage, registry
from reconciler.emulator.router import service_model
from reconciler.emulator.server import LOAD_ERRORS, load_operations
from reconciler.testing import LocalEmulator, local_emulator

load_operations()
MODEL = service_model()
IMPLEMENTED = [name for name in MODEL.operation_names if name in registry.OPERATIONS]

RAW_MESSAGE = b"From: contract@example.com\r\nTo: success@simulator.amazonses.com\r\nSubject: x\r\n\r\nhi"

# Values for strings the model leaves free but SES (and so the emulator) constrains.
BY_SHAPE: dict[str, str] = {
    "EmailAddress": "contract@example.com",
    "Identity": "example.com",
    "Domain": "example.com",
    "MailFromDomainName": "mail.example.com",
    "Ip": "192.0.2.1",
    "PrivateKey": base64.b64encode(b"not really a key").decode(),
    "Selector": "sel1",
    "WebsiteURL": "https://example.com",
    "S3Url": "s3://bucket/key",
    "Policy": '{"Version": "2012-10-17", "Statement": []}',
    "EmailTemplateData": '{"name": "Ana"}',
    "EmailTemplateHtml": "<p>Hello {{name}}</p>",
    "EmailTemplateText": "Hello {{name}}",
    "EmailTemplateSubject": "Hello {{name}}",
    "ArchiveArn": "arn:aws:ses:us-east-1:123456789012:mailmanager-archive/a-" + "a" * 24,
    "MessageHeaderName": "X-Contract",
    "CustomRedirectDomain": "click.example.com",
    "Charset": "UTF-8",
    "Region": "eu-west-1",  # a multi-region endpoint's secondary region (not the request's)
}
ARNS: dict[str, str] = {
    "TopicArn": "arn:aws:sns:us-east-1:123456789012:contract",
    "EventBusArn": "arn:aws:events:us-east-1:123456789012:event-bus/default",
    "DeliveryStreamArn": "arn:aws:firehose:us-east-1:123456789012:deliverystream/contract",
    "IamRoleArn": "arn:aws:iam::123456789012:role/contract",
    "ResourceArn": "arn:aws:ses:us-east-1:123456789012:configuration-set/contract",
    "ReputationEntityPolicy": "arn:aws:ses:us-east-1:aws:reputation-policy/standard",
}


def value_for(shape: Shape, member: str, depth: int, full: bool) -> Any:
    if isinstance(shape, StructureShape):
        names = shape.members if full and depth < 6 else shape.required_members
        return {n: value_for(shape.members[n], n, depth + 1, full) for n in names if depth < 8}
    if isinstance(shape, ListShape):
        return [
            value_for(shape.member, member, depth + 1, full)
            for _ in range(max(1, shape.metadata.get("min", 1)))
        ]
    if isinstance(shape, MapShape):
        return {value_for(shape.key, "Key", depth + 1, full): value_for(shape.value, member, depth + 1, full)}
    kind = shape.type_name
    if kind == "string":
        enum = shape.metadata.get("enum")
        if enum:
            return enum[0]
        if member in ARNS:
            return ARNS[member]
        return BY_SHAPE.get(shape.name, "contract")
    if kind in ("integer", "long"):
        low = shape.metadata.get("min", 1)
        return max(int(low), 1) if shape.metadata.get("max", 10**9) >= 1 else int(low)
    if kind in ("double", "float"):
        return 1.0
    if kind == "boolean":
        return True
    if kind == "timestamp":
        return datetime(2024, 1, 1, tzinfo=UTC)
    if kind == "blob":
        return RAW_MESSAGE
    raise AssertionError(f"no generator for {shape.name} ({kind})")


# Rules the model cannot express (an event destination has exactly one target).
ONE_TARGET = {
    "Enabled": True,
    "MatchingEventTypes": ["SEND", "BOUNCE"],
    "SnsDestination": {"TopicArn": ARNS["TopicArn"]},
}
OVERRIDES: dict[str, dict[str, Any]] = {
    "CreateConfigurationSetEventDestination": {"EventDestination": ONE_TARGET},
    "UpdateConfigurationSetEventDestination": {"EventDestination": ONE_TARGET},
    # A job has exactly one destination (source) and a window that ends after it starts.
    "CreateImportJob": {"ImportDestination": {"SuppressionListDestination": {"SuppressionListImportAction": "PUT"}}},
    "CreateExportJob": {
        "ExportDataSource": {
            "MessageInsightsDataSource": {
                "StartDate": datetime(2024, 1, 1, tzinfo=UTC),
                "EndDate": datetime(2024, 1, 2, tzinfo=UTC),
            }
        }
    },
    # A metric query's window ends after it starts.
    "BatchGetMetricData": {
        "Queries": [
            {
                "Id": "q1",
                "Namespace": "VDM",
                "Metric": "SEND",
                "StartDate": datetime(2024, 1, 1, tzinfo=UTC),
                "EndDate": datetime(2024, 1, 2, tzinfo=UTC),
            }
        ]
    },
    "SendEmail": {
        "FromEmailAddress": "contract@example.com",
        "Destination": {"ToAddresses": ["success@simulator.amazonses.com"]},
        "Content": {"Simple": {"Subject": {"Data": "Hi"}, "Body": {"Text": {"Data": "Hello"}}}},
    },
}


def inputs(operation: str, full: bool) -> dict[str, Any]:
    shape = MODEL.operation_model(operation).input_shape
    if shape is None:
        return {}
    params = {**value_for(shape, "", 0, full), **OVERRIDES.get(operation, {})}
    params.pop("NextToken", None)
    # EndpointId routes a send through a multi-region endpoint, which needs SigV4a (botocore[crt]).
    params.pop("EndpointId", None)
    return dict(params)


PHASES = ("Create", "Put", "Update", "Tag", "Test", "Send", "Get", "List", "BatchGet", "Untag", "Delete")


def phase(operation: str) -> int:
    for i, prefix in enumerate(PHASES):
        if operation.startswith(prefix):
            return i
    return len(PHASES)


def uri_params(operation: str) -> int:
    return MODEL.operation_model(operation).http["requestUri"].count("{")


# Deleted before the rest: a tenant's association, then the tenant (SES refuses to delete a
# configuration set a tenant uses).
UNLINK_FIRST = ("DeleteTenantResourceAssociation", "DeleteTenant")


def order(operation: str) -> tuple[int, int, int, str]:
    # Containers before what lives in them (a contact list before its contacts), and the
    # other way round when deleting.
    depth = uri_params(operation)
    first = UNLINK_FIRST.index(operation) if operation in UNLINK_FIRST else len(UNLINK_FIRST)
    return (phase(operation), first, -depth if operation.startswith("Delete") else depth, operation)


ORDERED = sorted(IMPLEMENTED, key=order)
OUTCOMES: dict[str, str] = {}


@pytest.fixture(scope="module")
def emu() -> Iterator[LocalEmulator]:
    with local_emulator(strict=True) as emulator:
        emulator.client("sns").create_topic(Name="contract")
        # Test hooks, when their operation groups exist: identities verified at once (so sends
        # are accepted) and an emulated dedicated IP to move between pools.
        if "configure_identities" in registry.ADMIN_ACTIONS:
            emulator.admin("configure_identities", default_status="SUCCESS")
        if "set_dedicated_ips" in registry.ADMIN_ACTIONS:
            emulator.admin("set_dedicated_ips", ips=[BY_SHAPE["Ip"]])
        yield emulator


@pytest.mark.parametrize("operation", ORDERED)
def test_operation_answers_within_the_model(emu: LocalEmulator, operation: str) -> None:
    ses = emu.client("sesv2")
    method = getattr(ses, _method_name(ses, operation))
    # Plus two of SES's common errors: throttling, and AccessDeniedException (a send naming a
    # tenant that is not associated with the resources the send uses answers it).
    allowed = {shape.name for shape in MODEL.operation_model(operation).error_shapes} | {
        "TooManyRequestsException",
        "AccessDeniedException",
    }
    outcome = ""
    for full in (True, False):
        params = inputs(operation, full)
        if "ReputationEntityReference" in params:  # a tenant's ARN holds the id SES gave it
            tenants = ses.list_tenants()["Tenants"]
            params["ReputationEntityReference"] = tenants[0]["TenantArn"] if tenants else "none"
        try:
            method(**params)
            outcome = "ok"
            break
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            status = exc.response["ResponseMetadata"]["HTTPStatusCode"]
            assert status < 500, f"{operation}: HTTP {status} {code}: {exc.response['Error']['Message']}"
            assert code in allowed, (
                f"{operation} answered {code}, which the model does not list ({sorted(allowed)})"
            )
            outcome = code
    OUTCOMES[operation] = outcome
    assert emu.violations == [], emu.violations


def _method_name(client: Any, operation: str) -> str:
    for method, api in client.meta.method_to_api_mapping.items():
        if api == operation:
            return str(method)
    raise AssertionError(operation)


def test_most_operations_succeed_with_model_generated_input() -> None:
    # Guards the generator above: if it stops producing valid input, the contract test above
    # would pass on errors alone.
    if not OUTCOMES:
        pytest.skip("run together with test_operation_answers_within_the_model")
    succeeded = [op for op, outcome in OUTCOMES.items() if outcome == "ok"]
    assert len(succeeded) >= len(OUTCOMES) * 0.9, {op: o for op, o in OUTCOMES.items() if o != "ok"}


def test_every_operations_module_imports() -> None:
    # The server keeps serving when a module is broken (other operations still work); the
    # suite must not.
    assert LOAD_ERRORS == {}


def test_every_registered_handler_is_a_sesv2_operation() -> None:
    assert set(registry.OPERATIONS) <= set(MODEL.operation_names), set(registry.OPERATIONS) - set(
        MODEL.operation_names
    )


def test_coverage_doc_is_current() -> None:
    current = coverage.DOC.read_text(encoding="utf-8")
    assert current == coverage.render(), "run: python -m reconciler.emulator.coverage --write"
