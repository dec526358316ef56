"""The three analytics sources agree: the same sends to the emulator, read from the event store
(SNS -> SQS -> `sesctl events consume`), from CloudWatch (a CloudWatch event destination) and
from VDM (BatchGetMetricData), give the same totals, through the CLI and the MCP tool.

VDM leaves out the mailbox simulator, so these sends go to ordinary addresses (one recipient
each) and their bounces, complaints, opens and clicks come from the emulator's admin actions."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from test_consume import ENV, SESCTL

from reconciler.aws.clients import AwsContext
from reconciler.events.analytics import Query, Result
from reconciler.testing import LocalEmulator, local_emulator

SENDER = "news@example.com"
SET = "agree"
TODAY = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
SINCE, UNTIL = TODAY.strftime("%Y-%m-%d"), (TODAY + timedelta(days=1)).strftime("%Y-%m-%d")
# to -> what happens after the send
RECIPIENTS = {
    "ada@gmail.com": ["open", "click"],
    "bob@gmail.com": ["open"],
    "cy@yahoo.com": ["bounce"],
    "dee@yahoo.com": ["complaint"],
    "eve@outlook.com": ["transient"],
    "fay@outlook.com": ["open", "click", "complaint"],
    "gus@example.org": ["bounce"],
    "hal@example.org": [],
    "ivy@icloud.com": ["click"],
    "jo@example.org": [],
}
EXPECTED = {"send": 10, "delivery": 10, "bounce": 3, "complaint": 2, "open": 3, "click": 3}
SIX = list(EXPECTED)


@dataclass
class World:
    emu: LocalEmulator
    store: Path


def cli(world: World, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SESCTL, "--endpoint-url", world.emu.endpoint_url, *args],
        capture_output=True,
        text=True,
        env=ENV,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with local_emulator() as emu:
        ses, sns, sqs = (emu.client(s) for s in ("sesv2", "sns", "sqs"))
        emu.admin("verify_identity", identity="example.com")
        emu.admin("configure_account", max_send_rate=1000.0)
        ses.put_account_vdm_attributes(VdmAttributes={"VdmEnabled": "ENABLED"})
        topic = sns.create_topic(Name="agree")["TopicArn"]
        queue = sqs.create_queue(QueueName="agree")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
        ses.create_configuration_set(ConfigurationSetName=SET)
        every = ["SEND", "DELIVERY", "BOUNCE", "COMPLAINT", "OPEN", "CLICK"]
        for name, target in {
            "sns": {"SnsDestination": {"TopicArn": topic}},
            "cw": {
                "CloudWatchDestination": {
                    "DimensionConfigurations": [
                        {
                            "DimensionName": "ses:configuration-set",
                            "DimensionValueSource": "MESSAGE_TAG",
                            "DefaultDimensionValue": "none",
                        }
                    ]
                }
            },
        }.items():
            ses.create_configuration_set_event_destination(
                ConfigurationSetName=SET,
                EventDestinationName=name,
                EventDestination={"Enabled": True, "MatchingEventTypes": every, **target},
            )
        for to, after in RECIPIENTS.items():
            mid = ses.send_email(
                FromEmailAddress=SENDER,
                Destination={"ToAddresses": [to]},
                Content={"Simple": {"Subject": {"Data": "Hi"}, "Body": {"Html": {"Data": "<p>Hi</p>"}}}},
                ConfigurationSetName=SET,
            )["MessageId"]
            for what in after:
                if what == "open":
                    emu.admin("open", message_id=mid)
                elif what == "click":
                    emu.admin("click", message_id=mid, link="https://example.com/spring")
                elif what == "transient":
                    emu.admin("bounce", message_id=mid, bounce_type="Transient", sub_type="MailboxFull")
                else:
                    emu.admin(what, message_id=mid)
        world = World(emu, tmp_path_factory.mktemp("agree") / "events.db")
        consumed = cli(world, "events", "consume", "--queue", "agree", "--store", str(world.store), "--json")
        assert consumed.returncode == 0, consumed.stderr
        assert json.loads(consumed.stdout)["quarantined"] == 0
        yield world


def analytics(world: World, source: str, *extra: str) -> dict[str, Any]:
    run = cli(
        world,
        "analytics",
        "--source",
        source,
        "--store",
        str(world.store),
        "--since",
        SINCE,
        "--until",
        UNTIL,
        "--format",
        "json",
        *extra,
    )
    assert run.returncode == 0, run.stderr
    answer: dict[str, Any] = json.loads(run.stdout)
    assert answer["source"] == source
    return answer


def answer(world: World, source: str, **query: Any) -> Result:
    """The same use case in this process (over HTTP to the emulator): quicker than the CLI."""
    from reconciler.app.analytics import from_aws, from_store
    from reconciler.app.connect import connect
    from reconciler.settings import Settings

    asked = Query(start=TODAY, end=TODAY + timedelta(days=1), **query)
    found = from_store(source, asked, world.store)
    if found is not None:
        return found
    with connect(Settings(endpoint_url=world.emu.endpoint_url), rate=1000) as conn:
        return from_aws(source, asked, gateway=conn.gateway, cloudwatch=conn.aws.client("cloudwatch"))


def six(counts: dict[str, int]) -> dict[str, int]:
    return {name: counts[name] for name in SIX}


def test_store_cloudwatch_and_vdm_totals_are_equal(world: World) -> None:
    answers = {source: analytics(world, source, "--group-by", "total") for source in ("store", "cloudwatch", "vdm")}
    totals = {source: six(answer["totals"]["counts"]) for source, answer in answers.items()}
    assert totals == {"store": EXPECTED, "cloudwatch": EXPECTED, "vdm": EXPECTED}
    vdm = answers["vdm"]
    assert vdm["totals"]["rates"]["bounce_rate"] == 0.3
    assert vdm["totals"]["rates"]["reputation_bounce_rate"] == 0.2  # the transient bounce is not in it
    assert vdm["warnings"] == []


def test_by_day_and_by_configuration_set_too(world: World) -> None:
    def rows(result: Result) -> dict[str, dict[str, int]]:
        return {row.key: six(row.counts) for row in result.rows}

    sources = ("store", "cloudwatch", "vdm")
    by_day = {source: rows(answer(world, source)) for source in sources}
    assert by_day == {key: {SINCE: EXPECTED} for key in sources}
    chosen = {"group_by": "configuration_set", "filters": {"ses:configuration-set": SET}}
    by_set = {source: rows(answer(world, source, **chosen)) for source in sources}
    assert by_set == {key: {SET: EXPECTED} for key in sources}
    # Without the filter VDM asks for every configuration set (ListConfigurationSets).
    assert rows(answer(world, "vdm", group_by="configuration_set")) == {SET: EXPECTED}


def test_vdm_by_isp_adds_up_to_the_store_by_domain(world: World) -> None:
    from reconciler.emulator.vdm import isp_of

    vdm = answer(world, "vdm", group_by="recipient_domain")
    assert vdm.group_by == "isp"
    by_isp = {row.key: six(row.counts) for row in vdm.rows}
    expected: dict[str, dict[str, int]] = {}
    for row in answer(world, "store", group_by="recipient_domain").rows:
        into = expected.setdefault(isp_of("x@" + row.key), dict.fromkeys(SIX, 0))
        for name in SIX:
            into[name] += row.counts[name]
    assert by_isp == expected
    assert set(by_isp) == {"Gmail", "Yahoo", "Microsoft", "Apple", "Other"}


def test_what_vdm_cannot_answer_is_refused(world: World) -> None:
    from reconciler.events.analytics import AnalyticsError

    for query, message in (
        ({"group_by": "tag", "tag": "campaign"}, "VDM cannot group by tag"),
        ({"group_by": "hour"}, "VDM cannot group by hour"),
        ({"filters": {"campaign": "spring"}}, "VDM cannot filter by the tag 'campaign'"),
        ({"metrics": ("reject",)}, "VDM has no reject count"),
    ):
        with pytest.raises(AnalyticsError, match=message):
            answer(world, "vdm", **query)
    run = cli(world, "analytics", "--source", "vdm", "--since", SINCE, "--group-by", "hour")
    assert run.returncode == 1 and "VDM cannot group by hour" in run.stderr and "Traceback" not in run.stderr


def test_vdm_says_it_counts_whole_days(world: World) -> None:
    from reconciler.app.connect import connect
    from reconciler.events.vdm import vdm_analytics
    from reconciler.settings import Settings

    noon = TODAY + timedelta(hours=12)
    with connect(Settings(endpoint_url=world.emu.endpoint_url), rate=1000) as conn:
        partial = vdm_analytics(conn.gateway, Query(start=noon - timedelta(hours=6), end=noon, group_by="total"))
    assert partial.start == TODAY.isoformat() and partial.end == (TODAY + timedelta(days=1)).isoformat()
    assert any("whole UTC days" in w for w in partial.warnings)
    assert six(partial.totals.counts) == EXPECTED


def test_the_mcp_tool_says_which_source_answered(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from mcp import Client

    from reconciler.mcp import McpApp, McpConfig, build_server
    from reconciler.mcp.audit import AuditLog
    from reconciler.settings import Settings

    monkeypatch.setenv("SESCTL_EVENTS_STORE", str(world.store))
    app = McpApp.create(
        McpConfig.model_validate({"senders": [SENDER], "configuration_sets": [SET]}),
        AwsContext(region="us-east-1", endpoint_url=world.emu.endpoint_url, local=True),
        settings=Settings(endpoint_url=world.emu.endpoint_url),
        rates=1000,
        audit=AuditLog(stream=io.StringIO()),
    )

    async def ask(source: str, **extra: Any) -> Any:
        request = {"start": SINCE, "end": SINCE, "source": source, **extra}
        async with Client(build_server(app), raise_exceptions=True) as client:
            return await client.call_tool("get_email_analytics", {"request": request})

    answers = {}
    for source in ("store", "cloudwatch", "vdm"):
        result = asyncio.run(ask(source, group_by="day"))
        assert result.is_error is False, result.content
        answers[source] = dict(result.structured_content or {})
    assert {s: a["source"] for s, a in answers.items()} == {s: s for s in answers}
    assert {s: six(a["totals"]["counts"]) for s, a in answers.items()} == dict.fromkeys(answers, EXPECTED)
    refused = asyncio.run(ask("vdm", group_by="variant"))
    assert refused.is_error is True and "VDM cannot group by variant" in str(refused.content)
