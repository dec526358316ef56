"""``sesctl events``: consume SES event records into the local event store, and show what is in it."""

from __future__ import annotations

import json
import os
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

import click

from reconciler.errors import UsageError
from reconciler.settings import Settings

STORE_HELP = "The event store (SQLite) [default: .sesctl/events.db]."


def store_option(function: Any) -> Any:
    return click.option(
        "--store", "store_path", type=click.Path(dir_okay=False, path_type=Path), help=STORE_HELP
    )(function)


def resolve_store(value: Path | None) -> Path:
    from reconciler.events.store import DEFAULT_STORE

    return value or DEFAULT_STORE


def configured_retention() -> int:
    """sesctl.yaml's ``retention: {events: DAYS}``, else the default."""
    from reconciler.app.connect import find_project
    from reconciler.events.consume import DEFAULT_RETENTION_DAYS

    project = find_project()
    retention = project.config.retention if project and project.config else None
    return int(retention.events) if retention and retention.events else DEFAULT_RETENTION_DAYS


@click.group("events")
def command() -> None:
    """Consume SES event records (SQS, Firehose objects in S3, files) into the local event store."""


@command.command("consume")
@click.argument("files", nargs=-1, type=click.Path(path_type=str))
@click.option("--queue", metavar="URL|NAME", help="An SQS queue (SNS-wrapped, raw or EventBridge records).")
@click.option("--s3", "s3_url", metavar="s3://BUCKET/PREFIX", help="Firehose objects (NDJSON, gzip or not).")
@click.option("--since", metavar="WHEN", help="S3: objects modified at or after (2026-11-28, 24h, 7d).")
@click.option("--until", metavar="WHEN", help="S3: objects modified before.")
@click.option("--follow", is_flag=True, help="Keep reading: long-poll the queue, list the prefix again.")
@click.option(
    "--batch-size",
    type=click.IntRange(1, 10_000),
    help="Records per commit [default: 100 from a queue (each batch's lag), 5,000 from S3 or files].",
)
@click.option(
    "--parse-workers",
    type=click.IntRange(0, 16),
    help="S3 and files: processes that parse the next batches while this one writes [default: 1 on a "
    "machine with 2 or more cores, else 0: parse here].",
)
@click.option(
    "--wait",
    "wait_seconds",
    type=click.IntRange(0, 20),
    default=20,
    show_default=True,
    help="SQS long-poll seconds with --follow.",
)
@click.option(
    "--visibility-timeout",
    type=click.IntRange(0, 43_200),
    help="SQS: seconds a received message stays hidden before another consumer may take it.",
)
@click.option(
    "--poll",
    "poll_seconds",
    type=click.FloatRange(0.1, 3600),
    default=10.0,
    show_default=True,
    help="S3 with --follow: seconds between listings.",
)
@click.option(
    "--retention-days",
    type=click.IntRange(1, 36_500),
    help="Delete events older than this, as the consumer runs [default: sesctl.yaml retention.events, else 90].",
)
@store_option
@click.option("--json", "as_json", is_flag=True, help="Print the final report as JSON.")
@click.pass_context
def consume_command(
    ctx: click.Context,
    files: tuple[str, ...],
    queue: str | None,
    s3_url: str | None,
    since: str | None,
    until: str | None,
    follow: bool,
    batch_size: int | None,
    parse_workers: int | None,
    wait_seconds: int,
    visibility_timeout: int | None,
    poll_seconds: float,
    retention_days: int | None,
    store_path: Path | None,
    as_json: bool,
) -> None:
    """Read SES event records into the event store: from an SQS queue (--queue), from Firehose
    objects in S3 (--s3), or from FILES (NDJSON, gzip or not; - for standard input).

    Every event is stored once, however often it is delivered; records that cannot be read are
    kept in quarantine. SQS messages are deleted only after their batch is committed.
    """
    from reconciler.app.consume import consume_audited
    from reconciler.events.consume import BatchResult
    from reconciler.events.sources import (
        BULK_BATCH_SIZE,
        QUEUE_BATCH_SIZE,
        FileSource,
        S3Source,
        Source,
        SqsSource,
        parse_s3_url,
        queue_url,
    )
    from reconciler.events.store import EventStore
    from reconciler.events.timerange import parse_moment

    chosen = [name for name, given in (("--queue", queue), ("--s3", s3_url), ("FILES", files)) if given]
    if len(chosen) != 1:
        raise UsageError(
            "give exactly one source: --queue URL|NAME, --s3 s3://BUCKET/PREFIX, or FILES"
            + (f" (got {', '.join(chosen)})" if chosen else "")
        )
    if (since or until) and not s3_url:
        raise UsageError("--since and --until select S3 objects; use them with --s3")
    if follow and files:
        raise UsageError("--follow reads a queue or a prefix, not files")
    stopping = {"now": False}

    def stop() -> bool:
        return stopping["now"]

    def on_term(signum: int, frame: FrameType | None) -> None:
        stopping["now"] = True  # finish the batch in hand, then stop

    previous = signal.signal(signal.SIGTERM, on_term)

    def progress(result: BatchResult) -> None:
        if not follow:
            return
        lag = f"lag p95 {result.lag_p95_ms / 1000:.1f} s" if result.lag_p95_ms is not None else "no events"
        click.echo(
            f"{result.origin}: {result.received} received, {result.added} new, {result.duplicates} duplicate, "
            f"{result.quarantined} quarantined, {result.controls} control; {lag}",
            err=True,
        )

    settings: Settings = ctx.obj
    if retention_days is None:
        retention_days = configured_retention()
    if parse_workers is None:
        parse_workers = 1 if (os.cpu_count() or 1) >= 2 else 0
    if parse_workers and queue:
        parse_workers = 0  # a queue's messages are not read ahead of their commit
    bulk_batch = batch_size or BULK_BATCH_SIZE
    try:
        with EventStore.open(resolve_store(store_path)) as store:
            source: Source
            if files:
                source = FileSource(list(files), batch_size=bulk_batch, stop=stop)
                report = consume_audited(
                    store,
                    source,
                    {"source": "files", "files": len(files)},
                    retention_days=retention_days,
                    on_batch=progress,
                    workers=parse_workers,
                )
            else:
                from reconciler.app.connect import connect

                with connect(settings) as conn:
                    aws = conn.aws
                    if queue:
                        sqs = aws.client("sqs")
                        source = SqsSource(
                            sqs,
                            queue_url(sqs, queue),
                            batch_size=batch_size or QUEUE_BATCH_SIZE,
                            follow=follow,
                            wait_seconds=wait_seconds,
                            visibility_timeout=visibility_timeout,
                            stop=stop,
                        )
                    else:
                        assert s3_url is not None
                        bucket, prefix = parse_s3_url(s3_url)
                        source = S3Source(
                            aws.client("s3"),
                            bucket,
                            prefix,
                            processed=store.processed,
                            since=parse_moment(since, "--since") if since else None,
                            until=parse_moment(until, "--until") if until else None,
                            batch_size=bulk_batch,
                            follow=follow,
                            poll_seconds=poll_seconds,
                            stop=stop,
                        )
                    where = {"source": "sqs", "queue": queue} if queue else {"source": "s3", "location": s3_url}
                    report = consume_audited(
                        store,
                        source,
                        {**where, "follow": follow},
                        retention_days=retention_days,
                        on_batch=progress,
                        workers=parse_workers,
                    )
    finally:
        signal.signal(signal.SIGTERM, previous)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=1, sort_keys=True))
        return
    lag = f"; lag p95 {report.lag_p95_ms / 1000:.1f} s" if report.lag_p95_ms is not None else ""
    click.echo(
        f"{report.received} records: {report.added} new events, {report.duplicates} duplicates, "
        f"{report.quarantined} quarantined, {report.controls} control messages, "
        f"{report.expired} older than the retention{lag}."
    )


