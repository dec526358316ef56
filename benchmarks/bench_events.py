"""Event store benchmark: ingest rate from files, and an analytics query over a large store.

    .venv/bin/python benchmarks/bench_events.py                   # 200,000 ingested, 1,000,000 queried
    .venv/bin/python benchmarks/bench_events.py --ingest 50000 --query-events 200000

Ingest: --ingest SES records (a campaign's mix: Send, Delivery, a few Bounce/Complaint, Open,
Click; 10 campaigns, 4 recipient domains), SNS-wrapped as they arrive from a queue, written as one
NDJSON file; then `consume` (parse, hash recipients, one transaction per --batch-size records,
the same path as `sesctl events consume FILE`) into a fresh store. Prints events per second
(target >= 20,000). A second read of the same file measures the duplicate path.

Lag (--lag-sends N, default 100; 0 skips it): SendEmail at --lag-rate per second to a `sesctl
local serve` process, its events through SNS -> SQS to a `sesctl events consume --follow` process;
prints the p50/p95/max of (commit time - event time) (target p95 < 5 s).

Query: a store of --query-events events is written straight into the table (the same mix over
30 days), then each analytics query runs 3 times and the best is printed (target < 1 s): by day
over the whole range, by tag (campaign), by recipient domain, by day with a tag filter, by hour
over the last 7 days.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reconciler.events.analytics import Query, store_analytics  # noqa: E402
from reconciler.events.consume import consume  # noqa: E402
from reconciler.events.sources import FileSource  # noqa: E402
from reconciler.events.store import EventStore  # noqa: E402

DOMAINS = ("gmail.com", "yahoo.com", "outlook.com", "example.org")
START = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=30)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def records(count: int, seed: int = 1, offset: int = 0) -> list[bytes]:
    """``count`` SNS-wrapped SES records, about 45 % sends, 43 % deliveries, 1 % bounces,
    0.1 % complaints, 8 % opens and 3 % clicks, spread over 30 days."""
    rng = random.Random(seed)
    out: list[bytes] = []
    message = offset
    while len(out) < count:
        message += 1
        to = f"user{message}@{DOMAINS[message % len(DOMAINS)]}"
        sent = START + timedelta(seconds=rng.randrange(30 * 86400))
        campaign = f"c{message % 10}"
        mail = {
            "timestamp": iso(sent),
            "messageId": f"0100-{message:012d}-000000",
            "source": "news@example.com",
            "destination": [to],
            "tags": {
                "ses:configuration-set": ["marketing"],
                "ses:from-domain": ["example.com"],
                "ses:source-ip": ["192.0.2.10"],
                "campaign": [campaign],
                "sesctl-variant": ["A" if message % 2 else "B"],
            },
        }
        later = iso(sent + timedelta(seconds=2))
        events: list[dict[str, Any]] = [{"eventType": "Send", "mail": mail, "send": {}}]
        roll = rng.random()
        if roll < 0.02:
            events.append(
                {
                    "eventType": "Bounce",
                    "mail": mail,
                    "bounce": {
                        "bounceType": "Permanent",
                        "bounceSubType": "General",
                        "timestamp": later,
                        "bouncedRecipients": [
                            {
                                "emailAddress": to,
                                "status": "5.1.1",
                                "diagnosticCode": "smtp; 550 5.1.1 user unknown",
                            }
                        ],
                    },
                }
            )
        else:
            events.append(
                {"eventType": "Delivery", "mail": mail, "delivery": {"timestamp": later, "recipients": [to]}}
            )
            if roll < 0.022:
                events.append(
                    {
                        "eventType": "Complaint",
                        "mail": mail,
                        "complaint": {"timestamp": later, "complainedRecipients": [{"emailAddress": to}]},
                    }
                )
            if roll > 0.82:
                events.append(
                    {
                        "eventType": "Open",
                        "mail": mail,
                        "open": {"timestamp": later, "userAgent": "UA", "ipAddress": "192.0.2.1"},
                    }
                )
            if roll > 0.93:
                events.append(
                    {
                        "eventType": "Click",
                        "mail": mail,
                        "click": {
                            "timestamp": later,
                            "userAgent": "UA",
                            "ipAddress": "192.0.2.1",
                            "link": "https://example.com/x",
                        },
                    }
                )
        for event in events:
            out.append(
                json.dumps({"Type": "Notification", "MessageId": "x", "Message": json.dumps(event)}).encode()
            )
    return out[:count]


def ingest(folder: Path, count: int, batch_size: int, workers: int) -> dict[str, Any]:
    path = folder / "events.ndjson"
    path.write_bytes(b"\n".join(records(count)) + b"\n")
    store = EventStore.open(folder / "ingest.db")
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    started, cpu = time.perf_counter(), time.process_time()
    report = consume(store, FileSource([str(path)], batch_size=batch_size), workers=workers)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    worker_cpu = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
    started = time.perf_counter()
    again = consume(store, FileSource([str(path)], batch_size=batch_size), workers=workers)
    replay = time.perf_counter() - started
    store.close()
    assert report.added == count and again.duplicates == count, (report, again)
    return {
        "records": count,
        "seconds": round(elapsed, 2),
        "events_per_second": round(count / elapsed),
        # CPU seconds of this process: on a machine shared with other work, wall time also
        # counts the time other processes held the cores.
        "workers": workers,
        "cpu_seconds": round(cpu, 2),  # this process: reading, unpickling, SQLite
        "worker_cpu_seconds": round(worker_cpu, 2),  # the parse workers
        "events_per_cpu_second": round(count / (cpu + worker_cpu)),
        # On a free machine with a core per process, the busiest process sets the pace.
        "events_per_second_if_a_core_each": round(count / max(cpu, worker_cpu)),
        "replay_seconds": round(replay, 2),
        "replay_per_second": round(count / replay),
        "store_bytes": (folder / "ingest.db").stat().st_size,
    }


def build(folder: Path, count: int) -> EventStore:
    """A store of ``count`` events written straight into the table, then its rollup rebuilt (the
    ingest path is measured above; this only needs the rows): the same mix, 10 campaigns in 20
    tag sets, 4 domains."""
    store = EventStore.open(folder / "query.db")
    rng = random.Random(3)
    span = 30 * 86400 * 1000
    base = int(START.timestamp() * 1000)
    types = ["send"] * 45 + ["delivery"] * 43 + ["open"] * 8 + ["click"] * 3 + ["bounce"]
    with store.transaction() as conn:
        tagsets = []
        for campaign in range(10):
            for variant in "AB":
                tags = (
                    ("campaign", f"c{campaign}"),
                    ("ses:configuration-set", "marketing"),
                    ("sesctl-variant", variant),
                )
                tagsets.append(store._tagset(tags))
    chunk = 100_000
    for offset in range(0, count, chunk):
        rows = []
        for index in range(offset, min(count, offset + chunk)):
            kind = types[index % len(types)]
            rows.append(
                (
                    index.to_bytes(16, "big"),
                    f"m{index}",
                    kind,
                    base + rng.randrange(span),
                    None,
                    0,
                    f"{index:032x}",
                    DOMAINS[index % 4],
                    "marketing",
                    "welcome",
                    "A" if index % 2 else "B",
                    "example.com",
                    tagsets[index % len(tagsets)],
                    "Permanent" if kind == "bounce" else None,
                    "General" if kind == "bounce" else None,
                )
            )
        with store.transaction() as conn:
            conn.executemany(
                "INSERT INTO events (event_key, message_id, event_type, event_time, sent_time, committed_at,"
                " recipient_hash, recipient_domain, configuration_set, template, variant, from_domain, tagset_id,"
                " bounce_type, bounce_subtype) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
    store.rebuild_rollup()
    store.conn.execute("ANALYZE")
    return store


def timed(store: EventStore, query: Query) -> tuple[float, float, int]:
    best = best_cpu = float("inf")
    sends = 0
    for _ in range(3):
        started, cpu = time.perf_counter(), time.process_time()
        result = store_analytics(store, query)
        best = min(best, time.perf_counter() - started)
        best_cpu = min(best_cpu, time.process_time() - cpu)
        sends = result.totals.counts["send"]
    return best, best_cpu, sends


def lag(folder: Path, sends: int, rate: float) -> dict[str, Any]:
    """End to end: SendEmail on a `sesctl local serve` process -> SNS -> SQS -> a `sesctl events
    consume --follow` process -> the store. The lag of each event is its commit time minus its
    own timestamp (both on this machine's clock)."""
    import boto3
    from botocore.config import Config

    from reconciler.testing import served_emulator

    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_REGION": "us-east-1",
    }
    env.pop("AWS_PROFILE", None)
    with served_emulator(folder / "state.json", env=env) as (_, url):
        session = boto3.session.Session(
            aws_access_key_id="local", aws_secret_access_key="local", region_name="us-east-1"
        )
        cfg = Config(retries={"total_max_attempts": 1})
        # One typed client each (a generator over the names would type all three as SESV2Client).
        ses = session.client("sesv2", endpoint_url=url, config=cfg)
        sns = session.client("sns", endpoint_url=url, config=cfg)
        sqs = session.client("sqs", endpoint_url=url, config=cfg)
        from reconciler.emulator.admin_client import run_action

        run_action(url, "verify_identity", identity="example.com")
        topic = sns.create_topic(Name="lag")["TopicArn"]
        queue = sqs.create_queue(QueueName="lag")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
        ses.create_configuration_set(ConfigurationSetName="lag")
        ses.create_configuration_set_event_destination(
            ConfigurationSetName="lag",
            EventDestinationName="sns",
            EventDestination={
                "Enabled": True,
                "MatchingEventTypes": ["SEND", "DELIVERY"],
                "SnsDestination": {"TopicArn": topic},
            },
        )
        store_path = folder / "lag.db"
        consumer = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "sesctl"),
                "--endpoint-url",
                url,
                "events",
                "consume",
                "--queue",
                "lag",
                "--follow",
                "--store",
                str(store_path),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )

        def send(index: int) -> None:
            ses.send_email(
                FromEmailAddress="news@example.com",
                Destination={"ToAddresses": [f"success+{index}@simulator.amazonses.com"]},
                Content={"Simple": {"Subject": {"Data": "Hi"}, "Body": {"Text": {"Data": "Hello"}}}},
                ConfigurationSetName="lag",
            )

        def wait_for(expected: int) -> None:
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline:
                try:
                    with sqlite3.connect(f"{store_path.as_uri()}?mode=ro", uri=True, timeout=30) as conn:
                        if conn.execute("SELECT count(*) FROM events").fetchone()[0] >= expected:
                            return
                except sqlite3.OperationalError:  # not created (or not migrated) yet
                    pass
                time.sleep(0.2)
            raise SystemExit(f"the consumer did not store {expected} events in 180 s")

        try:
            # A first message, waited for, so the consumer's start-up is not counted as lag.
            send(-1)
            wait_for(2)
            measured_from = int(time.time() * 1000)
            for index in range(sends):
                started = time.monotonic()
                send(index)
                time.sleep(max(0.0, 1 / rate - (time.monotonic() - started)))
            wait_for(2 + 2 * sends)
        finally:
            consumer.terminate()
            consumer.wait(timeout=60)
        with sqlite3.connect(store_path) as conn:
            lags = sorted(
                row[0]
                for row in conn.execute(
                    "SELECT committed_at - event_time FROM events WHERE event_time >= ?", (measured_from,)
                )
            )
    return {
        "sends": sends,
        "events": len(lags),
        "lag_p50_s": round(lags[len(lags) // 2] / 1000, 2) if lags else None,
        "lag_p95_s": round(lags[int(0.95 * len(lags))] / 1000, 2) if lags else None,
        "lag_max_s": round(lags[-1] / 1000, 2) if lags else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--ingest", type=int, default=200_000)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=1, help="parse worker processes (0: parse in this one)")
    parser.add_argument("--query-events", type=int, default=1_000_000)
    parser.add_argument("--lag-sends", type=int, default=100, help="0: skip the end-to-end lag run")
    parser.add_argument("--lag-rate", type=float, default=10.0, help="sends per second in the lag run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        if args.lag_sends:
            print(json.dumps({"lag": lag(folder, args.lag_sends, args.lag_rate)}), flush=True)
            if not args.ingest and not args.query_events:
                return
        figures: dict[str, Any] = {"ingest": ingest(folder, args.ingest, args.batch_size, args.workers)}
        print(json.dumps(figures["ingest"]), flush=True)
        figures["load_average"] = os.getloadavg()
        started = time.perf_counter()
        store = build(folder, args.query_events)
        total = store.count()
        figures["build_seconds"] = round(time.perf_counter() - started, 1)
        whole = (START - timedelta(days=1), datetime.now(UTC) + timedelta(days=1))
        queries = {
            "by day, whole range": Query(*whole, group_by="day"),
            "by tag campaign": Query(*whole, group_by="tag", tag="campaign"),
            "by recipient domain": Query(*whole, group_by="recipient_domain"),
            "by template": Query(*whole, group_by="template"),
            "by configuration set, last 7 days (partial days at both ends)": Query(
                datetime.now(UTC) - timedelta(days=7), datetime.now(UTC), group_by="configuration_set"
            ),
            "by day, filter campaign=c3": Query(*whole, group_by="day", filters={"campaign": "c3"}),
            "by hour, last 7 days": Query(datetime.now(UTC) - timedelta(days=7), whole[1], group_by="hour"),
        }
        figures["events_in_store"] = total
        figures["store_bytes"] = (folder / "query.db").stat().st_size
        figures["queries"] = {}
        for name, query in queries.items():
            seconds, cpu, sends = timed(store, query)
            figures["queries"][name] = {
                "seconds": round(seconds, 3),
                "cpu_seconds": round(cpu, 3),
                "sends": sends,
            }
            print(json.dumps({name: figures["queries"][name]}), flush=True)
        store.close()
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
