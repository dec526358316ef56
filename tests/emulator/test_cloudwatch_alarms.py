"""The emulator's own CloudWatch alarms (cloudwatch_alarms.py, cloudwatch_protocol.py): boto3 in
each of CloudWatch's protocols and the AWS CLI against the emulator over HTTP, persistence on
the state file, IAM enforcement, and the metric operations still reaching moto (even in CBOR)."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import botocore
import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from reconciler.emulator import cloudwatch_alarms
from reconciler.testing import ACCOUNT_ID, LocalEmulator, dummy_aws_env, local_emulator

PROTOCOLS = ("json", "smithy-rpc-v2-cbor", "query")
AWS = str(Path(sys.executable).parent / "aws")
SESCTL = str(Path(sys.executable).parent / "sesctl")
MODEL = Path(botocore.__file__).parent / "data" / "cloudwatch" / "2010-08-01" / "service-2.json.gz"
ALARM: dict[str, Any] = {
    "AlarmName": "sesctl/reputation/bounce-rate",
    "AlarmDescription": "bounces",
    "AlarmActions": ["arn:aws:sns:us-east-1:123456789012:ops"],
    "Namespace": "AWS/SES",
    "MetricName": "Reputation.BounceRate",
    "Statistic": "Average",
    "Dimensions": [{"Name": "ses:configuration-set", "Value": "marketing"}],
    "Period": 3600,
    "EvaluationPeriods": 1,
    "Threshold": 0.05,
    "ComparisonOperator": "GreaterThanThreshold",
    "TreatMissingData": "notBreaching",
}
MATH_ALARM: dict[str, Any] = {
    "AlarmName": "sesctl/reputation/quota-use",
    "Metrics": [
        {
            "Id": "sent",
            "MetricStat": {
                "Metric": {"Namespace": "AWS/SES", "MetricName": "Send", "Dimensions": []},
                "Period": 86400,
                "Stat": "Sum",
            },
            "ReturnData": False,
        },
        {"Id": "value", "Expression": "sent / 50000", "Label": "share", "ReturnData": True},
    ],
    "EvaluationPeriods": 1,
    "Threshold": 0.8,
    "ComparisonOperator": "GreaterThanThreshold",
}


@pytest.fixture(scope="module")
def data_paths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """protocol -> a botocore data path whose CloudWatch model offers only that protocol."""
    model = json.loads(gzip.decompress(MODEL.read_bytes()))
    paths = {}
    for protocol in PROTOCOLS:
        root = tmp_path_factory.mktemp(protocol.replace("-", ""))
        folder = root / "cloudwatch" / "2010-08-01"
        folder.mkdir(parents=True)
        model["metadata"].update(protocols=[protocol], protocol=protocol)
        (folder / "service-2.json").write_text(json.dumps(model), encoding="utf-8")
        paths[protocol] = str(root)
    return paths


@pytest.fixture(scope="module")
def emu() -> Iterator[LocalEmulator]:
    with local_emulator() as emulator:
        yield emulator


def _client(url: str, data_path: str, *, validate: bool = True) -> Any:
    session = botocore.session.Session()
    session.set_config_variable("data_path", data_path)
    config = Config(retries={"total_max_attempts": 1}, parameter_validation=validate)
    return boto3.session.Session(
        botocore_session=session,
        aws_access_key_id="local",
        aws_secret_access_key="local",
        region_name="us-east-1",
    ).client("cloudwatch", endpoint_url=url, config=config)


@pytest.fixture(scope="module")
def clients(emu: LocalEmulator, data_paths: dict[str, str]) -> dict[tuple[str, bool], Any]:
    """(protocol, botocore's own parameter checks on) -> a client; made once (each loads a model)."""
    return {
        (p, checks): _client(emu.endpoint_url, data_paths[p], validate=checks)
        for p in PROTOCOLS
        for checks in (True, False)
    }


@pytest.fixture(params=PROTOCOLS)
def cw(request: pytest.FixtureRequest, emu: LocalEmulator, clients: dict[tuple[str, bool], Any]) -> Any:
    emu.reset()
    client = clients[(request.param, True)]
    assert client.meta.service_model.resolved_protocol == request.param
    return client


@pytest.fixture
def raw(cw: Any, clients: dict[tuple[str, bool], Any]) -> Any:
    """The same protocol without botocore's own parameter checks: the server's are tested."""
    return clients[(cw.meta.service_model.resolved_protocol, False)]


def _error(call: Any, **params: Any) -> dict[str, str]:
    with pytest.raises(ClientError) as caught:
        call(**params)
    return {str(k): str(v) for k, v in caught.value.response["Error"].items()}


def test_put_describe_delete_round_trip(cw: Any) -> None:
    cw.put_metric_alarm(**ALARM, Tags=[{"Key": "sesctl:stack", "Value": "demo"}])
    cw.put_metric_alarm(**MATH_ALARM)
    alarms = {a["AlarmName"]: a for a in cw.describe_alarms(AlarmNamePrefix="sesctl/")["MetricAlarms"]}
    assert sorted(alarms) == [ALARM["AlarmName"], MATH_ALARM["AlarmName"]]
    bounce = alarms[ALARM["AlarmName"]]
    assert {k: bounce[k] for k in ALARM} == ALARM
    assert bounce["AlarmArn"] == f"arn:aws:cloudwatch:us-east-1:{ACCOUNT_ID}:alarm:{ALARM['AlarmName']}"
    assert bounce["StateValue"] == "INSUFFICIENT_DATA"
    assert bounce["StateReason"] == "Unchecked: Initial alarm creation"
    assert bounce["ActionsEnabled"] is True and bounce["OKActions"] == []
    assert bounce["AlarmConfigurationUpdatedTimestamp"] == bounce["StateUpdatedTimestamp"]
    quota = alarms[MATH_ALARM["AlarmName"]]
    assert quota["Metrics"] == MATH_ALARM["Metrics"] and quota["Dimensions"] == []
    assert "MetricName" not in quota

    cw.put_metric_alarm(**{**ALARM, "Threshold": 0.1, "Tags": [{"Key": "ignored", "Value": "on update"}]})
    updated = cw.describe_alarms(AlarmNames=[ALARM["AlarmName"]])["MetricAlarms"]
    assert [a["Threshold"] for a in updated] == [0.1]
    assert updated[0]["AlarmConfigurationUpdatedTimestamp"] >= bounce["AlarmConfigurationUpdatedTimestamp"]
    assert cw.list_tags_for_resource(ResourceARN=bounce["AlarmArn"])["Tags"] == [
        {"Key": "sesctl:stack", "Value": "demo"}
    ]

    cw.delete_alarms(AlarmNames=[ALARM["AlarmName"], "no-such-alarm"])
    assert [a["AlarmName"] for a in cw.describe_alarms()["MetricAlarms"]] == [MATH_ALARM["AlarmName"]]


def test_describe_filters(cw: Any) -> None:
    cw.put_metric_alarm(**ALARM)
    cw.put_metric_alarm(**{**ALARM, "AlarmName": "other", "AlarmActions": []})
    cw.set_alarm_state(AlarmName="other", StateValue="ALARM", StateReason="test", StateReasonData="{}")
    assert [a["AlarmName"] for a in cw.describe_alarms(StateValue="ALARM")["MetricAlarms"]] == ["other"]
    assert [a["AlarmName"] for a in cw.describe_alarms(ActionPrefix="arn:aws:sns:")["MetricAlarms"]] == [
        ALARM["AlarmName"]
    ]
    assert cw.describe_alarms(AlarmTypes=["CompositeAlarm"])["MetricAlarms"] == []
    assert len(cw.describe_alarms(AlarmTypes=["CompositeAlarm", "MetricAlarm"])["MetricAlarms"]) == 2
    assert cw.describe_alarms(ChildrenOfAlarmName="other")["MetricAlarms"] == []
    found = cw.describe_alarms_for_metric(
        Namespace="AWS/SES", MetricName="Reputation.BounceRate", Dimensions=ALARM["Dimensions"]
    )["MetricAlarms"]
    assert sorted(a["AlarmName"] for a in found) == ["other", ALARM["AlarmName"]]
    cw.disable_alarm_actions(AlarmNames=["other"])
    assert cw.describe_alarms(AlarmNames=["other"])["MetricAlarms"][0]["ActionsEnabled"] is False
    error = _error(cw.set_alarm_state, AlarmName="gone", StateValue="OK", StateReason="x")
    assert error["Code"] == "ResourceNotFound"


def test_pagination_follows_max_records_and_next_token(cw: Any) -> None:
    names = [f"alarm-{i:02d}" for i in range(7)]
    for name in reversed(names):
        cw.put_metric_alarm(**{**ALARM, "AlarmName": name})
    seen, token, pages = [], None, 0
    while True:
        page = cw.describe_alarms(MaxRecords=3, **({"NextToken": token} if token else {}))
        seen += [a["AlarmName"] for a in page["MetricAlarms"]]
        pages += 1
        token = page.get("NextToken")
        if not token:
            break
    assert (seen, pages) == (names, 3)
    paged = cw.get_paginator("describe_alarms").paginate(PaginationConfig={"PageSize": 2})
    assert [a["AlarmName"] for p in paged for a in p["MetricAlarms"]] == names
    assert _error(cw.describe_alarms, NextToken="bm90IG91cnM=")["Code"] == "InvalidNextToken"


def test_tags_round_trip(cw: Any) -> None:
    cw.put_metric_alarm(**ALARM, Tags=[{"Key": "a", "Value": "1"}])
    arn = f"arn:aws:cloudwatch:us-east-1:{ACCOUNT_ID}:alarm:{ALARM['AlarmName']}"
    cw.tag_resource(ResourceARN=arn, Tags=[{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "3"}])
    assert cw.list_tags_for_resource(ResourceARN=arn)["Tags"] == [
        {"Key": "a", "Value": "3"},
        {"Key": "b", "Value": "2"},
    ]
    cw.untag_resource(ResourceARN=arn, TagKeys=["a", "absent"])
    assert cw.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "b", "Value": "2"}]
    for call in (cw.list_tags_for_resource, cw.tag_resource, cw.untag_resource):
        extra: dict[str, Any] = {
            "list_tags_for_resource": {},
            "tag_resource": {"Tags": []},
            "untag_resource": {"TagKeys": []},
        }[call.__name__]
        error = _error(call, ResourceARN=arn + "-gone", **extra)
        assert error["Code"] == "ResourceNotFoundException", call.__name__
    other_region = arn.replace("us-east-1", "eu-west-1")
    assert _error(cw.list_tags_for_resource, ResourceARN=other_region)["Code"] == "ResourceNotFoundException"
    with pytest.raises(cw.exceptions.ResourceNotFoundException):  # the modeled error class
        cw.list_tags_for_resource(ResourceARN=arn + "-gone")
    assert (
        _error(cw.tag_resource, ResourceARN=arn, Tags=[{"Key": "aws:x", "Value": "1"}])["Code"]
        == "InvalidParameterValue"
    )
    too_many = [{"Key": f"k{i}", "Value": "v"} for i in range(50)]
    assert _error(cw.tag_resource, ResourceARN=arn, Tags=too_many)["Code"] == "InvalidParameterValue"


