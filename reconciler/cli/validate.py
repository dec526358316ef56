"""``sesctl validate``: check manifests without calling AWS."""

from __future__ import annotations

from collections.abc import Sequence

import click

from reconciler.app.manifests import validate
from reconciler.diagnostics import Diagnostic, format_json


def use_color(ctx: click.Context) -> bool | None:
    """None lets click decide (colour on a terminal only); False when --no-color / NO_COLOR."""
    return None if getattr(ctx.obj, "color", True) else False


def echo_diagnostics(ctx: click.Context, diagnostics: Sequence[Diagnostic], *, err: bool = False) -> None:
    """Each diagnostic as ``file:line:col: CODE Kind/name field: message``, coloured by severity."""
    color = use_color(ctx)
    for diagnostic in diagnostics:
        text = diagnostic.format()
        if color is not False:
            fg = "red" if diagnostic.is_error else "yellow"
            head, _, rest = text.partition(f" {diagnostic.code} ")
            text = f"{head} {click.style(diagnostic.code, fg=fg, bold=True)} {rest}" if rest else text
        click.echo(text, err=err, color=color)


def summary_line(errors: int, warnings: int) -> str:
    def plural(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    return f"{plural(errors, 'error')}, {plural(warnings, 'warning')}"


@click.command("validate")
@click.argument("path", required=False, type=click.Path(path_type=str))
@click.option("--env", "env", envvar="SESCTL_ENV", help="Environment from sesctl.yaml (variables).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.pass_context
def command(ctx: click.Context, path: str | None, env: str | None, fmt: str) -> None:
    """Check the manifests: schema, references, template syntax and variables, lints.

    PATH is sesctl.yaml, a directory holding it, or a manifests directory or file
    (default: the current directory). No AWS call is made. Exit code 1 when there is
    any error; warnings alone exit 0.

    \b
    Examples:
      sesctl validate
      sesctl validate manifests/templates.yaml --env production
      sesctl validate --format json
    """
    state, diagnostics = validate(path, env or ctx.obj.env)
    errors = sum(1 for d in diagnostics if d.is_error)
    warnings = len(diagnostics) - errors
    if fmt == "json":
        click.echo(format_json(diagnostics))
    else:
        echo_diagnostics(ctx, diagnostics)
        resources = len(state.resources) if state else 0
        verdict = "invalid" if errors else "valid"
        noun = "resource" if resources == 1 else "resources"
        line = f"{resources} {noun}, {summary_line(errors, warnings)}: manifests are {verdict}."
        click.secho(line, fg="red" if errors else "green", color=use_color(ctx))
    ctx.exit(1 if errors else 0)
