"""ONE drift issue per stack/environment, kept in step with the scheduled full plan.

Drift found: open the issue (label ``sesctl:drift``, hidden marker) or edit the open one.
No drift: when an issue is open, say so in a comment and close it as completed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reconciler.engine.plan import Plan
from reconciler.engine.render_markdown import GITHUB_COMMENT_LIMIT, render_markdown
from reconciler.engine.staleness import DIFFERS
from reconciler.github.labels import DRIFT, ensure_label
from reconciler.githubapi.client import GitHubClient


@dataclass(frozen=True)
class DriftOutcome:
    action: str  # "opened" | "updated" | "unchanged" | "closed" | "in-sync"
    number: int | None
    url: str


def drift_marker(stack: str, environment: str) -> str:
    return f"<!-- sesctl-drift:{stack}/{environment} -->"


def find_drift_issue(client: GitHubClient, repo: str, marker: str) -> dict[str, Any] | None:
    for issue in client.paginate(f"/repos/{repo}/issues", params={"state": "open", "labels": DRIFT.name}):
        if "pull_request" in issue:  # the issues API lists pull requests too
            continue
        if marker in (issue.get("body") or ""):
            return dict(issue)
    return None


def sync_drift_issue(
    client: GitHubClient, repo: str, plan: Plan, *, run_url: str | None = None
) -> DriftOutcome:
    stack = plan.stack or "default"
    environment = plan.environment or "default"
    marker = drift_marker(stack, environment)
    issue = find_drift_issue(client, repo, marker)
    # A budgeted plan may leave templates the cache last saw drifted unread (docs/drift.md):
    # they are still drift, and keep the issue open.
    unread_drift = plan.refresh.counts()[DIFFERS] if plan.refresh is not None else 0
    if not plan.has_changes and not unread_drift:
        if issue is None:
            return DriftOutcome("in-sync", None, "")
        where = f" by [this run]({run_url})" if run_url else ""
        unread = len(plan.refresh.unrefreshed) if plan.refresh is not None else 0
        stale = (
            f" As far as this run re-read: {unread:,} object{' was' if unread == 1 else 's were'} not "
            "re-read and come from the live cache (see the run's plan)."
            if unread
            else ""
        )
        client.request(
            "POST",
            f"/repos/{repo}/issues/{issue['number']}/comments",
            json_body={
                "body": f"The account is back in sync with the manifests (checked{where}; plan checksum "
                f"`{plan.checksum}`).{stale} Closing."
            },
        )
        client.request(
            "PATCH",
            f"/repos/{repo}/issues/{issue['number']}",
            json_body={"state": "closed", "state_reason": "completed"},
        )
        return DriftOutcome("closed", int(issue["number"]), str(issue.get("html_url", "")))

    count = len(plan.changes) + unread_drift
    title = f"sesctl drift: {stack}/{environment} differs from the manifests ({count} resource{'s' if count != 1 else ''})"
    body = _issue_body(plan, marker, run_url)
    if issue is None:
        ensure_label(client, repo, DRIFT)
        created = client.request(
            "POST", f"/repos/{repo}/issues", json_body={"title": title, "body": body, "labels": [DRIFT.name]}
        )
        return DriftOutcome("opened", int(created["number"]), str(created.get("html_url", "")))
    if issue.get("body") == body and issue.get("title") == title:
        return DriftOutcome("unchanged", int(issue["number"]), str(issue.get("html_url", "")))
    client.request(
        "PATCH", f"/repos/{repo}/issues/{issue['number']}", json_body={"title": title, "body": body}
    )
    return DriftOutcome("updated", int(issue["number"]), str(issue.get("html_url", "")))


def _issue_body(plan: Plan, marker: str, run_url: str | None) -> str:
    intro = (
        f"{marker}\n"
        "The scheduled full plan found the live SES account out of step with the manifests on the "
        "default branch. Either apply the manifests (merge a pull request, or re-run the apply job) to "
        "revert the out-of-band change, or adopt it by changing the manifests. This issue is updated on "
        "every drift run and closed when the account is back in sync.\n"
    )
    if run_url:
        intro += f"\nLast checked by [this run]({run_url}).\n"
    intro += "\n"
    return intro + render_markdown(plan, max_chars=GITHUB_COMMENT_LIMIT - len(intro), details_url=run_url)
