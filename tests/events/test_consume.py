"""`sesctl events consume` end to end: mail to the emulator's mailbox simulator, its events
through SNS -> SQS (wrapped and raw), EventBridge -> SQS and Firehose -> S3, into the store,
counted exactly. One emulator and one round of sends for the module."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from events_support import ndjson, record

from reconciler.events.consume import consume
from reconciler.events.sources import FileSource, S3Source, SqsSource
from reconciler.events.store import EventStore
from reconciler.testing import LocalEmulator, dummy_aws_env, local_emulator

SESCTL = str(Path(sys.executable).parent / "sesctl")
ENV = dummy_aws_env()
SENDER = "news@example.com"
ALL = [
    "SEND",
    "REJECT",
    "BOUNCE",
    "COMPLAINT",
    "DELIVERY",
    "OPEN",
    "CLICK",
    "RENDERING_FAILURE",
    "DELIVERY_DELAY",
    "SUBSCRIPTION",
]
# What the sends below publish, per stored type (see the module's fixture).
EXPECTED = {
    "send": 3,  # success, bounce, complaint (the failed rendering publishes no Send)
    "delivery": 2,  # success, complaint
    "bounce": 1,
    "complaint": 1,
    "rendering_failure": 1,
    "open": 1,
    "click": 2,
}


@dataclass
class World:
    emu: LocalEmulator
    queues: dict[str, str]  # wrapped, raw, bus -> URL
    bucket: str


def _queue(sqs: Any, name: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with local_emulator() as emu:
        ses, sns, sqs, s3, firehose, bus = (
            emu.client(s) for s in ("sesv2", "sns", "sqs", "s3", "firehose", "events")
        )
        emu.admin("verify_identity", identity="example.com")
        emu.admin("configure_account", max_send_rate=2000.0)
        ses.create_email_template(
            TemplateName="welcome",
            TemplateContent={"Subject": "Hi {{name}}", "Text": "Plan {{plan}}", "Html": "<p>{{plan}}</p>"},
        )
        topic = sns.create_topic(Name="ses-events")["TopicArn"]
        wrapped, wrapped_arn = _queue(sqs, "wrapped")
        raw, raw_arn = _queue(sqs, "raw")
        on_bus, bus_arn = _queue(sqs, "bus")
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=wrapped_arn)
        sns.subscribe(
            TopicArn=topic, Protocol="sqs", Endpoint=raw_arn, Attributes={"RawMessageDelivery": "true"}
        )
        bus.put_rule(Name="ses", EventPattern=json.dumps({"source": ["aws.ses"]}))
        bus.put_targets(Rule="ses", Targets=[{"Id": "q", "Arn": bus_arn}])
        s3.create_bucket(Bucket="ses-archive")
        stream = firehose.create_delivery_stream(
            DeliveryStreamName="ses-stream",
            ExtendedS3DestinationConfiguration={
                "RoleARN": "arn:aws:iam::123456789012:role/firehose",
                "BucketARN": "arn:aws:s3:::ses-archive",
                "Prefix": "events/",
            },
        )["DeliveryStreamARN"]
        ses.create_configuration_set(ConfigurationSetName="tracked")
        for name, target in {
            "sns": {"SnsDestination": {"TopicArn": topic}},
            "eb": {
                "EventBridgeDestination": {
                    "EventBusArn": "arn:aws:events:us-east-1:123456789012:event-bus/default"
                }
            },
            "cw": {
                "CloudWatchDestination": {
                    "DimensionConfigurations": [
                        {
                            "DimensionName": "campaign",
                            "DimensionValueSource": "MESSAGE_TAG",
                            "DefaultDimensionValue": "none",
                        }
                    ]
                }
            },
            "fh": {
                "KinesisFirehoseDestination": {
                    "IamRoleArn": "arn:aws:iam::123456789012:role/ses",
                    "DeliveryStreamArn": stream,
                }
            },
        }.items():
            ses.create_configuration_set_event_destination(
                ConfigurationSetName="tracked",
                EventDestinationName=name,
                EventDestination={"Enabled": True, "MatchingEventTypes": ALL, **target},
            )

        def send(to: str, data: dict[str, str]) -> str:
            return str(
                ses.send_email(
                    FromEmailAddress=SENDER,
                    Destination={"ToAddresses": [to]},
                    Content={"Template": {"TemplateName": "welcome", "TemplateData": json.dumps(data)}},
                    ConfigurationSetName="tracked",
                    EmailTags=[{"Name": "campaign", "Value": "spring"}],
                )["MessageId"]
            )

        full = {"name": "Ada", "plan": "pro"}
        success = send("success@simulator.amazonses.com", full)
        send("bounce@simulator.amazonses.com", full)
        send("complaint@simulator.amazonses.com", full)
        send("ada@example.org", {"name": "Ada"})  # no plan: a rendering failure
        assert emu.admin("open", message_id=success) == 4
        assert emu.admin("click", message_id=success, link="https://example.com/a") == 4
        assert emu.admin("click", message_id=success, link="https://example.com/b") == 4
        yield World(emu, {"wrapped": wrapped, "raw": raw, "bus": on_bus}, "ses-archive")


def counts(store: EventStore) -> dict[str, int]:
    return dict(store.conn.execute("SELECT event_type, count(*) FROM events GROUP BY event_type").fetchall())


def sesctl(world: World, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SESCTL, "--endpoint-url", world.emu.endpoint_url, *args],
        capture_output=True,
        text=True,
        env=ENV,
        stdin=subprocess.DEVNULL,
        timeout=120,
        **kwargs,
    )


def test_sns_wrapped_queue_through_the_cli_then_the_raw_queue_into_the_same_store(
    world: World, tmp_path: Path
) -> None:
    store_path = tmp_path / "events.db"
    run = sesctl(world, "events", "consume", "--queue", "wrapped", "--store", str(store_path), "--json")
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["added"] == sum(EXPECTED.values()) and report["quarantined"] == 0
    assert report["controls"] == 1  # SES's "Successfully validated SNS topic" message
    assert report["lag_p95_ms"] is not None
    with EventStore.open(store_path) as store:
        assert counts(store) == EXPECTED
        campaign = store.conn.execute(
            "SELECT count(*) FROM events e JOIN tagset_tags t ON t.tagset_id = e.tagset_id"
            " WHERE t.name = 'campaign' AND t.value = 'spring'"
        ).fetchone()[0]
        assert campaign == sum(EXPECTED.values())
        [failure] = store.conn.execute(
            "SELECT template, reason FROM events WHERE event_type = 'rendering_failure'"
        ).fetchall()
        assert failure[0] == "welcome" and "plan" in failure[1]
        [bounce] = store.conn.execute(
            "SELECT bounce_type, bounce_subtype, recipient_domain FROM events WHERE event_type = 'bounce'"
        ).fetchall()
        assert bounce == ("Permanent", "General", "simulator.amazonses.com")
        # The raw-delivery queue carries the same events: all duplicates.
        again = consume(store, SqsSource(world.emu.client("sqs"), world.queues["raw"]))
        # Plus SES's validation message, which SNS delivered when the destination was created.
        assert (again.added, again.duplicates, again.received) == (0, sum(EXPECTED.values()), 12)
        assert (again.controls, again.quarantined) == (1, 0)
    sqs = world.emu.client("sqs")
    for name in ("wrapped", "raw"):
        left = sqs.get_queue_attributes(
            QueueUrl=world.queues[name], AttributeNames=["ApproximateNumberOfMessages"]
        )
        assert left["Attributes"]["ApproximateNumberOfMessages"] == "0"  # deleted after the commit


def test_eventbridge_queue(world: World, tmp_path: Path) -> None:
    with EventStore.open(tmp_path / "events.db") as store:
        report = consume(store, SqsSource(world.emu.client("sqs"), world.queues["bus"], batch_size=3))
        assert counts(store) == EXPECTED
        assert report.batches >= 4 and report.quarantined == 0


def test_firehose_objects_in_s3_resume_and_time_range(world: World, tmp_path: Path) -> None:
    s3 = world.emu.client("s3")
    with EventStore.open(tmp_path / "events.db") as store:
        source = S3Source(s3, world.bucket, "events/", processed=store.processed)
        first = consume(store, source)
        assert counts(store) == EXPECTED and first.quarantined == 0
        # A second run reads no object again (their keys and ETags are recorded).
        second = consume(store, S3Source(s3, world.bucket, "events/", processed=store.processed))
        assert second.received == 0 and second.batches == 0
        # A gzip object written later, with one new event, one replayed event and a foreign line.
        replay = {
            "eventType": "Open",
            **{k: v for k, v in record("Open", "m-new").items() if k != "eventType"},
        }
        s3.put_object(
            Bucket=world.bucket,
            Key="later/2026/11/28/part-1.gz",
            Body=gzip.compress(ndjson([replay, replay]) + b'{"hello": "world"}\n'),
        )
        third = consume(store, S3Source(s3, world.bucket, "later/", processed=store.processed))
        assert (third.added, third.duplicates, third.quarantined) == (1, 1, 1)
        from datetime import UTC, datetime, timedelta

        future = datetime.now(UTC) + timedelta(days=1)
        nothing = consume(store, S3Source(s3, world.bucket, "", processed=lambda _: None, since=future))
        assert nothing.received == 0


def test_files_malformed_and_foreign_records_are_quarantined_and_replays_count_once(tmp_path: Path) -> None:
    good = [record("Send", "m1"), record("Delivery", "m1"), record("Bounce", "m2")]
    path = tmp_path / "events.ndjson"
    path.write_bytes(
        ndjson(good)
        + b"this is not json\n"
        + json.dumps({"source": "aws.ec2", "detail-type": "EC2", "detail": {}}).encode()
        + b"\n"
        + json.dumps({"eventType": "Bounce", "mail": {"messageId": "x"}}).encode()
        + b"\n"
    )
    with EventStore.open(tmp_path / "events.db") as store:
        first = consume(store, FileSource([str(path)]))
        second = consume(store, FileSource([str(path), str(path)]))
        assert (first.added, first.quarantined) == (3, 3)
        assert (second.added, second.duplicates, second.quarantined) == (0, 6, 0)
        reasons = [row[0] for row in store.conn.execute("SELECT reason FROM quarantine ORDER BY id")]
        assert reasons[0].startswith("not JSON") and "foreign EventBridge" in reasons[1]
        assert "timestamp" in reasons[2]
        assert store.conn.execute("SELECT origin FROM quarantine ORDER BY id").fetchone()[0].endswith(":4")


def test_cli_parses_a_file_in_a_worker_process_and_stores_the_same(tmp_path: Path) -> None:
    lines = [record("Send", f"m{i}", to=f"u{i}@example.org") for i in range(40)]
    path = tmp_path / "events.ndjson"
    path.write_bytes(ndjson(lines) + b"not json\n")
    counts = {}
    for workers in ("0", "1"):
        run = subprocess.run(
            [SESCTL, "events", "consume", str(path), "--store", str(tmp_path / f"w{workers}.db"), "--json",
             "--batch-size", "10", "--parse-workers", workers],
            capture_output=True, text=True, env=ENV, stdin=subprocess.DEVNULL, timeout=120,
        )
        assert run.returncode == 0, run.stderr
        report = json.loads(run.stdout)
        counts[workers] = (report["batches"], report["added"], report["quarantined"])
    assert counts["1"] == counts["0"] == (5, 40, 1)


def test_cli_refuses_bad_usage_without_traceback(world: World, tmp_path: Path) -> None:
    store = str(tmp_path / "e.db")
    for args, message in [
        ((), "give exactly one source"),
        (("--s3", "nope"), "not an s3://"),
        (("--s3", "s3://b/", "--since", "last tuesday"), "--since 'last tuesday'"),
        (("--queue", "no-such-queue"), "Error"),
    ]:
        run = sesctl(world, "events", "consume", "--store", store, *args)
        assert run.returncode == 1, (args, run.stdout, run.stderr)
        assert message in run.stderr and "Traceback" not in run.stderr, (args, run.stderr)


def test_analytics_from_the_store_equal_cloudwatch_and_the_mcp_tool_says_which_answered(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio
    from datetime import UTC, datetime, timedelta

    from mcp import Client

    from reconciler.aws.clients import AwsContext
    from reconciler.events.analytics import Query, store_analytics
    from reconciler.events.cloudwatch import cloudwatch_analytics
    from reconciler.mcp import McpApp, McpConfig, build_server
    from reconciler.mcp.audit import AuditLog
    from reconciler.settings import Settings

    store_path = tmp_path / "events.db"
    with EventStore.open(store_path) as store:
        consume(store, S3Source(world.emu.client("s3"), world.bucket, "events/", processed=store.processed))
        today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        query = Query(start=today, end=today + timedelta(days=1), group_by="tag", tag="campaign")
        from_store = store_analytics(store, query)
    from_cloudwatch = cloudwatch_analytics(world.emu.client("cloudwatch"), query)
    assert from_store.totals.counts == from_cloudwatch.totals.counts
    assert {r.key: r.counts for r in from_store.rows} == {r.key: r.counts for r in from_cloudwatch.rows}
    assert from_store.totals.rates["bounce_rate"] == round(1 / 3, 6)
    assert from_store.totals.rates["reputation_bounce_rate"] == round(1 / 3, 6)
    [reason] = from_store.bounce_reasons
    assert (reason["bounce_type"], reason["status"], reason["count"]) == ("Permanent", "5.1.1", 1)

    # The CLI reads the same store.
    run = sesctl(
        world, "analytics", "--store", str(store_path), "--since", "1d", "--until", "1d", "--format", "csv"
    )
    assert run.returncode == 1 and "is not after" in run.stderr
    run = sesctl(
        world,
        "analytics",
        "--store",
        str(store_path),
        "--since",
        "2d",
        "--group-by",
        "total",
        "--format",
        "json",
    )
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    assert answer["source"] == "store" and answer["totals"]["counts"] == from_store.totals.counts

    monkeypatch.setenv("SESCTL_EVENTS_STORE", str(store_path))
    config = McpConfig.model_validate({"senders": [SENDER], "configuration_sets": ["tracked"]})
    aws = AwsContext(region="us-east-1", endpoint_url=world.emu.endpoint_url, local=True)
    app = McpApp.create(
        config,
        aws,
        settings=Settings(endpoint_url=world.emu.endpoint_url),
        rates=1000,
        audit=AuditLog(stream=__import__("io").StringIO()),
    )
    day = today.date().isoformat()

    async def ask(source: str) -> dict[str, Any]:
        async with Client(build_server(app), raise_exceptions=True) as client:
            result = await client.call_tool(
                "get_email_analytics", {"request": {"start": day, "end": day, "source": source}}
            )
        assert result.is_error is False, result.content
        return dict(result.structured_content or {})

    answers = {source: asyncio.run(ask(source)) for source in ("auto", "store", "cloudwatch")}
    assert [answers[s]["source"] for s in ("auto", "store", "cloudwatch")] == ["store", "store", "cloudwatch"]
    assert answers["store"]["totals"]["counts"] == answers["cloudwatch"]["totals"]["counts"]
    monkeypatch.setenv("SESCTL_EVENTS_STORE", str(tmp_path / "nothing.db"))
    assert asyncio.run(ask("auto"))["source"] == "cloudwatch"


def test_unreadable_files_are_usage_errors(tmp_path: Path) -> None:
    from reconciler.errors import UsageError

    with EventStore.open(tmp_path / "events.db") as store:
        with pytest.raises(UsageError, match="cannot read"):
            consume(store, FileSource([str(tmp_path / "missing.ndjson")]))
        with pytest.raises(UsageError, match="is a directory"):
            consume(store, FileSource([str(tmp_path)]))
        (tmp_path / "bad.gz").write_bytes(b"\x1f\x8b" + b"not gzip at all")
        with pytest.raises(UsageError, match="not valid gzip"):
            consume(store, FileSource([str(tmp_path / "bad.gz")]))


def test_quarantine_listing_and_raw_bytes(world: World, tmp_path: Path) -> None:
    path = tmp_path / "bad.ndjson"
    path.write_bytes(b'{"broken": \n')
    store = str(tmp_path / "events.db")
    assert sesctl(world, "events", "consume", str(path), "--store", store).returncode == 0
    listed = sesctl(world, "events", "quarantine", "--store", store, "--json")
    [item] = json.loads(listed.stdout)
    assert item["origin"].endswith("bad.ndjson:1") and item["reason"].startswith("not JSON")
    raw = subprocess.run(
        [SESCTL, "events", "quarantine", "--store", store, "--raw", str(item["id"])],
        capture_output=True,
        env=ENV,
        timeout=120,
        check=True,
    )
    assert raw.stdout == b'{"broken":'
