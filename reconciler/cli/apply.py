"""``sesctl apply``: make live SES match the manifests (or apply a saved plan)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from reconciler.app.apply import ApplyRequest, apply
from reconciler.cli.plan import reconcile_options
from reconciler.engine.applier import DONE, FAILED, SKIPPED, StepOutcome
from reconciler.engine.plan import Plan
from reconciler.engine.render_text import render_text
from reconciler.errors import UsageError
from reconciler.settings import Settings

_MARK = {DONE: ("done", "green"), FAILED: ("FAILED", "red"), SKIPPED: ("skipped", "yellow")}


@click.command("apply")
@reconcile_options
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Apply this saved plan (from `plan --out`); refused if live SES changed since.",
)
@click.option("--auto-approve", is_flag=True, help="Apply without asking for confirmation.")
@click.pass_context
def command(
    ctx: click.Context,
    path: str,
    env: str | None,
    targets: tuple[str, ...],
    prune: bool | None,
    max_destroy: int | None,
    rate: str | None,
    plan_file: Path | None,
    auto_approve: bool,
) -> None:
    """Apply the changes a plan shows, in dependency order.

    \b
    Examples:
      sesctl --local apply --auto-approve
      sesctl apply --env production --plan plan.json
    """
    settings: Settings = ctx.obj
    color = settings.color and sys.stdout.isatty()
    if plan_file is not None and targets:
        raise UsageError(
            "--target cannot be combined with --plan", hint="Plan with --target, then apply that plan."
        )

    def show(plan: Plan) -> None:
        click.echo(render_text(plan, color=color), nl=False)

    def confirm(plan: Plan) -> bool:
        if auto_approve:
            click.echo("")
            return True
        # Asked only when there is something to apply, so a bad plan file or manifest is
        # reported as such, and "no changes" exits 0 in CI without --auto-approve.
        if not sys.stdin.isatty():
            raise UsageError(
                "apply needs confirmation, and stdin is not a terminal",
                hint="Review `sesctl plan` first, then pass --auto-approve (e.g. in CI).",
            )
        click.echo("\nDo you want to apply these changes? Only 'yes' will be accepted.")
        answer: str = click.prompt("  Enter a value", default="", show_default=False)
        click.echo("")
        return answer.strip() == "yes"

    def report(outcome: StepOutcome) -> None:
        word, fg = _MARK.get(outcome.status, ("not attempted", None))
        line = f"{outcome.address}: {outcome.action} {click.style(word, fg=fg) if color else word}"
        if outcome.message:
            line += f": {outcome.message}"
        click.echo(line)
        if outcome.hint and outcome.status == FAILED:
            click.echo(f"    Hint: {outcome.hint}")

    request = ApplyRequest(Path(path), env, targets, prune, max_destroy, rate, plan_file=plan_file)
    result = apply(settings, request, confirm=confirm, on_plan=show, on_outcome=report)
    if not result.approved:
        click.echo("Apply cancelled.")
        ctx.exit(1)
    if result.result is None:
        return
    click.echo("")
    click.secho(
        result.result.summary_line(),
        fg=("green" if result.result.ok else "red") if color else None,
        bold=color,
    )
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)
    if not result.result.ok:
        for outcome in result.result.outcomes:
            if outcome.status != DONE:
                click.echo(f"  {outcome.status.replace('_', ' ')}: {outcome.address} ({outcome.action})")
        ctx.exit(1)