BAD_ALARMS: list[tuple[str, dict[str, Any], str]] = [
    ("no name", {"AlarmName": None}, "ValidationError"),
    ("name too long", {"AlarmName": "x" * 256}, "ValidationError"),
    ("empty name", {"AlarmName": ""}, "ValidationError"),
    ("period 61", {"Period": 61}, "ValidationError"),
    ("no period", {"Period": None}, "ValidationError"),
    ("evaluation periods 0", {"EvaluationPeriods": 0}, "ValidationError"),
    ("over 7 days", {"Period": 86400, "EvaluationPeriods": 8}, "ValidationError"),
    ("datapoints above periods", {"EvaluationPeriods": 2, "DatapointsToAlarm": 3}, "ValidationError"),
    ("comparison", {"ComparisonOperator": "Bigger"}, "ValidationError"),
    ("no comparison", {"ComparisonOperator": None}, "ValidationError"),
    ("no threshold", {"Threshold": None}, "ValidationError"),
    ("statistic", {"Statistic": "Median"}, "ValidationError"),
    ("both statistics", {"ExtendedStatistic": "p99"}, "InvalidParameterCombination"),
    ("no statistic", {"Statistic": None}, "InvalidParameterCombination"),
    ("extended statistic", {"Statistic": None, "ExtendedStatistic": "median"}, "InvalidParameterValue"),
    ("missing data", {"TreatMissingData": "sometimes"}, "ValidationError"),
    ("six actions", {"AlarmActions": [f"arn:aws:sns:us-east-1:1:t{i}" for i in range(6)]}, "ValidationError"),
    ("metrics and metric", {"Metrics": MATH_ALARM["Metrics"]}, "InvalidParameterCombination"),
    ("band without id", {"ComparisonOperator": "GreaterThanUpperThreshold"}, "ValidationError"),
    ("reserved tag", {"Tags": [{"Key": "aws:owner", "Value": "x"}]}, "InvalidParameterValue"),
    ("51 tags", {"Tags": [{"Key": f"k{i}", "Value": "v"} for i in range(51)]}, "InvalidParameterValue"),
]
BAD_MATH: list[tuple[str, dict[str, Any], str]] = [
    (
        "two returning data",
        {"Metrics": [dict(MATH_ALARM["Metrics"][0], ReturnData=True), MATH_ALARM["Metrics"][1]]},
        "ValidationError",
    ),
    (
        "threshold and band",
        {"ThresholdMetricId": "value", "ComparisonOperator": "GreaterThanUpperThreshold"},
        "InvalidParameterCombination",
    ),
    (
        "band of no metric",
        {"Threshold": None, "ThresholdMetricId": "nope", "ComparisonOperator": "GreaterThanUpperThreshold"},
        "ValidationError",
    ),
    (
        "bad id",
        {"Metrics": [dict(MATH_ALARM["Metrics"][0], Id="Sent"), MATH_ALARM["Metrics"][1]]},
        "ValidationError",
    ),
    (
        "stat and expression",
        {"Metrics": [dict(MATH_ALARM["Metrics"][0], Expression="1"), MATH_ALARM["Metrics"][1]]},
        "ValidationError",
    ),
]


