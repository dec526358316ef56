"""`sesctl github drift`: one issue opened, updated, then closed when back in sync."""

from __future__ import annotations

import gh_plans
from gh_fake import FakeGitHub


def _open_drift_issues(github: FakeGitHub) -> list[dict]:
    return [
        i
        for i in github.issues.values()
        if "pull_request" not in i and i["state"] == "open" and {"name": "sesctl:drift"} in i["labels"]
    ]


def test_drift_issue_opened_updated_and_closed(github: FakeGitHub, run_cli) -> None:
    github.add_pr(1, files=["x"])  # a pull request in the same issue list must be ignored
    opened = run_cli("github", "drift", plan=gh_plans.creates_only())
    assert opened.returncode == 0, opened.stderr
    assert "opened" in opened.stdout
    [issue] = _open_drift_issues(github)
    assert issue["body"].startswith("<!-- sesctl-drift:example/prod -->")
    assert "ConfigurationSet/marketing" in issue["body"] and "(2 resources)" in issue["title"]
    assert github.labels["sesctl:drift"]["color"]

    updated = run_cli("github", "drift", plan=gh_plans.destroy())
    assert updated.returncode == 0 and "updated" in updated.stdout
    [same] = _open_drift_issues(github)
    assert same["number"] == issue["number"]
    assert "[!CAUTION]" in same["body"] and "(3 resources)" in same["title"]

    closed = run_cli("github", "drift", plan=gh_plans.no_changes())
    assert closed.returncode == 0 and "closed" in closed.stdout
    assert _open_drift_issues(github) == []
    assert github.issues[issue["number"]]["state"] == "closed"
    assert github.issues[issue["number"]]["state_reason"] == "completed"
    [note] = github.comments_on(issue["number"])
    assert "back in sync" in note["body"] and "actions/runs/77" in note["body"]

    again = run_cli("github", "drift", plan=gh_plans.no_changes())
    assert again.returncode == 0 and "No drift" in again.stdout
    assert len(github.calls("POST", r"/issues$")) == 1


def test_drift_in_another_environment_gets_its_own_issue(github: FakeGitHub, run_cli) -> None:
    staging = gh_plans.creates_only()
    staging["environment"] = "staging"
    assert run_cli("github", "drift", plan=gh_plans.creates_only()).returncode == 0
    assert run_cli("github", "drift", plan=staging).returncode == 0
    assert len(_open_drift_issues(github)) == 2
    assert run_cli("github", "drift", plan=gh_plans.no_changes()).returncode == 0  # prod back in sync
    [left] = _open_drift_issues(github)
    assert "example/staging" in left["body"]


def test_a_huge_drift_issue_stays_under_the_body_limit(github: FakeGitHub, run_cli) -> None:
    assert run_cli("github", "drift", plan=gh_plans.large(600)).returncode == 0
    [issue] = _open_drift_issues(github)
    assert len(issue["body"]) <= 65536


def _budgeted(plan: dict, states: dict[str, str]) -> dict:
    """``plan`` as a plan with a refresh budget that left these addresses unread."""
    plan["refresh"] = {
        "budget_seconds": 2700,
        "made_at": "2026-01-01T12:00:00Z",
        "refreshed": 2500,
        "not_refreshed": [
            {"address": a, "state": st, "read_at": "2026-01-01T07:00:00Z", "by": "read"} for a, st in states.items()
        ],
    }
    return plan


def test_a_budgeted_plan_keeps_unread_known_drift_open_and_says_what_it_did_not_read(
    github: FakeGitHub, run_cli
) -> None:
    known = _budgeted(gh_plans.no_changes(), {"EmailTemplate/a": "differs", "EmailTemplate/b": "in_sync"})
    opened = run_cli("github", "drift", plan=known)
    assert opened.returncode == 0 and "opened" in opened.stdout
    [issue] = _open_drift_issues(github)
    assert "(1 resource)" in issue["title"]
    assert "Stale data" in issue["body"] and "their changes are NOT in this plan" in issue["body"]

    in_sync = _budgeted(gh_plans.no_changes(), {"EmailTemplate/b": "in_sync"})
    closed = run_cli("github", "drift", plan=in_sync)
    assert closed.returncode == 0 and "closed" in closed.stdout
    [note] = github.comments_on(issue["number"])
    assert "1 object was not re-read" in note["body"]
