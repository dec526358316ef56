"""``sesctl quota``: the account's sending quota and status (GetAccount)."""

from __future__ import annotations

import json
from typing import Any

import click

from reconciler.cli.context import Settings


def quota_summary(account: dict[str, Any]) -> dict[str, Any]:
    quota = account.get("SendQuota") or {}
    maximum = float(quota.get("Max24HourSend", 0.0))
    sent = float(quota.get("SentLast24Hours", 0.0))
    return {
        "sending_enabled": bool(account.get("SendingEnabled", False)),
        "production_access": bool(account.get("ProductionAccessEnabled", False)),
        "enforcement_status": account.get("EnforcementStatus"),
        "max_send_rate": float(quota.get("MaxSendRate", 0.0)),
        "max_24_hour_send": maximum,
        "sent_last_24_hours": sent,
        "used_percent": round(100.0 * sent / maximum, 2) if maximum > 0 else None,
        "suppressed_reasons": (account.get("SuppressionAttributes") or {}).get("SuppressedReasons", []),
    }


@click.command("quota")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.pass_context
def command(ctx: click.Context, as_json: bool) -> None:
    """Show the sending quota, sending status and production access (GetAccount)."""
    from reconciler.aws.clients import open_aws
    from reconciler.aws.gateway import SesGateway

    settings: Settings = ctx.obj
    with open_aws(settings) as aws:
        account = SesGateway.from_aws(aws).call("GetAccount")
    summary = quota_summary(account)
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
            f"{summary['sent_last_24_hours']:,.0f} of {summary['max_24_hour_send']:,.0f}"
            + (f" ({used:.1f}%)" if used is not None else " (unlimited)"),
        ),
        ("Suppressed reasons", ", ".join(summary["suppressed_reasons"]) or "none"),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        click.echo(f"{key + ':':<{width + 1}} {value}")