@pytest.mark.parametrize(("why", "change", "code"), BAD_ALARMS, ids=[c[0] for c in BAD_ALARMS])
def test_bad_alarms_are_refused_with_cloudwatch_codes(
    raw: Any, why: str, change: dict[str, Any], code: str
) -> None:
    params = {k: v for k, v in {**ALARM, **change}.items() if v is not None}
    assert _error(raw.put_metric_alarm, **params)["Code"] == code
    assert raw.describe_alarms()["MetricAlarms"] == []


@pytest.mark.parametrize(("why", "change", "code"), BAD_MATH, ids=[c[0] for c in BAD_MATH])
def test_bad_math_alarms_are_refused(raw: Any, why: str, change: dict[str, Any], code: str) -> None:
    params = {k: v for k, v in {**MATH_ALARM, **change}.items() if v is not None}
    assert _error(raw.put_metric_alarm, **params)["Code"] == code


def test_describe_checks_its_parameters(raw: Any) -> None:
    assert _error(raw.describe_alarms, MaxRecords=101)["Code"] == "ValidationError"
    assert _error(raw.describe_alarms, StateValue="RED")["Code"] == "ValidationError"
    assert (
        _error(raw.describe_alarms, AlarmNames=["a"], AlarmNamePrefix="a")["Code"]
        == "InvalidParameterCombination"
    )
    assert _error(raw.delete_alarms, AlarmNames=[f"a{i}" for i in range(101)])["Code"] == "ValidationError"


