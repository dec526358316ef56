"""``sesctl dns``: the DNS records SES identities need, and ``sesctl dns check`` that they resolve."""

from __future__ import annotations

import json
from typing import Any

import click

from reconciler.dns.check import OK, check, failed, make_resolver
from reconciler.dns.formats import FORMATS, render
from reconciler.dns.records import IdentityRecords, records_for
from reconciler.settings import Settings


class _RecordsByDefault(click.Group):
    """`sesctl dns example.com` lists records; `sesctl dns check ...` checks them."""

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple[str | None, click.Command | None, list[str]]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            return "records", self.commands["records"], args
        return super().resolve_command(ctx, args)


def _groups(settings: Settings, identities: tuple[str, ...], dmarc_rua: str | None) -> list[IdentityRecords]:
    from reconciler.app.connect import connect
    from reconciler.dns.live import read_identities

    with connect(settings) as conn:
        found = read_identities(conn.gateway, identities, conn.region)
    return [records_for(identity, dmarc_rua=dmarc_rua) for identity in found]


_RUA = click.option("--dmarc-rua", metavar="ADDRESS", help="Where DMARC aggregate reports go (default dmarc-reports@DOMAIN).")


@click.group("dns", cls=_RecordsByDefault, invoke_without_command=True)
@click.pass_context
def command(ctx: click.Context) -> None:
    """The DNS records SES identities need (DKIM, MAIL FROM MX and SPF, DMARC), and a check that
    they resolve. Identities are read from SES; with none named, every identity of the account.

    \b
    Examples:
      sesctl --local dns example.com
      sesctl dns example.com --format octodns --zone example.com
      sesctl dns check example.com --nameserver 127.0.0.1:5353
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(records)


@command.command("records")
@click.argument("identities", nargs=-1, metavar="[IDENTITY...]")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True, help="Output format.")
@click.option("--zone", help="octoDNS: the zone the records go in (default: each identity's domain).")
@_RUA
@click.pass_context
def records(
    ctx: click.Context, identities: tuple[str, ...] = (), fmt: str = "table", zone: str | None = None, dmarc_rua: str | None = None
) -> None:
    """Print the records to publish: a table, JSON, a BIND zone fragment, a Route 53 change
    batch or octoDNS YAML."""
    groups = _groups(ctx.obj, identities, dmarc_rua)
    click.echo(render(groups, fmt, zone), nl=False)


@command.command("check")
@click.argument("identities", nargs=-1, metavar="[IDENTITY...]")
@click.option("--nameserver", metavar="HOST[:PORT]", help="Ask this DNS server (default: the system's resolver).")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@_RUA
@click.pass_context
def check_command(
    ctx: click.Context, identities: tuple[str, ...], nameserver: str | None, as_json: bool, dmarc_rua: str | None
) -> None:
    """Resolve each record and report ok, missing, wrong value or conflicting. Exit 0 when every
    required record is ok, 2 when one is not (DMARC is reported, not required), 1 on errors."""
    resolver = make_resolver(nameserver)
    groups = _groups(ctx.obj, identities, dmarc_rua)
    findings = check(groups, resolver)
    bad = failed(findings)
    if as_json:
        payload: dict[str, Any] = {"ok": not bad, "findings": [f.as_dict() for f in findings]}
        click.echo(json.dumps(payload, indent=1, ensure_ascii=False))
    else:
        for finding in findings:
            mark = finding.status.upper() if finding.status != OK else "ok"
            optional = "" if finding.record.required else " (recommended)"
            line = f"{mark:<11} {finding.record.type:<5} {finding.record.name}{optional}"
            if finding.message:
                line += f": {finding.message}"
            click.echo(line)
        good = sum(1 for f in findings if f.status == OK)
        click.echo(f"\n{good} of {len(findings)} records ok" + (f"; {len(bad)} required not ok" if bad else ""))
    if bad:
        ctx.exit(2)
