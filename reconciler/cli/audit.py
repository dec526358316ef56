"""``sesctl audit``: verify and read the tamper-evident audit trail (docs/compliance.md)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from reconciler.audit.query import Filter, parse_moment, select, summary
from reconciler.audit.setup import project_at, trail_for

path_option = click.option(
    "--path",
    "start",
    type=click.Path(path_type=Path),
    default=".",
    show_default=True,
    help="Where to look for sesctl.yaml (its audit: section names the trail).",
)


@click.group(name="audit")
def command() -> None:
    """Verify and read the audit trail (every apply, send, import, MCP call...)."""


@command.command()
@path_option
@click.option("--no-head", is_flag=True, help="Ignore the head file (e.g. checking a copy of the log alone).")
def verify(start: Path, no_head: bool) -> None:
    """Check the hash chain (and the HMAC, when the audit key is set): name the first bad entry.

    Exit 0 when every entry is intact, 1 otherwise.
    """
    trail = trail_for(project_at(start), with_sinks=False)
    verdict = trail.verify(use_head=not no_head)
    signed = " (HMAC checked)" if verdict.signed else " (hash chain only: set SESCTL_AUDIT_KEY to check HMACs)"
    if verdict.ok:
        click.echo(f"{trail.path}: {verdict.entries} entries intact{signed}")
        return
    where = f"line {verdict.line} (entry {verdict.entries})" if verdict.line else "the end of the log"
    click.secho(f"{trail.path}: tampering detected at {where}: {verdict.reason}", fg="red", err=True)
    click.echo(f"{verdict.entries} entries before it are intact{signed}", err=True)
    raise SystemExit(1)


@command.command()
@path_option
@click.option("--since", help="Entries at or after: an ISO date/time or a duration back (24h, 7d).")
@click.option("--until", help="Entries at or before: an ISO date/time or a duration back.")
@click.option("--kind", "kinds", multiple=True, help="Only this kind of operation (apply, send, mcp...); repeatable.")
@click.option("--actor", help="Only entries whose actor (user, git author, GitHub actor, AWS ARN) contains this.")
@click.option("--json", "as_json", is_flag=True, help="The entries as JSON Lines, as stored.")
def show(start: Path, since: str | None, until: str | None, kinds: tuple[str, ...], actor: str | None, as_json: bool) -> None:
    """Show audit entries, oldest first."""
    keep = Filter(
        since=parse_moment(since) if since else None,
        until=parse_moment(until, option="--until") if until else None,
        kinds=frozenset(kinds),
        actor=actor,
    )
    trail = trail_for(project_at(start), with_sinks=False)
    for entry in select(trail.entries(), keep):
        click.echo(json.dumps(entry, sort_keys=True, ensure_ascii=False) if as_json else summary(entry))
