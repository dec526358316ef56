"""``sesctl alerts check``: the manifests' AlertPolicy thresholds (bounce, complaint, rendering
failures, volume, cost, quota) over the event store or CloudWatch; exit 3 when one fires (for
cron and CI). The logic is reconciler.app.alerts."""

from __future__ import annotations

import json
import sys
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
    "--project",
    type=click.Path(path_type=Path),
    help="Where the sesctl.yaml whose AlertPolicy documents to use is (default: found from the working directory).",
)
@click.option("--policy", metavar="NAME", help="Only this AlertPolicy (default: every one in the manifests).")
@click.option(
    "--bounce-rate",
    type=click.FloatRange(0, 1),
    help="Fire above this bounce rate (0.05 = 5 %). Default: the AlertPolicy's, else 0.05.",
)
@click.option(
    "--complaint-rate",
    type=click.FloatRange(0, 1),
    help="Fire above this complaint rate. Default: the AlertPolicy's, else 0.001.",
)
@click.option(
    "--rendering-failures",
    type=click.IntRange(0),
    help="Fire above this many rendering failures. Default: the AlertPolicy's, else 0.",
)
@click.option(
    "--daily-volume",
    type=click.IntRange(1),
    help="Fire above this many sends in the window. Default: the AlertPolicy's, else off.",
)
@click.option(
    "--daily-cost",
    type=click.FloatRange(0, min_open=True),
    help="Fire above this cost (USD, at 0.10 per 1,000) of the window's sends. Default: the AlertPolicy's, else off.",
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
    help="With --quota: fire above this share used. Default: the AlertPolicy's, else 0.8.",
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
    project: Path | None,
    policy: str | None,
    bounce_rate: float | None,
    complaint_rate: float | None,
    rendering_failures: int | None,
    daily_volume: int | None,
    daily_cost: float | None,
    min_sends: int,
    check_quota: bool,
    quota_use: float | None,
    no_record: bool,
    as_json: bool,
    store_path: Path | None,
) -> None:
    """Evaluate alert thresholds over a window and exit 3 when one fires (0 when none does,
    1 on an error). The thresholds are the manifests' AlertPolicy documents (each evaluated on
    its own), else the defaults: bounce rate over 5 % (hard bounces), complaint rate over
    0.1 %, any rendering failure; with --quota, 24-hour quota use over 80 %. A flag given here
    wins over both.

    \b
    sesctl alerts check --since 24h --json         # in cron: non-zero exit = look at it
    """
    from reconciler.app.alerts import AlertsRequest, check

    settings: Settings = ctx.obj
    request = AlertsRequest(
        store=resolve_store(store_path),
        source=source,
        since=since,
        until=until,
        filters=parse_pairs(filters, "--filter"),
        overrides={
            "bounce_rate": bounce_rate,
            "complaint_rate": complaint_rate,
            "rendering_failures": rendering_failures,
            "daily_volume": daily_volume,
            "daily_cost": daily_cost,
            "quota_use": quota_use,
        },
        min_sends=min_sends,
        check_quota=check_quota,
        record=not no_record,
        project=project,
        policy=policy,
    )
    outcome = check(settings, request)
    if as_json:
        click.echo(json.dumps(outcome.to_dict(), indent=1, sort_keys=True))
    else:
        width = max([19, *(len(a.label) for a in outcome.alerts)])
        for alert in outcome.alerts:
            click.echo(f"{'FIRED' if alert.fired else 'ok   '}  {alert.label:<{width}} {alert.message}")
    if outcome.fired:
        sys.exit(FIRED_EXIT)
