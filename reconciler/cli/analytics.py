"""``sesctl analytics``: counts and rates from the event store, CloudWatch or VDM (the source
is chosen in app/analytics.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import click

from reconciler.cli.events import resolve_store, store_option
from reconciler.errors import UsageError
from reconciler.settings import Settings

GROUPS = ["day", "hour", "tag", "configuration-set", "template", "variant", "recipient-domain", "total"]


def parse_pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise UsageError(f"{option} {item!r}: expected NAME=VALUE")
        pairs[name] = value
    return pairs


@click.command("analytics")
@click.option(
    "--source",
    type=click.Choice(["auto", "store", "cloudwatch", "vdm"]),
    default="auto",
    show_default=True,
    help="auto: the store when it holds events in the range, else CloudWatch. vdm: SES's Virtual "
    "Deliverability Manager (BatchGetMetricData; whole days, by day, configuration set or ISP).",
)
@click.option("--since", default="7d", show_default=True, metavar="WHEN", help="Start (2026-11-28, 24h, 7d).")
@click.option("--until", default="now", show_default=True, metavar="WHEN", help="End (exclusive).")
@click.option("--group-by", type=click.Choice(GROUPS), default="day", show_default=True, help="Rows by this.")
@click.option("--tag", metavar="NAME", help="With --group-by tag: the message tag (e.g. campaign).")
@click.option(
    "--filter", "filters", multiple=True, metavar="NAME=VALUE", help="Only events with this tag (repeatable)."
)
@click.option(
    "--metric",
    "metrics",
    multiple=True,
    metavar="NAME",
    help="Counts to show (repeatable; default the eight: send delivery bounce complaint reject open click rendering_failure).",
)
@click.option(
    "--format",
    "output",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--reasons",
    type=click.IntRange(0, 100),
    default=10,
    show_default=True,
    help="Top bounce reasons to list (store).",
)
@store_option
@click.pass_context
def command(
    ctx: click.Context,
    source: str,
    since: str,
    until: str,
    group_by: str,
    tag: str | None,
    filters: tuple[str, ...],
    metrics: tuple[str, ...],
    output: str,
    reasons: int,
    store_path: Path | None,
) -> None:
    """Counts and rates (delivery, bounce, complaint, open, click, ...) by day, hour, tag,
    configuration set, template, variant or recipient domain, from the event store (`sesctl events
    consume`), from CloudWatch or from VDM. Bounce and complaint rates are per send, as SES computes them
    (see docs/events.md).

    \b
    sesctl analytics --since 7d --group-by tag --tag campaign
    sesctl analytics --filter campaign=spring --group-by recipient-domain --format csv
    """
    from reconciler.app.analytics import from_aws, from_store
    from reconciler.events.analytics import Query
    from reconciler.events.tables import table, to_csv
    from reconciler.events.timerange import parse_moment

    now = datetime.now(UTC)
    start = parse_moment(since, "--since", now)
    end = parse_moment(until, "--until", now)
    if end <= start:
        raise UsageError(f"--until ({end.isoformat()}) is not after --since ({start.isoformat()})")
    query = Query(
        start=start,
        end=end,
        group_by=group_by.replace("-", "_"),
        tag=tag,
        filters=parse_pairs(filters, "--filter"),
        metrics=tuple(metrics) or None,
    )
    query.check()
    result = from_store(source, query, resolve_store(store_path), reasons=reasons)
    if result is None:
        from reconciler.app.connect import connect

        settings: Settings = ctx.obj
        with connect(settings) as conn:
            result = from_aws(source, query, gateway=conn.gateway, cloudwatch=conn.aws.client("cloudwatch"))
    if output == "json":
        click.echo(json.dumps(result.to_dict(), indent=1, sort_keys=True))
    elif output == "csv":
        click.echo(to_csv(result), nl=False)
    else:
        click.echo(table(result))
