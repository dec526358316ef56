"""``sesctl experiment``: the status of a TemplateExperiment, and promoting its winner."""

from __future__ import annotations

import json
from pathlib import Path

import click

from reconciler.app.experiments import holdout_rows, promote, status
from reconciler.experiments.verdict import INSUFFICIENT

_STORE = click.option(
    "--store", type=click.Path(path_type=Path), default=Path(".sesctl/events.db"), show_default=True,
    help="The event store `sesctl events consume` writes.",
)
_PATH = click.option("--path", "path", type=click.Path(path_type=Path), help="Project or manifests path (default: .).")
_ENV = click.option("--env", "env", envvar="SESCTL_ENV", help="Environment from sesctl.yaml.")


@click.group("experiment")
def command() -> None:
    """A/B(/n) template experiments declared as TemplateExperiment manifests: results with
    confidence intervals and a verdict in words, and promoting the winner.

    \b
    Examples:
      sesctl send --experiment welcome-subject --recipients users.csv --from news@example.com
      sesctl events consume --queue ses-events
      sesctl experiment status welcome-subject
      sesctl experiment promote welcome-subject     # writes `winner:` for a pull request
    """


@command.command("status")
@click.argument("name")
@_STORE
@_PATH
@_ENV
@click.option("--json", "as_json", is_flag=True, help="Print counts, intervals and the verdict as JSON.")
def status_command(name: str, store: Path, path: Path | None, env: str | None, as_json: bool) -> None:
    """Per variant: sends, deliveries, opens, clicks and the metric with its confidence
    interval; the test between variants; a verdict (not enough data, no significant
    difference, or a winner with p and effect size)."""
    result = status(path, env, name, store)
    spec, verdict = result.spec, result.verdict
    if as_json:
        payload = {
            "experiment": name,
            "metric": spec.metric,
            "winner_declared": spec.winner,
            "holdout_percent": spec.holdout,
            "variants": [c.as_dict() for c in result.counts],
            "verdict": verdict.as_dict(),
        }
        click.echo(json.dumps(payload, indent=1))
        return
    click.echo(f"Experiment {name}: metric {spec.metric}, {spec.confidence:.0%} confidence, {verdict.test}")
    if spec.metric == "open":
        click.echo("Note: open rates are inflated by Apple Mail Privacy Protection; clicks are the safer metric.")
    click.echo("")
    header = ("VARIANT", "SENT", "DELIVERED", "OPENS", "CLICKS", spec.metric.upper() + " RATE", "INTERVAL")
    rows = [header]
    for counts, arm in zip(result.counts, verdict.arms, strict=True):
        rows.append(
            (
                counts.name,
                f"{counts.sends:,}",
                f"{counts.deliveries:,}",
                f"{counts.opens:,}",
                f"{counts.clicks:,}",
                f"{100 * arm.rate:.2f}%",
                f"{100 * arm.low:.2f}% - {100 * arm.high:.2f}%",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        click.echo("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
    click.echo("")
    click.echo(("" if verdict.state == INSUFFICIENT else "Verdict: ") + verdict.message)
    if spec.holdout and not spec.winner:
        click.echo(
            f"Holdout: {spec.holdout:g}% of recipients are sent nothing and are not in these counts; "
            f"compare their conversions outside SES with the variants' (`sesctl experiment holdout {name} "
            "--recipients FILE` lists them)."
        )
    if spec.winner:
        click.echo(f"Promoted: sends use variant {spec.winner} only.")


@command.command("holdout")
@click.argument("name")
@click.option(
    "--recipients", "recipients", required=True, type=click.Path(path_type=Path, dir_okay=False),
    help="The recipients file the experiment was sent to (CSV or JSONL).",
)
@click.option("--show-addresses", is_flag=True, help="Print the addresses too (they are personal data).")
@_PATH
@_ENV
def holdout_command(name: str, recipients: Path, show_addresses: bool, path: Path | None, env: str | None) -> None:
    """List the recipients the experiment's holdout keeps from every send: row and line of the
    file (addresses only with --show-addresses), to compare their conversions with the sent
    groups' outside SES."""
    click.echo("ROW\tLINE" + ("\tADDRESS" if show_addresses else ""))
    count = 0
    for recipient in holdout_rows(path, env, name, recipients):
        count += 1
        click.echo(f"{recipient.row}\t{recipient.line}" + (f"\t{recipient.email}" if show_addresses else ""))
    click.echo(f"{count} recipient(s) held out", err=True)


@command.command("promote")
@click.argument("name")
@click.option("--winner", metavar="VARIANT", help="Promote this variant even without a significant result.")
@_STORE
@_PATH
@_ENV
def promote_command(name: str, winner: str | None, store: Path, path: Path | None, env: str | None) -> None:
    """Write the winning variant into the experiment's manifest (`winner:`), for a pull
    request; from then on `send --experiment` sends that variant only. Refused while the
    statistics name no winner, unless --winner says which."""
    file, chosen = promote(path, env, name, store, winner)
    click.echo(f"Wrote winner: {chosen} into {file}. Review it with `git diff` and open a pull request.")
