"""``sesctl github``: the plan comment, labels, drift issue, merge guard and job summary.

Each subcommand reads a plan file (``sesctl plan --out plan.json``) and talks to the GitHub REST
API with ``GITHUB_TOKEN`` (``GITHUB_API_URL`` for GitHub Enterprise). Repository, pull request
and commit come from the GitHub Actions event when the flags are absent.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from reconciler.engine.planfile import read_plan_file as read_plan
from reconciler.engine.render_markdown import fence_for, plan_marker, render_failure, render_markdown
from reconciler.errors import PlanError, UsageError
from reconciler.github.actions import run_context
from reconciler.github.comment import find_comment, upsert_comment
from reconciler.github.drift import sync_drift_issue
from reconciler.github.labels import plan_label, set_plan_label
from reconciler.github.scope import pr_files, project_stack, repo_root, touches, watched_paths
from reconciler.github.verify import verify_plan
from reconciler.githubapi.client import GitHubClient

STEP_SUMMARY_LIMIT = 1_000_000  # GitHub accepts up to 1 MiB of summary per step
_APPLY_LOG_LIMIT = 200_000

plan_option = click.option(
    "--plan",
    "plan_path",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Plan file written by `sesctl plan --out FILE`.",
)
repo_option = click.option("--repo", help="owner/name (default: GITHUB_REPOSITORY).")


@click.group("github")
def command() -> None:
    """Plan comments, labels, drift issues and the merge guard for GitHub.

    Needs GITHUB_TOKEN (workflow permissions: pull-requests: write, issues: write).
    """


@command.command("comment")
@click.option(
    "--plan",
    "plan_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Plan file written by `sesctl plan --out FILE`.",
)
@click.option(
    "--error-log",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Instead of a plan: output of the failed validate/plan, shown in place of the stale plan.",
)
@click.option("--environment", help="With --error-log: the environment that failed to plan.")
@click.option("--pr", type=int, help="Pull request number (default: from the GitHub Actions event).")
@repo_option
@click.option("--always", is_flag=True, help="Comment even when the pull request touches no manifests.")
@click.option(
    "--paths",
    multiple=True,
    help="Extra paths or globs that count as manifests (repeatable; sesctl.yaml's are always watched).",
)
@click.option("--no-labels", is_flag=True, help="Leave the sesctl:* labels alone.")
@click.option("--details-url", help="Link to the full plan (default: this Actions run).")
def comment(
    plan_path: Path | None,
    error_log: Path | None,
    environment: str | None,
    pr: int | None,
    repo: str | None,
    always: bool,
    paths: tuple[str, ...],
    no_labels: bool,
    details_url: str | None,
) -> None:
    """Post the plan as ONE comment on the pull request, edited in place on every push."""
    if (plan_path is None) == (error_log is None):
        raise UsageError("pass exactly one of --plan and --error-log")
    if error_log is not None and not environment:
        raise UsageError("--error-log needs --environment (the environment that failed to plan)")
    plan = read_plan(plan_path) if plan_path is not None else None
    if plan is not None:
        stack, env_name = plan.stack or "default", plan.environment or "default"
    else:
        stack, env_name = project_stack(Path.cwd()) or "default", str(environment)
    context = run_context(repo=repo, pr=pr)
    repo_name, number = context.require_repo(), context.require_pr()
    client = GitHubClient.from_env()
    marker = plan_marker(stack, env_name)
    if not always:
        watched = watched_paths(paths, start=Path.cwd(), repo_root=repo_root())
        if not touches(pr_files(client, repo_name, number), watched) and (
            find_comment(client, repo_name, number, marker) is None
        ):
            click.echo(
                f"Pull request #{number} touches none of {', '.join(watched)}: no comment "
                "(pass --always to comment anyway)."
            )
            return
    head_sha = context.head_sha if pr is None else None  # the event's pull request, not another
    if not head_sha:
        head_sha = str(
            (client.request("GET", f"/repos/{repo_name}/pulls/{number}").get("head") or {}).get("sha", "")
        )
    meta = {"head_sha": head_sha}
    url = details_url or context.run_url
    if plan is None:
        log = _read_text(error_log) if error_log is not None else ""
        body = render_failure(stack, env_name, log, details_url=url, extra_meta=meta)
    else:
        body = render_markdown(plan, details_url=url, extra_meta=meta)
    result = upsert_comment(client, repo_name, number, marker, body)
    click.echo(f"Comment {result.action} on pull request #{number}: {result.url or result.comment_id}")
    if plan is not None and not no_labels:
        label = plan_label(plan)
        changed = set_plan_label(client, repo_name, number, label)
        click.echo(f"Label {label.name}" + (f" ({', '.join(changed)})" if changed else " (already set)"))


@command.command("drift")
@plan_option
@repo_option
def drift(plan_path: Path, repo: str | None) -> None:
    """Open, update or close the drift issue from a full plan (no changes = in sync)."""
    plan = read_plan(plan_path)
    context = run_context(repo=repo)
    outcome = sync_drift_issue(GitHubClient.from_env(), context.require_repo(), plan, run_url=context.run_url)
    if outcome.action == "in-sync":
        click.echo("No drift: the account matches the manifests.")
    else:
        click.echo(f"Drift issue #{outcome.number} {outcome.action}: {outcome.url}")


@command.command("verify-plan")
@plan_option
@repo_option
@click.option("--sha", help="The pushed commit (default: GITHUB_SHA).")
@click.option(
    "--accept-drift",
    is_flag=True,
    help="Go ahead even when the fresh plan differs from the reviewed one (say why in the run).",
)
def verify(plan_path: Path, repo: str | None, sha: str | None, accept_drift: bool) -> None:
    """Refuse (exit 1) unless the fresh plan is the plan reviewed on the merged pull request."""
    plan = read_plan(plan_path)
    context = run_context(repo=repo, sha=sha)
    verdict = verify_plan(
        GitHubClient.from_env(),
        context.require_repo(),
        context.require_sha(),
        plan,
        accept_drift=accept_drift,
    )
    if not verdict.ok:
        raise PlanError(
            f"refusing to apply: {verdict.message}",
            hint="Re-plan on a pull request so reviewers see the current plan, or, having checked the "
            "difference, re-run with --accept-drift (action input accept-drift: true).",
        )
    if verdict.accepted_drift:
        click.secho(f"Warning: {verdict.message}", fg="yellow", err=True)
    else:
        click.echo(f"OK: {verdict.message}")


@command.command("summary")
@plan_option
@click.option(
    "--apply-log", type=click.Path(path_type=Path, dir_okay=False), help="Output of `sesctl apply`."
)
@click.option("--apply-exit-code", type=int, help="Exit code of `sesctl apply` (0 = applied).")
@click.option(
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="File to append to (default: $GITHUB_STEP_SUMMARY, else standard output).",
)
def summary(
    plan_path: Path, apply_log: Path | None, apply_exit_code: int | None, output: Path | None
) -> None:
    """Write the full plan (and the apply outcome) as Markdown to the job summary."""
    plan = read_plan(plan_path)
    context = run_context()
    parts = []
    if apply_exit_code is not None or apply_log is not None:
        parts.append(_apply_outcome(apply_log, apply_exit_code))
    budget = STEP_SUMMARY_LIMIT - sum(len(p) for p in parts)
    parts.insert(0, render_markdown(plan, max_chars=budget, details_url=context.run_url))
    text = "\n".join(parts)
    target = output or (
        Path(os.environ["GITHUB_STEP_SUMMARY"]) if os.environ.get("GITHUB_STEP_SUMMARY") else None
    )
    if target is None:
        click.echo(text, nl=False)
        return
    with target.open("a", encoding="utf-8") as handle:
        handle.write(text)
    click.echo(f"Job summary written to {target}")


def _apply_outcome(apply_log: Path | None, exit_code: int | None) -> str:
    if exit_code is None:
        verdict = "finished"
    elif exit_code == 0:
        verdict = "succeeded"
    else:
        verdict = f"**failed** (exit code {exit_code})"
    lines = ["### Apply outcome", "", f"The apply {verdict}.", ""]
    if apply_log is not None:
        log = _read_text(apply_log)
        if len(log) > _APPLY_LOG_LIMIT:
            log = "… (start cut)\n" + log[-_APPLY_LOG_LIMIT:]
        fence = fence_for(log)
        lines += [f"{fence}text", log.rstrip("\n"), fence, ""]
    return "\n".join(lines)


def _read_text(path: Path) -> str:
    """A log file's text; an unreadable file becomes a line saying so (the comment still goes out)."""
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return f"(cannot read {path}: {exc.strerror or exc})"