def test_the_alarm_limit(cw: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cloudwatch_alarms, "MAX_ALARMS", 2)
    cw.put_metric_alarm(**{**ALARM, "AlarmName": "one"})
    cw.put_metric_alarm(**{**ALARM, "AlarmName": "two"})
    cw.put_metric_alarm(**{**ALARM, "AlarmName": "two", "Threshold": 1.0})  # an update is no new alarm
    assert _error(cw.put_metric_alarm, **{**ALARM, "AlarmName": "three"})["Code"] == "LimitExceeded"


def test_metric_operations_still_reach_moto_in_every_protocol(cw: Any) -> None:
    namespace = f"Test/{cw.meta.service_model.resolved_protocol}"
    now = datetime.now(UTC).replace(microsecond=0)
    cw.put_metric_data(Namespace=namespace, MetricData=[{"MetricName": "Send", "Value": 2.0, "Timestamp": now}])
    assert [m["MetricName"] for m in cw.list_metrics(Namespace=namespace)["Metrics"]] == ["Send"]
    points = cw.get_metric_statistics(
        Namespace=namespace,
        MetricName="Send",
        StartTime=now - timedelta(hours=1),
        EndTime=now + timedelta(minutes=5),
        Period=60,
        Statistics=["Sum"],
    )["Datapoints"]
    # a timestamp (in CBOR: moto's JSON answer relayed with tag-1 times), not a number
    assert [(p["Timestamp"], p["Sum"]) for p in points] == [(now, 2.0)]


