"""``sesctl report``: one self-contained HTML file from the event store."""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import click

from reconciler.cli.analytics import parse_pairs
from reconciler.cli.events import resolve_store, store_option


@click.command("report")
@click.option(
    "--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The HTML file to write."
)
@click.option(
    "--since", default="30d", show_default=True, metavar="WHEN", help="Start (2026-11-28, 24h, 30d)."
)
@click.option("--until", default="now", show_default=True, metavar="WHEN", help="End.")
@click.option(
    "--tag",
    default="campaign",
    show_default=True,
    metavar="NAME",
    help="The message tag to break results down by.",
)
@click.option(
    "--filter", "filters", multiple=True, metavar="NAME=VALUE", help="Only events with this tag (repeatable)."
)
@store_option
def command(
    out: Path, since: str, until: str, tag: str, filters: tuple[str, ...], store_path: Path | None
) -> None:
    """Write one self-contained HTML report (no script, no network: charts are inline SVG):
    volumes and rates over time, by tag, template and recipient domain, bounce reasons, the
    alerts that fired and the consumer's lag.

    \b
    sesctl report --out report.html --since 30d
    """
    from reconciler.errors import UsageError
    from reconciler.events.report import build_report
    from reconciler.events.store import EventStore
    from reconciler.events.timerange import parse_moment

    now = datetime.now(UTC)
    start, end = parse_moment(since, "--since", now), parse_moment(until, "--until", now)
    if end <= start:
        raise UsageError(f"--until ({end.isoformat()}) is not after --since ({start.isoformat()})")
    with EventStore.open(resolve_store(store_path), readonly=True) as store:
        html = build_report(store, start, end, tag=tag, filters=parse_pairs(filters, "--filter"), now=now)
    target = out.resolve()
    if not target.parent.is_dir():
        raise UsageError(f"--out {out}: the folder {out.parent} does not exist")
    # Written beside the target and renamed: a reader never sees half a report.
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".report-", suffix=".html")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(html)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    click.echo(f"Wrote {out} ({len(html.encode()):,} bytes).")
