"""``sesctl status``: the data sesctl keeps, its retention, the last gc and the audit head."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click


def _period(days: int | None) -> str:
    return f"kept {days} days" if days is not None else "kept for ever (no retention period)"


def _held(section: dict[str, Any], unit: str, count_key: str) -> str:
    if not section.get("present"):
        return "none"
    oldest = section.get("oldest")
    age = f", oldest {oldest} ({section['oldest_age_days']} days)" if oldest else ""
    past = section.get("past_retention")
    due = f"; {past} past the period (the next gc removes them)" if past else ""
    return f"{section[count_key]} {unit}, {section['bytes']:,} bytes{age}{due}"


@click.command(name="status")
@click.option("--path", "root", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True, help="The project (sesctl.yaml with retention: and audit:).")
@click.option("--store", type=click.Path(dir_okay=False, path_type=Path), default=Path(".sesctl") / "events.db", show_default=True, help="The event store.")
@click.option("--checkpoint", "checkpoints", multiple=True, type=click.Path(path_type=Path), help="A directory of send checkpoints (or one checkpoint) to count (repeatable).")
@click.option("--verify", is_flag=True, help="Also verify the audit chain (as `sesctl audit verify`).")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def command(root: Path, store: Path, checkpoints: tuple[Path, ...], verify: bool, as_json: bool) -> None:
    """One overview of the data sesctl keeps: retention periods for events, audit entries and
    send journals, how much each holds and how old the oldest is, when gc last ran, and the
    audit chain's head. Reads only; AWS is not called."""
    from reconciler.app.status import overview

    report = overview(root, store=store, checkpoints=checkpoints, verify=verify)
    if as_json:
        click.echo(json.dumps(report, indent=2, sort_keys=True))
    else:
        _print(report)
    verdict = report["audit"].get("verified")
    if verdict is not None and not verdict["ok"]:
        raise click.exceptions.Exit(1)


def _print(report: dict[str, Any]) -> None:
    events, trail, journals, gc = report["events"], report["audit"], report["journals"], report["gc"]
    click.echo(f"Project: {report['project'] or 'no sesctl.yaml (defaults)'}")
    click.echo(f"Events ({events['store']}): {_period(events['retention_days'])}")
    click.echo(f"  {_held(events, 'events', 'events')}" + (f"; {events['quarantined']} quarantined" if events.get("present") else ""))
    click.echo(f"Audit entries ({trail['path']}): {_period(trail['retention_days'])}")
    click.echo(f"  {_held(trail, 'entries', 'entries')}")
    if trail.get("present"):
        head = trail.get("head")
        signed = "HMAC-signed" if trail["signed"] else "unsigned (no audit key)"
        where = f"#{head['seq']} {head['hash']}" if head else "no head file"
        click.echo(f"  head: {where}; {signed}; chain starts at #{trail['starts_at_seq']}")
        verdict = trail.get("verified")
        if verdict is not None:
            state = "intact" if verdict["ok"] else f"TAMPERING at line {verdict['line']}: {verdict['reason']}"
            click.echo(f"  verified: {verdict['entries']} entries {state}")
    where = ", ".join(journals["searched"]) or "none given (--checkpoint DIR)"
    click.echo(f"Send journals ({where}): {_period(journals['retention_days'])}")
    click.echo(f"  {_held(journals, 'journals', 'journals')}")
    if gc is None:
        click.echo("Last gc: never (no gc entry in the audit trail)")
    else:
        dry = " (dry run)" if gc["dry_run"] else ""
        click.echo(f"Last gc: {gc['ts']}{dry}, {gc['outcome']}, removed {json.dumps(gc.get('removed') or {}, sort_keys=True)}")
