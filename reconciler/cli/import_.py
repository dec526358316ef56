"""``sesctl import``: write manifests from the live account, to adopt it."""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.app.import_ import ImportRequest, import_
from reconciler.engine.applier import StepOutcome
from reconciler.kinds.base import OWNER_TAG
from reconciler.kinds.registry import KINDS
from reconciler.settings import Settings


@click.command("import")
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=click.Choice(sorted(KINDS)),
    help="Only this kind (repeatable; default: every kind).",
)
@click.option(
    "--name", "names", multiple=True, metavar="NAME", help="Only resources with this name (repeatable)."
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory to write to (default: the project's manifests directory, else ./manifests).",
)
@click.option(
    "--adopt/--no-adopt",
    default=False,
    help=f"Also tag what was imported and unowned with {OWNER_TAG}=<stack> (default: only write files).",
)
@click.option("--force", is_flag=True, help="Overwrite existing files.")
@click.option(
    "--env", metavar="NAME", envvar="SESCTL_ENV", help="Environment from sesctl.yaml (region, profile)."
)
@click.option(
    "--rate",
    type=click.FloatRange(min=0, min_open=True),
    metavar="RPS",
    help="SES requests per second per operation.",
)
@click.pass_context
def command(
    ctx: click.Context,
    kinds: tuple[str, ...],
    names: tuple[str, ...],
    out: Path | None,
    adopt: bool,
    force: bool,
    env: str | None,
    rate: float | None,
) -> None:
    """Read live SES and write manifests for it (one YAML file per kind), to adopt an account.

    Only what differs from SES's defaults is written; template bodies go to templates/NAME.html
    and .txt. Resources owned by another stack are skipped. Existing files are never overwritten
    without --force. Afterwards `sesctl plan` shows only the adoption tagging (none with --adopt).

    \b
    Examples:
      sesctl --local import
      sesctl import --kind EmailTemplate --out manifests/imported
      sesctl import --name marketing --adopt
    """
    settings: Settings = ctx.obj
    request = ImportRequest(
        out=out, kinds=kinds, names=names, adopt=adopt, force=force, env=env, rate=rate
    )
    outcome = import_(settings, request)
    for path, what in outcome.written.items():
        click.echo(f"Wrote {path} ({what})")
    for dependency in outcome.dependencies:
        click.echo(f"Also imported {dependency}: what you picked depends on it")
    for skipped in outcome.skipped:
        click.echo(f"Skipped {skipped}", err=True)
    if not outcome.imported:
        click.echo("Nothing to import.")
        return
    click.echo(f"Imported {len(outcome.imported)} resource(s) into {outcome.out}.")
    if outcome.adopted is not None:
        result = outcome.adopted.result
        if result is not None:
            for step in result.outcomes:
                _echo_outcome(step)
            click.echo(result.summary_line())
            if not result.ok:
                ctx.exit(1)
    elif outcome.unowned:
        click.echo(
            f"{len(outcome.unowned)} of them carry no owner tag: `sesctl plan` shows adopting them "
            f"({OWNER_TAG}={outcome.stack}); `sesctl apply` (or import --adopt) makes them owned."
        )


def _echo_outcome(step: StepOutcome) -> None:
    line = f"{step.address}: adopt {step.status}"
    if step.message:
        line += f": {step.message}"
    click.echo(line, err=step.status != "done")
