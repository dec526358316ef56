"""``sesctl history``: the versions of an EmailTemplate, from git, and which one is live."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from reconciler.errors import ReconcilerError
from reconciler.settings import Settings
from reconciler.versions.history import History, template_history
from reconciler.versions.live import Live, live_status


def fetch_live(settings: Settings, history: History, env: str | None) -> Live | None:
    """The template's parts and tags as SES holds them now in the environment's account and
    region (None when SES has none of that name)."""
    from reconciler.app.connect import connect, find_environment
    from reconciler.versions.live import live_template

    with connect(settings, find_environment(settings, history.project_root, env)) as conn:
        return live_template(conn.gateway, history.ses_name)


@click.command("history")
@click.argument("address", metavar="EmailTemplate/NAME")
@click.option("--path", "path", type=click.Path(path_type=Path), help="Project or manifests path (default: .).")
@click.option("--env", "env", envvar="SESCTL_ENV", help="Environment from sesctl.yaml (variables, AWS target).")
@click.option("--offline", is_flag=True, help="Do not ask SES which version is live.")
@click.option("--json", "as_json", is_flag=True, help="Print the versions as JSON.")
@click.pass_context
def command(
    ctx: click.Context, address: str, path: Path | None, env: str | None, offline: bool, as_json: bool
) -> None:
    """List the versions of a template: each commit that changed its manifest document or
    body files, with author, date and message, and which version is live in SES.

    \b
    Examples:
      sesctl --local history EmailTemplate/welcome
      sesctl history welcome --offline --json
    """
    history = template_history(path, address, env)
    live: dict[str, Any] = {"state": "unknown", "text": "not asked (--offline)"}
    if not offline:
        try:
            live = live_status(history, fetch_live(ctx.obj, history, env))
        except ReconcilerError as exc:
            live = {"state": "unknown", "text": f"unknown: {exc}"}
    live_version = live.get("version")
    if as_json:
        rows = [
            {
                "version": v.number,
                "commit": v.commit.sha if v.commit else None,
                "author": v.commit.author if v.commit else None,
                "date": v.commit.date if v.commit else None,
                "message": v.commit.subject if v.commit else None,
                "content_digest": v.content.digest,
                "live": v.number is not None and v.number == live_version,
            }
            for v in [*history.versions, *([history.working] if history.working else [])]
        ]
        payload = {"address": history.address, "ses_name": history.ses_name, "versions": rows, "live": live}
        click.echo(json.dumps(payload, indent=1, ensure_ascii=False))
        return
    click.echo(f"{history.address} (SES template {history.ses_name!r})\n")
    table = [("VERSION", "COMMIT", "DATE", "AUTHOR", "MESSAGE")]
    for v in history.versions:
        assert v.commit is not None
        mark = "  <- live" if v.number == live_version else ""
        table.append((v.label, v.commit.short, v.commit.date[:10], v.commit.author, v.commit.subject + mark))
    if history.working is not None:
        table.append(("working", "-", "-", "-", "uncommitted changes in the work tree"))
    widths = [max(len(row[i]) for row in table) for i in range(4)]
    for row in table:
        click.echo("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:4])) + "  " + row[4])
    click.echo(f"\nLive: {live['text']}")
