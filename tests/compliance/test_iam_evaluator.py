"""The emulator's IAM enforcement: actions, resources and condition keys, over real HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from reconciler.iam.evaluate import Policy
from reconciler.testing import local_emulator

ACCOUNT = "123456789012"
ARN = f"arn:aws:ses:us-east-1:{ACCOUNT}"


def _policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def test_wildcards_deny_and_missing_keys() -> None:
    policy = Policy(
        _policy(
            {"Effect": "Allow", "Action": "ses:Get*", "Resource": f"{ARN}:template/*"},
            {"Effect": "Deny", "Action": "ses:GetEmailTemplate", "Resource": f"{ARN}:template/secret"},
            {
                "Effect": "Allow",
                "Action": "ses:SendEmail",
                "Resource": "*",
                "Condition": {"StringLike": {"ses:FromAddress": "*@example.com"}},
            },
        )
    )
    assert policy.decide("ses:GetEmailTemplate", [f"{ARN}:template/welcome"]).allowed
    assert policy.decide("SES:getemailtemplate", [f"{ARN}:template/welcome"]).allowed  # actions: any case
    assert policy.decide("ses:GetEmailTemplate", [f"{ARN}:template/secret"]).reason == "explicitly denied"
    assert not policy.decide("ses:GetEmailTemplate", [f"{ARN}:configuration-set/x"]).allowed
    assert not policy.decide("ses:GetAccount", ["*"]).allowed
    assert policy.decide("ses:SendEmail", ["*"], {"ses:FromAddress": "news@example.com"}).allowed
    assert not policy.decide("ses:SendEmail", ["*"], {"ses:FromAddress": "x@evil.example"}).allowed
    assert not policy.decide("ses:SendEmail", ["*"], {}).allowed  # a missing key matches nothing


def test_an_unknown_operator_grants_nothing() -> None:
    policy = Policy(
        _policy({"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"DateLessThan": {"aws:X": "1"}}})
    )
    assert not policy.decide("ses:GetAccount", ["*"]).allowed


def test_an_arn_pattern_does_not_cover_actions_without_resources() -> None:
    policy = Policy(_policy({"Effect": "Allow", "Action": "ses:*", "Resource": f"{ARN}:*"}))
    assert not policy.decide("ses:ListEmailTemplates", ["*"]).allowed


def test_the_emulator_refuses_what_the_policy_does_not_allow() -> None:
    sender = "news@example.com"
    policy = _policy(
        {"Effect": "Allow", "Action": "ses:CreateEmailTemplate", "Resource": f"{ARN}:template/welcome"},
        {
            "Effect": "Allow",
            "Action": "ses:SendEmail",
            "Resource": [f"{ARN}:identity/example.com", f"{ARN}:template/welcome"],
            "Condition": {"StringEquals": {"ses:FromAddress": sender}},
        },
    )
    with local_emulator(iam_policy=policy) as emu:
        emu.admin("verify_identity", identity="example.com")
        ses = emu.client("sesv2")
        ses.create_email_template(TemplateName="welcome", TemplateContent={"Subject": "Hi", "Text": "Hello"})
        with pytest.raises(ClientError) as denied:
            ses.create_email_template(TemplateName="other", TemplateContent={"Subject": "Hi", "Text": "Hello"})
        assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
        assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403

        def send(sender: str) -> Any:
            return ses.send_email(
                FromEmailAddress=sender,
                Destination={"ToAddresses": ["success@simulator.amazonses.com"]},
                Content={"Template": {"TemplateName": "welcome", "TemplateData": "{}"}},
            )

        assert send(f"News <{sender}>")["MessageId"]
        with pytest.raises(ClientError, match="AccessDenied"):
            send("ceo@example.com")  # the right identity, a sender the condition refuses
        assert [d.allowed for d in emu.emulator.iam.decisions] == [True, False, True, False]  # type: ignore[union-attr]
        assert len(emu.admin("sent_messages", include_body=False)) == 1


def test_sqs_requests_are_named_as_iam_names_them() -> None:
    from reconciler.emulator.iam import sqs_request

    body = b'{"QueueUrl": "http://127.0.0.1:4566/123456789012/ses-events", "Entries": []}'
    assert sqs_request("AmazonSQS.DeleteMessageBatch", body) == ("DeleteMessage", "ses-events")
    assert sqs_request("AmazonSQS.GetQueueUrl", b'{"QueueName": "q"}') == ("GetQueueUrl", "q")
    assert sqs_request(None, b"Action=ReceiveMessage&QueueUrl=http%3A%2F%2Fh%2F1%2Fq2") == ("ReceiveMessage", "q2")
    assert sqs_request("AmazonSQS.ListQueues", b"not json") == ("ListQueues", None)


def test_the_emulator_refuses_cloudwatch_requests_the_policy_does_not_allow() -> None:
    """Metric reads on "*", alarm operations on the alarms they name; a refused request changes
    nothing and gets CloudWatch's AccessDenied, in the JSON protocol (boto3) and the query one."""
    import urllib.request

    from reconciler.emulator.cbor import decode, encode

    alarms = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:sesctl/*"
    policy = _policy(
        {"Effect": "Allow", "Action": ["cloudwatch:ListMetrics", "cloudwatch:DescribeAlarms"], "Resource": "*"},
        {"Effect": "Allow", "Action": "cloudwatch:PutMetricAlarm", "Resource": alarms},
    )
    alarm = {"MetricName": "Bounce", "Namespace": "AWS/SES", "Statistic": "Sum", "Period": 60,
             "EvaluationPeriods": 1, "Threshold": 1.0, "ComparisonOperator": "GreaterThanThreshold"}  # fmt: skip
    with local_emulator(iam_policy=policy) as emu:
        cloudwatch = emu.client("cloudwatch")
        assert cloudwatch.list_metrics(Namespace="AWS/SES")["Metrics"] == []
        cloudwatch.put_metric_alarm(AlarmName="sesctl/bounces", **alarm)
        with pytest.raises(ClientError) as denied:
            cloudwatch.put_metric_alarm(AlarmName="other", **alarm)
        assert denied.value.response["Error"]["Code"] == "AccessDenied"
        assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        assert "alarm:other" in denied.value.response["Error"]["Message"]
        with pytest.raises(ClientError, match="AccessDenied"):
            cloudwatch.get_metric_data(MetricDataQueries=[], StartTime=0, EndTime=60)
        with pytest.raises(ClientError, match="AccessDenied"):
            cloudwatch.delete_alarms(AlarmNames=["sesctl/bounces"])
        assert [a["AlarmName"] for a in cloudwatch.describe_alarms()["MetricAlarms"]] == ["sesctl/bounces"]

        # the query protocol (older SDKs, the AWS CLI v1): the operation in the form's Action
        request = urllib.request.Request(
            emu.endpoint_url + "/",
            data=b"Action=DeleteAlarms&Version=2010-08-01&AlarmNames.member.1=sesctl%2Fbounces",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Authorization": "AWS4-HMAC-SHA256 Credential=local/20261205/us-east-1/monitoring/aws4_request, "
                "SignedHeaders=host, Signature=0",
            },
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        assert refused.value.code == 403 and b"<Code>AccessDenied</Code>" in refused.value.read()
        assert [d.action for d in emu.emulator.iam.decisions][-1] == "cloudwatch:DeleteAlarms"  # type: ignore[union-attr]

        # RPC v2 CBOR (the newer SDKs): the operation in the path, the parameters in CBOR
        request = urllib.request.Request(
            emu.endpoint_url + "/service/GraniteServiceVersion20100801/operation/DeleteAlarms",
            data=encode({"AlarmNames": ["sesctl/bounces"]}),
            headers={"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor",
                     "Authorization": request.headers["Authorization"]},
        )  # fmt: skip
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        answer = decode(refused.value.read())
        assert refused.value.code == 403 and answer["__type"].endswith("#AccessDenied")
        assert "cloudwatch:DeleteAlarms on resource: arn:aws:cloudwatch:us-east-1:123456789012:alarm:sesctl/bounces" in answer["message"]
        assert len(cloudwatch.describe_alarms()["MetricAlarms"]) == 1


def test_cloudwatch_requests_are_named_as_iam_names_them() -> None:
    from reconciler.emulator.cbor import encode
    from reconciler.emulator.cloudwatch_alarms import CloudWatchError
    from reconciler.emulator.cloudwatch_protocol import CBOR, JSON, QUERY, decode
    from reconciler.emulator.iam import cloudwatch_resources

    target = "GraniteServiceVersion20100801.DeleteAlarms"
    assert decode(JSON, "/", target, b'{"AlarmNames": ["a", "b"]}') == ("DeleteAlarms", {"AlarmNames": ["a", "b"]})
    form = b"Action=DeleteAlarms&AlarmNames.member.10=j&AlarmNames.member.2=b&AlarmNames.member.1=a"
    assert decode(QUERY, "/", None, form) == ("DeleteAlarms", {"AlarmNames": ["a", "b", "j"]})
    assert decode(QUERY, "/", None, b"") == ("", {})
    assert decode(QUERY, "/", None, b"", "Action=ListMetrics&Namespace=AWS%2FSES") == ("ListMetrics", {"Namespace": "AWS/SES"})
    cbor = "/service/GraniteServiceVersion20100801/operation/"
    assert decode(CBOR, cbor + "PutMetricAlarm", None, encode({"AlarmName": "a"})) == ("PutMetricAlarm", {"AlarmName": "a"})
    with pytest.raises(CloudWatchError, match="invalid CBOR"):  # refused as malformed, never passed unchecked
        decode(CBOR, cbor + "ListMetrics", None, b"\xff")
    assert cloudwatch_resources({"AlarmName": "sesctl/x"}, "eu-west-1", "1" * 12) == [
        "arn:aws:cloudwatch:eu-west-1:111111111111:alarm:sesctl/x"
    ]
    assert cloudwatch_resources({"ResourceARN": "arn:x"}, "eu-west-1", "1" * 12) == ["arn:x"]
    assert cloudwatch_resources({"Namespace": "AWS/SES"}, "eu-west-1", "1" * 12) == ["*"]
