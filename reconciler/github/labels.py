"""The sesctl labels: exactly one plan label per pull request, created in the repository on demand.

tfcmt labels a moved-only plan "add-or-update" (tfcmt #358); here the label follows the plan's
actions alone: any delete or replace -> destroy, any other change -> changes, else no-changes.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

from reconciler.engine.plan import Plan
from reconciler.githubapi.client import GitHubClient, GitHubError


@dataclass(frozen=True)
class Label:
    name: str
    color: str
    description: str


NO_CHANGES = Label("sesctl:no-changes", "0e8a16", "sesctl plan: the account already matches")
CHANGES = Label("sesctl:changes", "fbca04", "sesctl plan: creates or updates SES resources")
DESTROY = Label("sesctl:destroy", "d73a4a", "sesctl plan: deletes or replaces SES resources")
DRIFT = Label("sesctl:drift", "e99695", "sesctl: the live SES account differs from the manifests")
PLAN_LABELS = (NO_CHANGES, CHANGES, DESTROY)


def plan_label(plan: Plan) -> Label:
    if any(change.destroys for change in plan.changes):
        return DESTROY
    return CHANGES if plan.has_changes else NO_CHANGES


def ensure_label(client: GitHubClient, repo: str, label: Label) -> None:
    """Create ``label`` in the repository unless it exists (a 422 "already_exists" is fine too)."""
    try:
        client.request("GET", f"/repos/{repo}/labels/{_quote(label.name)}")
        return
    except GitHubError as exc:
        if exc.status != 404:
            raise
    try:
        client.request(
            "POST",
            f"/repos/{repo}/labels",
            json_body={"name": label.name, "color": label.color, "description": label.description},
        )
    except GitHubError as exc:
        if exc.status != 422:  # another job created it between our GET and POST
            raise


def set_plan_label(client: GitHubClient, repo: str, number: int, label: Label) -> list[str]:
    """Put ``label`` on the pull request and take the other plan labels off. Returns what changed."""
    current = {item["name"] for item in client.paginate(f"/repos/{repo}/issues/{number}/labels")}
    done: list[str] = []
    for stale in PLAN_LABELS:
        if stale.name != label.name and stale.name in current:
            try:
                client.request("DELETE", f"/repos/{repo}/issues/{number}/labels/{_quote(stale.name)}")
            except GitHubError as exc:
                if exc.status != 404:  # already gone: the outcome we wanted
                    raise
            done.append(f"-{stale.name}")
    if label.name not in current:
        ensure_label(client, repo, label)
        client.request("POST", f"/repos/{repo}/issues/{number}/labels", json_body={"labels": [label.name]})
        done.append(f"+{label.name}")
    return done


def _quote(name: str) -> str:
    return urllib.parse.quote(name, safe="")