@command.command("status")
@store_option
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def status_command(store_path: Path | None, as_json: bool) -> None:
    """What the event store holds: events per type, time span, quarantine, the last batch's lag."""
    from reconciler.events.store import EventStore

    with EventStore.open(resolve_store(store_path), readonly=True) as store:
        status = store.status()
    if as_json:
        click.echo(json.dumps(status, indent=1, sort_keys=True))
        return
    click.echo(f"Store: {status['store']} (schema {status['schema_version']})")
    click.echo(f"Events: {status['events']}")
    for name, count in sorted(dict(status["by_type"]).items()):  # type: ignore[call-overload]
        click.echo(f"  {name}: {count}")
    click.echo(f"Quarantined: {status['quarantined']}")


@command.command("quarantine")
@click.option(
    "--limit", type=click.IntRange(1, 10_000), default=20, show_default=True, help="How many, newest first."
)
@click.option(
    "--raw",
    "raw_id",
    type=int,
    metavar="ID",
    help="Write one record's bytes, as received, to standard output.",
)
@store_option
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def quarantine_command(limit: int, raw_id: int | None, store_path: Path | None, as_json: bool) -> None:
    """The records the consumer could not read: when, where from (queue and message id, S3 key
    and line, file and line), why, and their size. --raw ID writes one record's bytes as they
    were received (they may hold addresses in clear: that is why they are kept only here)."""
    from reconciler.errors import UsageError
    from reconciler.events.store import EventStore

    with EventStore.open(resolve_store(store_path), readonly=True) as store:
        if raw_id is not None:
            raw = store.quarantined_raw(raw_id)
            if raw is None:
                raise UsageError(
                    f"no quarantined record {raw_id}", hint="`sesctl events quarantine` lists them"
                )
            sys.stdout.buffer.write(raw)
            return
        records = store.quarantined(limit)
    if as_json:
        click.echo(json.dumps(records, indent=1, sort_keys=True))
        return
    if not records:
        click.echo("Nothing in quarantine.")
    for item in records:
        when = datetime.fromtimestamp(int(str(item["received_at"])) / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")
        click.echo(
            f"{item['id']:>6}  {when}  {item['origin']}  ({item['bytes']} bytes)\n        {item['reason']}"
        )