def test_alarms_persist_across_a_restart_and_reset_forgets_them(
    tmp_path: Path, data_paths: dict[str, str]
) -> None:
    state = tmp_path / "ses-state.json"
    with local_emulator(state_file=state) as first:
        cw = _client(first.endpoint_url, data_paths["json"])
        cw.put_metric_alarm(**ALARM, Tags=[{"Key": "sesctl:stack", "Value": "demo"}])
        cw.set_alarm_state(AlarmName=ALARM["AlarmName"], StateValue="ALARM", StateReason="bounces")
        before = cw.describe_alarms()["MetricAlarms"]
    with local_emulator(state_file=state) as second:
        cw = _client(second.endpoint_url, data_paths["smithy-rpc-v2-cbor"])
        assert cw.describe_alarms()["MetricAlarms"] == before
        assert cw.list_tags_for_resource(ResourceARN=before[0]["AlarmArn"])["Tags"] == [
            {"Key": "sesctl:stack", "Value": "demo"}
        ]
        second.reset()
        assert cw.describe_alarms()["MetricAlarms"] == []
    with local_emulator(state_file=state) as third:
        assert _client(third.endpoint_url, data_paths["query"]).describe_alarms()["MetricAlarms"] == []


def test_iam_enforcement_covers_the_alarm_operations(data_paths: dict[str, str]) -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["cloudwatch:DescribeAlarms"], "Resource": "*"},
            {
                "Effect": "Allow",
                "Action": ["cloudwatch:PutMetricAlarm"],
                "Resource": f"arn:aws:cloudwatch:us-east-1:{ACCOUNT_ID}:alarm:sesctl/*",
            },
        ],
    }
    with local_emulator(iam_policy=policy) as emu:
        for protocol in PROTOCOLS:
            cw = _client(emu.endpoint_url, data_paths[protocol])
            cw.put_metric_alarm(**ALARM)
            error = _error(cw.put_metric_alarm, **{**ALARM, "AlarmName": "elsewhere"})
            assert error["Code"] == "AccessDenied" and "cloudwatch:PutMetricAlarm" in error["Message"], (
                protocol
            )
            assert _error(cw.delete_alarms, AlarmNames=[ALARM["AlarmName"]])["Code"] == "AccessDenied"
            assert [a["AlarmName"] for a in cw.describe_alarms()["MetricAlarms"]] == [ALARM["AlarmName"]]
        assert emu.emulator.iam is not None
        assert {d.action for d in emu.emulator.iam.decisions} == {
            "cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms"
        }  # fmt: skip


# --- the AWS CLI --------------------------------------------------------------------------------


