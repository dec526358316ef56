"""``sesctl test``: run every EmailTemplate's ``tests:`` (data plus expectations)."""

from __future__ import annotations

import time

import click

from reconciler.app.manifests import run_tests
from reconciler.cli.validate import echo_diagnostics, use_color


@click.command("test")
@click.argument("path", required=False, type=click.Path(path_type=str))
@click.option("-k", "keyword", help="Only tests whose TEMPLATE::TEST name contains this text.")
@click.option("--env", "env", envvar="SESCTL_ENV", help="Environment from sesctl.yaml (variables).")
@click.option("-v", "--verbose", is_flag=True, help="List every test, not only failures.")
@click.pass_context
def command(
    ctx: click.Context, path: str | None, keyword: str | None, env: str | None, verbose: bool
) -> None:
    """Run the tests: of every EmailTemplate: render with each test's data (merged onto the
    defaults) and check its expectations. Exit code 1 if any test fails.

    \b
    Examples:
      sesctl test
      sesctl test -k welcome -v
    """
    color = use_color(ctx)
    started = time.perf_counter()
    run = run_tests(path, env or ctx.obj.env, keyword)
    if run.problems:
        echo_diagnostics(ctx, run.problems, err=True)
        click.secho(
            "Manifests have errors: no tests ran (see `sesctl validate`).", fg="red", err=True, color=color
        )
        ctx.exit(1)
        return
    outcomes = run.outcomes
    if not outcomes:
        message = (
            f"no tests matched -k {keyword!r}" if keyword else "no tests: add tests: to an EmailTemplate"
        )
        click.secho(message, fg="yellow", color=color)
        ctx.exit(1 if keyword else 0)
        return
    for outcome in outcomes:
        if outcome.passed and not verbose:
            continue
        status = (
            click.style("PASSED", fg="green")
            if outcome.passed
            else click.style("FAILED", fg="red", bold=True)
        )
        click.echo(f"{outcome.location}: {outcome.test_id} {status}", color=color)
        for failure in outcome.failures:
            click.echo(f"    {failure}")
    failed = sum(1 for o in outcomes if not o.passed)
    passed = len(outcomes) - failed
    elapsed = time.perf_counter() - started
    counts = [f"{failed} failed"] if failed else []
    counts += [f"{passed} passed"] if passed else []
    line = f"{', '.join(counts)} in {elapsed:.2f}s"
    click.secho(line, fg="red" if failed else "green", color=color)
    ctx.exit(1 if failed else 0)
