"""``sesctl gc``: apply ``retention:`` from sesctl.yaml (events, audit entries, send journals)."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.command(name="gc")
@click.option("--path", "root", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True, help="The project (sesctl.yaml with retention:).")
@click.option("--store", type=click.Path(dir_okay=False, path_type=Path), default=Path(".sesctl") / "events.db", show_default=True, help="The event store.")
@click.option("--checkpoint", "checkpoints", multiple=True, type=click.Path(path_type=Path), help="A directory of send checkpoints (or one checkpoint) under retention (repeatable).")
@click.option("--dry-run", is_flag=True, help="Count what would go; delete nothing.")
def command(root: Path, store: Path, checkpoints: tuple[Path, ...], dry_run: bool) -> None:
    """Delete events, audit entries and send journals older than sesctl.yaml's retention: periods.

    Kinds without a period are kept. The audit trail stays verifiable: an anchor file (signed
    with the audit key) records where the kept chain starts.
    """
    from reconciler.app.gc import collect_garbage

    report = collect_garbage(root, store=store, checkpoints=checkpoints, dry_run=dry_run)
    click.echo(json.dumps(report, indent=2, sort_keys=True))
