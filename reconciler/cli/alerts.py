"""``sesctl alerts check``: bounce, complaint, rendering-failure, volume and quota thresholds;
exit 3 when one fires (for cron and CI)."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from reconciler.cli.analytics import parse_pairs
from reconciler.cli.events import resolve_store, store_option
from reconciler.settings import Settings

FIRED_EXIT = 3


@click.group("alerts")
def command() -> None:
    """Alert thresholds on the event store or CloudWatch."""


@command.command("check")
@click.option(
    "--source",
    type=click.Choice(["store", "cloudwatch"]),
    default="store",
    show_default=True,
    help="Where the counts come from.",
)
@click.option(
    "--since", default="24h", show_default=True, metavar="WHEN", help="Window start (24h, 7d, a date)."
)
@click.option("--until", default="now", show_default=True, metavar="WHEN", help="Window end.")
@click.option(
    "--filter", "filters", multiple=True, metavar="NAME=VALUE", help="Only events with this tag (repeatable)."
)
@click.option(
    "--bounce-rate",
    type=click.FloatRange(0, 1),
    default=0.05,
    show_default=True,
    help="Fire above this bounce rate (0.05 = 5 %).",
)
@click.option(
    "--complaint-rate",
    type=click.FloatRange(0, 1),
    default=0.001,
    show_default=True,
    help="Fire above this complaint rate.",
)
@click.option(
    "--rendering-failures",
    type=click.IntRange(0),
    default=0,
    show_default=True,
    help="Fire above this many rendering failures.",
)
@click.option(
    "--daily-volume",
    type=click.IntRange(1),
    help="Fire above this many sends in the window (off by default).",
)
@click.option(
    "--min-sends",
    type=click.IntRange(1),
    default=1,
    show_default=True,
    help="Judge rates only over at least this many sends.",
)
@click.option(
    "--quota/--no-quota",
    "check_quota",
    default=False,
    help="Also read the account's 24-hour quota use (GetAccount).",
)
@click.option(
    "--quota-use",
    type=click.FloatRange(0, 1),
    default=0.8,
    show_default=True,
    help="With --quota: fire above this share used.",
)
@click.option(
    "--no-record",
    is_flag=True,
    help="Do not record fired alerts in the store (the report lists recorded ones).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@store_option
@click.pass_context
def check_command(
    ctx: click.Context,
    source: str,
    since: str,
    until: str,
    filters: tuple[str, ...],
    bounce_rate: float,
    complaint_rate: float,
    rendering_failures: int,
    daily_volume: int | None,
    min_sends: int,
    check_quota: bool,
    quota_use: float,
    no_record: bool,
    as_json: bool,
    store_path: Path | None,
) -> None:
    """Evaluate alert thresholds over a window and exit 3 when one fires (0 when none does,
    1 on an error). Defaults: bounce rate over 5 % (hard bounces), complaint rate over 0.1 %,
    any rendering failure; with --quota, 24-hour quota use over 80 %.

    \b
    sesctl alerts check --since 24h --json         # in cron: non-zero exit = look at it
    """
    from reconciler.errors import UsageError
    from reconciler.events.alerts import Thresholds, evaluate
    from reconciler.events.analytics import Query, Result, store_analytics
    from reconciler.events.store import EventStore
    from reconciler.events.timerange import parse_moment

    now = datetime.now(UTC)
    start, end = parse_moment(since, "--since", now), parse_moment(until, "--until", now)
    if end <= start:
        raise UsageError(f"--until ({end.isoformat()}) is not after --since ({start.isoformat()})")
    query = Query(start=start, end=end, group_by="total", filters=parse_pairs(filters, "--filter"))
    settings: Settings = ctx.obj
    path = resolve_store(store_path)
    result: Result
    if source == "store":
        with EventStore.open(path, readonly=True) as store:
            result = store_analytics(store, query, reasons=0)
    else:
        from reconciler.app.connect import connect
        from reconciler.events.cloudwatch import cloudwatch_analytics

        with connect(settings) as conn:
            result = cloudwatch_analytics(conn.aws.client("cloudwatch"), query)
    quota = None
    if check_quota:
        from reconciler.app.quota import quota as read_quota

        quota = read_quota(settings)
    thresholds = Thresholds(
        bounce_rate=bounce_rate,
        complaint_rate=complaint_rate,
        rendering_failures=rendering_failures,
        quota_use=quota_use,
        daily_volume=daily_volume,
        min_sends=min_sends,
    )
    alerts = evaluate(result, thresholds, quota)
    fired = [a for a in alerts if a.fired]
    if fired and not no_record and source == "store":
        with EventStore.open(path) as store:
            for alert in fired:
                store.record_alert(alert.name, alert.value, alert.threshold, alert.message)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "fired": bool(fired),
                    "source": result.source,
                    "start": result.start,
                    "end": result.end,
                    "alerts": [a.to_dict() for a in alerts],
                },
                indent=1,
                sort_keys=True,
            )
        )
    else:
        for alert in alerts:
            click.echo(f"{'FIRED' if alert.fired else 'ok   '}  {alert.name:<19} {alert.message}")
    if fired:
        sys.exit(FIRED_EXIT)
