"""``sesctl readiness``: the Gmail/Yahoo/Outlook bulk-sender rules, per sending domain."""

from __future__ import annotations

import json
from pathlib import Path

import click

from reconciler.dns.check import check, make_resolver
from reconciler.dns.facts import complaint_rate, contact_lists_with_topics, manifest_facts
from reconciler.dns.readiness import FAIL, PASS, SenderFacts, evaluate, worst
from reconciler.dns.records import records_for
from reconciler.settings import Settings

_MARK = {PASS: "pass", "warn": "WARN", FAIL: "FAIL", "unknown": "unknown"}


@click.command("readiness")
@click.option("--domain", "domains", multiple=True, metavar="DOMAIN", help="Check this sending domain (repeatable; default: every domain identity).")
@click.option("--path", "path", type=click.Path(path_type=Path), help="Project or manifests path (default: .).")
@click.option("--env", "env", envvar="SESCTL_ENV", help="Environment from sesctl.yaml.")
@click.option("--nameserver", metavar="HOST[:PORT]", help="Ask this DNS server (default: the system's resolver).")
@click.option("--store", type=click.Path(path_type=Path), default=Path(".sesctl/events.db"), show_default=True, help="Event store for the complaint rate.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.pass_context
def command(
    ctx: click.Context,
    domains: tuple[str, ...],
    path: Path | None,
    env: str | None,
    nameserver: str | None,
    store: Path,
    as_json: bool,
) -> None:
    """Check each sending domain against the Gmail/Yahoo (2024) and Outlook (2025) bulk-sender
    rules: DKIM, SPF aligned through a custom MAIL FROM, DMARC published and aligned, one-click
    unsubscribe on marketing templates, TLS, complaint rate under 0.3%. Exit 0 when nothing
    fails (warnings allowed), 2 when a rule fails, 1 on errors.

    \b
    Examples:
      sesctl readiness
      sesctl --local readiness --domain example.com --json
    """
    from reconciler.app.connect import connect, find_environment
    from reconciler.dns.live import read_identities

    settings: Settings = ctx.obj
    resolver = make_resolver(nameserver)
    templates, tls = manifest_facts(path, env or settings.env)
    with connect(settings, find_environment(settings, path or Path("."), env)) as conn:
        found = read_identities(conn.gateway, domains, conn.region)
        identities = [i for i in found if i.kind != "EMAIL_ADDRESS"]
        lists = contact_lists_with_topics(conn.gateway)
    results = []
    for identity in identities:
        findings = check([records_for(identity)], resolver)
        rate = complaint_rate(store, identity.domain)
        facts = SenderFacts(identity, findings, templates, lists, tls, rate, f"event store {store}" if rate is not None else "")
        rules = evaluate(facts)
        results.append((identity, rules))
    if as_json:
        payload = [
            {"domain": i.domain, "status": worst(rules), "rules": [r.as_dict() for r in rules]} for i, rules in results
        ]
        click.echo(json.dumps({"domains": payload}, indent=1, ensure_ascii=False))
    else:
        if not results:
            click.echo("No domain identities to check (email-address identities are not sending domains).")
        for identity, rules in results:
            click.echo(f"{identity.domain}: {worst(rules).upper()}")
            width = max(len(r.rule) for r in rules)
            for rule in rules:
                click.echo(f"  {_MARK[rule.status]:<7} {rule.rule:<{width}}  {rule.detail}")
                if rule.fix and rule.status != PASS:
                    click.echo(f"  {'':<7} {'':<{width}}  -> {rule.fix}")
            click.echo("")
    if any(worst(rules) == FAIL for _identity, rules in results):
        ctx.exit(2)