def _aws(url: str, *args: str, data_path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dummy_aws_env(AWS_MAX_ATTEMPTS="1")
    if data_path is not None:
        env["AWS_DATA_PATH"] = data_path
    return subprocess.run(
        [AWS, "cloudwatch", "--endpoint-url", url, "--output", "json", *args],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip


PUT = (
    "put-metric-alarm", "--namespace", "AWS/SES", "--metric-name", "Send", "--statistic", "Sum",
    "--evaluation-periods", "1", "--threshold", "1000", "--comparison-operator", "GreaterThanThreshold",
)  # fmt: skip


def test_the_aws_cli(emu: LocalEmulator) -> None:
    emu.reset()
    for name in ("cli-a", "cli-b", "cli-c"):
        put = _aws(
            emu.endpoint_url, *PUT, "--alarm-name", name, "--period", "86400", "--tags", "Key=team,Value=mail"
        )
        assert put.returncode == 0, put.stderr
    listed = _aws(emu.endpoint_url, "describe-alarms", "--alarm-name-prefix", "cli-", "--page-size", "2")
    assert listed.returncode == 0, listed.stderr
    alarms = json.loads(listed.stdout)["MetricAlarms"]
    assert [a["AlarmName"] for a in alarms] == ["cli-a", "cli-b", "cli-c"]
    tags = _aws(emu.endpoint_url, "list-tags-for-resource", "--resource-arn", alarms[0]["AlarmArn"])
    assert json.loads(tags.stdout)["Tags"] == [{"Key": "team", "Value": "mail"}]
    bad = _aws(emu.endpoint_url, *PUT, "--alarm-name", "bad", "--period", "45")
    assert bad.returncode != 0 and "ValidationError" in bad.stderr and "multiple of 60" in bad.stderr
    deleted = _aws(emu.endpoint_url, "delete-alarms", "--alarm-names", "cli-a", "cli-b", "cli-c")
    assert deleted.returncode == 0, deleted.stderr
    assert json.loads(_aws(emu.endpoint_url, "describe-alarms").stdout)["MetricAlarms"] == []


@pytest.mark.parametrize("protocol", ["smithy-rpc-v2-cbor", "query"])
def test_the_aws_cli_in_the_other_protocols(
    emu: LocalEmulator, data_paths: dict[str, str], protocol: str
) -> None:
    emu.reset()
    put = _aws(
        emu.endpoint_url, *PUT, "--alarm-name", "cli", "--period", "3600", data_path=data_paths[protocol]
    )
    assert put.returncode == 0, put.stderr
    bad = _aws(
        emu.endpoint_url, *PUT, "--alarm-name", "bad", "--period", "45", data_path=data_paths[protocol]
    )
    assert bad.returncode != 0 and "ValidationError" in bad.stderr
    listed = _aws(emu.endpoint_url, "describe-alarms", data_path=data_paths[protocol])
    assert [(a["AlarmName"], a["Period"]) for a in json.loads(listed.stdout)["MetricAlarms"]] == [
        ("cli", 3600)
    ]


# --- the reproduction: alarms outlive an embedded --local command ---------------------------------


def _sesctl(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SESCTL_"))}
    return subprocess.run(
        [SESCTL, "--local", *args],
        cwd=root,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_an_applied_alert_policy_outlives_the_embedded_emulator(tmp_path: Path) -> None:
    (tmp_path / "manifests").mkdir()
    (tmp_path / "sesctl.yaml").write_text("stack: demo\n", encoding="utf-8")
    policy = tmp_path / "manifests" / "a.yaml"
    policy.write_text(
        "apiVersion: sesctl/v1\nkind: AlertPolicy\nmetadata: {name: reputation}\nspec: {bounceRate: 0.2}\n",
        encoding="utf-8",
    )
    applied = _sesctl(tmp_path, "apply", "--auto-approve")
    assert applied.returncode == 0, applied.stderr
    planned = _sesctl(tmp_path, "plan")
    assert planned.returncode == 0, planned.stderr
    assert "No changes" in planned.stdout
    saved = json.loads((tmp_path / ".sesctl" / "ses-state.json").read_text(encoding="utf-8"))
    assert "sesctl/reputation/bounce-rate" in saved["regions"]["us-east-1"]["cloudwatch"]["alarms"]

    policy.write_text(
        "apiVersion: sesctl/v1\nkind: ConfigurationSet\nmetadata: {name: tx}\nspec: {}\n", encoding="utf-8"
    )
    pruned = _sesctl(tmp_path, "apply", "--auto-approve", "--prune")
    assert pruned.returncode == 0, pruned.stderr
    assert "AlertPolicy/reputation: delete done" in pruned.stdout
    again = _sesctl(tmp_path, "plan")
    assert "No changes" in again.stdout, again.stdout
    saved = json.loads((tmp_path / ".sesctl" / "ses-state.json").read_text(encoding="utf-8"))
    assert saved["regions"]["us-east-1"]["cloudwatch"]["alarms"] == {}


# --- hostile requests: CloudWatch's error in the request's protocol, never a 500 ------------------

SIGNED = "AWS4-HMAC-SHA256 Credential=local/20261205/us-east-1/monitoring/aws4_request, SignedHeaders=host, Signature=0"
CBOR_PATH = "/service/GraniteServiceVersion20100801/operation/"
HOSTILE: list[tuple[str, str, bytes, str, str]] = [
    ("cbor: not a map", CBOR_PATH + "DescribeAlarms", bytes.fromhex("8101"), "cbor", "SerializationException"),
    ("cbor: truncated", CBOR_PATH + "DescribeAlarms", bytes.fromhex("a1"), "cbor", "SerializationException"),
    ("cbor: nested too deep", CBOR_PATH + "DescribeAlarms", b"\x81" * 5000 + b"\x00", "cbor", "SerializationException"),
    ("cbor: no such operation", CBOR_PATH + "..%2Fx", bytes.fromhex("a0"), "cbor", "InvalidAction"),
    ("json: not json", "DescribeAlarms", b"{", "json", "SerializationException"),
    ("json: a string for a number", "DescribeAlarms", b'{"MaxRecords": "5"}', "json", "ValidationError"),
    ("json: a number for a name", "DescribeAlarms", b'{"AlarmNames": [1]}', "json", "ValidationError"),
    ("json: infinite threshold", "PutMetricAlarm", b'{"AlarmName": "a", "MetricName": "m", "Namespace": "n", "Statistic": "Sum", '
     b'"Period": 60, "EvaluationPeriods": 1, "ComparisonOperator": "GreaterThanThreshold", "Threshold": 1e400}', "json", "ValidationError"),
    ("json: a number for a metric", "PutMetricAlarm", b'{"AlarmName": "a", "Metrics": [{"Id": "m", "MetricStat": 5}], '
     b'"EvaluationPeriods": 1, "ComparisonOperator": "GreaterThanThreshold", "Threshold": 1}', "json", "ValidationError"),
    ("json: no such operation", "Nonsense", b"{}", "json", "InvalidAction"),
    ("query: a list and a scalar", "/", b"Action=DescribeAlarms&AlarmNames=x&AlarmNames.member.1=y", "query", "ValidationError"),
    ("query: NaN", "/", b"Action=PutMetricAlarm&AlarmName=a&Threshold=nan", "query", "ValidationError"),
    ("query: a huge number", "/", b"Action=DescribeAlarms&MaxRecords=99999999999999999999999", "query", "ValidationError"),
    ("query: a member not numbered", "/", b"Action=DescribeAlarms&AlarmNames.member.x=y", "query", "ValidationError"),
    ("query: deep keys", "/", b"Action=DescribeAlarms&" + b"a." * 5000 + b"b=1", "query", "SerializationException"),
    ("query: no such action", "/", b"Action=Nope", "query", "InvalidAction"),
]  # fmt: skip


@pytest.mark.parametrize(("why", "where", "body", "protocol", "code"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_requests_get_cloudwatch_errors(
    emu: LocalEmulator, why: str, where: str, body: bytes, protocol: str, code: str
) -> None:
    import urllib.error
    import urllib.request

    from reconciler.emulator.cbor import decode

    headers = {"Authorization": SIGNED}
    path = where
    if protocol == "cbor":
        headers.update({"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"})
    elif protocol == "json":
        headers.update(
            {
                "Content-Type": "application/x-amz-json-1.0",
                "X-Amz-Target": f"GraniteServiceVersion20100801.{where}",
            }
        )
        path = "/"
    else:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(emu.endpoint_url + path, data=body, headers=headers)
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=30)
    answer = caught.value.read()
    assert caught.value.code == 400, answer
    if protocol == "query":
        assert f"<Code>{code}</Code>".encode() in answer
    else:
        document = decode(answer) if protocol == "cbor" else json.loads(answer)
        assert document["__type"] == f"com.amazonaws.cloudwatch#{code}"
        assert caught.value.headers["x-amzn-query-error"] == f"{code};Sender"
