"""``sesctl quota``: the account's sending quota and status (GetAccount)."""

from __future__ import annotations

import json

import click

from reconciler.settings import Settings


@click.command("quota")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.pass_context
def command(ctx: click.Context, as_json: bool) -> None:
    """Show the sending quota, sending status and production access (GetAccount)."""
    from reconciler.app.quota import quota

    settings: Settings = ctx.obj
    summary = quota(settings)
    if as_json:
        click.echo(json.dumps(summary, indent=1, sort_keys=True))
        return
    used = summary["used_percent"]
    rows = [
        ("Sending", "enabled" if summary["sending_enabled"] else "PAUSED"),
        (
            "Production access",
            "yes" if summary["production_access"] else "no (sandbox: verified recipients only)",
        ),
        ("Enforcement status", summary["enforcement_status"] or "-"),
        ("Max send rate", f"{summary['max_send_rate']:g} recipients/s"),
        (
            "Last 24 hours",
            f"{summary['sent_last_24_hours']:,.0f} of "
            + (
                "unlimited"
                if summary["max_24_hour_send"] < 0
                else f"{summary['max_24_hour_send']:,.0f}" + (f" ({used:.1f}%)" if used is not None else "")
            ),
        ),
        ("Suppressed reasons", ", ".join(summary["suppressed_reasons"]) or "none"),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        click.echo(f"{key + ':':<{width + 1}} {value}")
