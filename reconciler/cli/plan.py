"""``sesctl plan``: show what apply would change (nothing is changed)."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from reconciler.app import plan as planning
from reconciler.engine import planfile
from reconciler.engine.render_markdown import render_markdown
from reconciler.engine.render_text import render_text
from reconciler.errors import UsageError
from reconciler.files import write_text
from reconciler.settings import Settings

F = Callable[..., Any]


def reconcile_options(fn: F) -> F:
    decorators = [
        click.argument("path", type=click.Path(path_type=str), default=".", required=False),
        click.option(
            "--env",
            "env",
            metavar="NAME",
            envvar="SESCTL_ENV",  # as validate/render/test: never plan one environment, validate another
            help="Environment from sesctl.yaml (region, profile, endpoint); default: $SESCTL_ENV.",
        ),
        click.option(
            "--target",
            "targets",
            multiple=True,
            metavar="KIND/NAME",
            help="Only this resource and what it depends on (repeatable).",
        ),
        click.option(
            "--prune/--no-prune",
            default=None,
            help="Delete owned resources that are no longer in the manifests (default: sesctl.yaml's prune).",
        ),
        click.option(
            "--max-destroy",
            type=click.IntRange(min=0),
            metavar="N",
            help="Refuse a plan deleting more than N.",
        ),
        click.option(
            "--rate",
            type=click.FloatRange(min=0, min_open=True),
            metavar="RPS",
            help="SES requests per second per operation.",
        ),
    ]
    for decorator in reversed(decorators):
        fn = decorator(fn)
    return fn


@click.command("plan")
@reconcile_options
@click.option("--json", "as_json", is_flag=True, help="Print the plan's JSON form (docs/plan-format.md).")
@click.option("--markdown", is_flag=True, help="Print the plan as Markdown (for a pull-request comment).")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Save the plan (JSON) for `apply --plan`."
)
@click.option("--detailed-exitcode", is_flag=True, help="Exit 0 no changes, 1 error, 2 changes present.")
@click.option(
    "--refresh-budget",
    metavar="DURATION",
    help="Re-read only what fits in this time (90s, 10m, 1h), stalest first; the rest comes from "
    "the live cache, and the plan says what was not re-read and how old it is (docs/drift.md).",
)
@click.pass_context
def command(
    ctx: click.Context,
    path: str,
    env: str | None,
    targets: tuple[str, ...],
    prune: bool | None,
    max_destroy: int | None,
    rate: str | None,
    as_json: bool,
    markdown: bool,
    out: Path | None,
    detailed_exitcode: bool,
    refresh_budget: str | None,
) -> None:
    """Read live SES and show what `sesctl apply` would change.

    \b
    Examples:
      sesctl --local plan
      sesctl plan --env production --out plan.json
      sesctl plan --target ConfigurationSet/marketing --detailed-exitcode
      sesctl plan --env production --refresh-budget 10m
    """
    settings: Settings = ctx.obj
    if as_json and markdown:
        raise UsageError("--json and --markdown cannot be combined", hint="Pick one output format.")
    budget = None if refresh_budget is None else parse_duration(refresh_budget, "--refresh-budget")
    request = planning.PlanRequest(Path(path), env, targets, prune, max_destroy, rate, refresh_budget=budget)
    result = planning.plan(settings, request)
    plan = result.plan
    if out is not None:
        write_text(out, planfile.dumps(plan), "the plan")
    if as_json:
        click.echo(planfile.dumps(plan), nl=False)
    elif markdown:
        click.echo(render_markdown(plan), nl=False)
    else:
        click.echo(render_text(plan, color=settings.color and sys.stdout.isatty()), nl=False)
        if out is not None:
            click.echo(f"\nSaved the plan to {out}. Apply exactly this plan with: sesctl apply --plan {out}")
    if result.throttles:  # stderr: the plan's text, JSON and Markdown stay as they are
        click.echo(throttle_note(result.throttles), err=True)
    for note in result.notes:
        click.echo(f"Warning: {note}", err=True)
    if detailed_exitcode and plan.has_changes:
        ctx.exit(2)


def throttle_note(throttles: dict[str, int]) -> str:
    """One line saying how often SES throttled the reads (each was retried after slowing down)."""
    total = sum(throttles.values())
    detail = ", ".join(f"{op} {n}" for op, n in sorted(throttles.items()))
    return (
        f"Note: SES throttled {total} request{'s' if total != 1 else ''} ({detail}); "
        "each was retried at a slower pace. Lower --rate if this happens on every run."
    )


_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str, option: str) -> float:
    """Seconds of ``90``, ``90s``, ``10m``, ``1.5h``; a usage error otherwise."""
    value = text.strip().lower()
    unit = _UNITS.get(value[-1:], None) if value else None
    number = value[:-1] if unit is not None else value
    try:
        seconds = float(number) * (unit or 1.0)
    except ValueError:
        seconds = float("nan")
    if not (math.isfinite(seconds) and seconds >= 0):
        raise UsageError(f"{option} {text!r} is not a duration", hint="Give seconds, minutes or hours: 90s, 10m, 1h.")
    return seconds
