"""``sesctl diff``: what changed in an EmailTemplate between two versions, or against live SES."""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.cli.history import fetch_live
from reconciler.errors import UsageError
from reconciler.versions.compare import compare, render_diff
from reconciler.versions.history import History, TemplateContent, template_history


def _side(ctx: click.Context, history: History, ref: str, env: str | None) -> tuple[TemplateContent, str]:
    if ref == "live":
        found = fetch_live(ctx.obj, history, env)
        if found is None:
            raise UsageError(f"SES has no template named {history.ses_name!r}")
        return found[0], "live"
    version = history.find(ref)
    label = version.label if version.commit is None else f"{version.label} ({version.commit.short})"
    return version.content, label


# ignore_unknown_options: a relative version such as -1 is a revision, not an option.
@click.command("diff", context_settings={"ignore_unknown_options": True})
@click.argument("address", metavar="EmailTemplate/NAME")
@click.argument("revisions", nargs=-1, metavar="REV [REV]")
@click.option("--path", "path", type=click.Path(path_type=Path), help="Project or manifests path (default: .).")
@click.option("--env", "env", envvar="SESCTL_ENV", help="Environment from sesctl.yaml (variables, AWS target).")
@click.pass_context
def command(
    ctx: click.Context, address: str, revisions: tuple[str, ...], path: Path | None, env: str | None
) -> None:
    """Line diffs of subject, HTML and text between two versions of a template, and the change
    of its variable contract. A REV is a version (v3, -1), a git revision (a commit, tag or
    branch), `working` (the files on disk) or `live` (what SES holds). With one REV, the other
    side is the work tree; with none, live SES against the work tree.

    \b
    Examples:
      sesctl diff EmailTemplate/welcome v2 v3
      sesctl --local diff EmailTemplate/welcome live
      sesctl diff welcome HEAD~3
    """
    if len(revisions) > 2:
        raise UsageError("give at most two revisions: REV [REV]")
    history = template_history(path, address, env)
    refs = list(revisions) if revisions else ["live"]
    if len(refs) == 1:
        refs.append("working")
    (before, before_label), (after, after_label) = (_side(ctx, history, r, env) for r in refs)
    click.echo(render_diff(compare(before, after, before_label, after_label)), nl=False)
