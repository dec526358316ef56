"""``sesctl rollback``: write an earlier version of an EmailTemplate back into the manifests."""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.app.rollback import audited_rollback, written
from reconciler.versions.compare import compare, render_diff
from reconciler.versions.history import History, template_history
from reconciler.versions.rollback import RollbackPlan, prepare, write


@click.command("rollback")
@click.argument("address", metavar="EmailTemplate/NAME")
@click.option("--to", "ref", required=True, metavar="REV", help="The version to go back to: v2, -1, a commit, a tag.")
@click.option("--path", "path", type=click.Path(path_type=Path), help="Project or manifests path (default: .).")
@click.option("--env", "env", envvar="SESCTL_ENV", help="Environment from sesctl.yaml (variables, AWS target).")
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option("--apply", "apply_now", is_flag=True, help="Break-glass: also apply it to SES now (plan shown first).")
@click.option("--auto-approve", is_flag=True, help="With --apply: apply without asking.")
@click.option("--force", is_flag=True, help="Roll back even if senders do not pass a variable the version needs.")
@click.pass_context
def command(
    ctx: click.Context,
    address: str,
    ref: str,
    path: Path | None,
    env: str | None,
    dry_run: bool,
    apply_now: bool,
    auto_approve: bool,
    force: bool,
) -> None:
    """Write version REV of a template back into its manifest document and body files, so the
    rollback goes through a pull request like any change. Refused when that version needs a
    variable the current defaults or tests do not pass (SES would drop those mails).

    \b
    Examples:
      sesctl rollback EmailTemplate/welcome --to -1          # the version before the current one
      sesctl rollback EmailTemplate/welcome --to v3 --dry-run
      sesctl --local rollback EmailTemplate/welcome --to v3 --apply   # break-glass
    """
    history = template_history(path, address, env)
    plan = prepare(history, ref, force=force)
    target_label = plan.target.label + (f" ({plan.target.commit.short})" if plan.target.commit else "")
    diff = compare(plan.current.content, plan.target.content, plan.current.label, target_label)
    click.echo(render_diff(diff), nl=False)
    root = history.repo_root
    if dry_run:
        click.echo("\nWould write: " + ", ".join(str(p.relative_to(root)) for p in plan.writes))
        return
    with audited_rollback(history, plan, apply=apply_now, force=force) as entry:
        write(plan, path, env)
        files = written(history, plan)
        entry.set(written=files, orphaned=plan.orphaned)
        click.echo("\nWrote: " + ", ".join(files))
        if plan.orphaned:
            click.echo("No longer referenced (left in place): " + ", ".join(plan.orphaned))
        if not apply_now:
            click.echo(
                f"\nNext: review with `git diff`, commit (e.g. \"Roll back {plan.address} to {plan.target.label}\")"
                " and open a pull request; the plan comment will show the change."
            )
            return
        from reconciler.cli.apply import command as apply_command

        project = str(path if path is not None else history.project_root)
        ctx.invoke(
            apply_command,
            path=project,
            env=env,
            targets=(plan.address,),
            prune=False,
            max_destroy=None,
            rate=None,
            plan_file=None,
            auto_approve=auto_approve,
        )
        _stamp(ctx, history, plan, env)
        entry.set(applied=True)
    click.echo(
        f"\n{plan.address} is live at {plan.target.label}. Commit the written files so git and SES agree;"
        " until then drift reports say it was rolled back."
    )


def _stamp(ctx: click.Context, history: History, plan: RollbackPlan, env: str | None) -> None:
    """Tag the live template with the rollback, so every later plan and drift report (on any
    machine, CI included) says it was rolled back instead of plain drift."""
    from reconciler.app.connect import connect, find_environment
    from reconciler.versions.stamps import new_stamp, stamp_rollback

    commit = plan.target.commit.sha if plan.target.commit else "working"
    stamp = new_stamp(plan.target.label, commit, plan.target.content.digest)
    with connect(ctx.obj, find_environment(ctx.obj, history.project_root, env)) as conn:
        stamp_rollback(conn.gateway, history.ses_name, stamp)
