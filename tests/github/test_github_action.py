"""The composite action's own steps, run by a stand-in runner against the local SES emulator
(environment ``local: true``) and the fake GitHub: plan -> comment, merge -> guarded apply,
schedule -> drift issue. Only the ``uses:`` steps (setup-python, OIDC, artifact upload) are skipped.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from action_runner import run_action
from gh_fake import TOKEN, FakeGitHub, pr_event

ACTION = Path(__file__).resolve().parents[2] / "action.yml"

PROJECT = """\
apiVersion: sesctl/v1
kind: Project
stack: acme
manifests: manifests
environments:
  local:
    local: true
    region: us-east-1
"""

TEMPLATE = """\
apiVersion: sesctl/v1
kind: EmailTemplate
metadata:
  name: {name}
spec:
  subject: "Hello {{{{name}}}}"
  html: "<p>Hello {{{{name}}}}</p>"
  text: "Hello {{{{name}}}}"
  defaults: {{name: there}}
"""


def _env(github: FakeGitHub, workspace: Path, event: dict, *, sha: str) -> dict[str, str]:
    event_path = workspace / "event.json"
    event_path.write_text(json.dumps(event))
    return {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "GITHUB_API_URL": github.url,
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_REPOSITORY": "o/r",
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_SERVER_URL": "https://github.test",
        "GITHUB_RUN_ID": "99",
        "GITHUB_EVENT_PATH": str(event_path),
        "GITHUB_EVENT_NAME": "pull_request" if "pull_request" in event else "push",
        "GITHUB_SHA": sha,
    }


def _run(github: FakeGitHub, workspace: Path, mode: str, event: dict, sha: str, **inputs: str):
    return run_action(
        ACTION,
        inputs={"environment": "local", "mode": mode, "github-token": TOKEN, **inputs},
        env=_env(github, workspace, event, sha=sha),
        workspace=workspace,
        skip=frozenset({"Install sesctl"}),  # sesctl is already installed in this venv
    )


def test_plan_comment_then_guarded_apply_then_drift(github: FakeGitHub, workspace: Path) -> None:
    (workspace / "sesctl.yaml").write_text(PROJECT)
    (workspace / "manifests" / "welcome.yaml").write_text(TEMPLATE.format(name="welcome"))

    # 1. The pull request: validate, plan, job summary, ONE comment and a label.
    github.add_pr(50, files=["manifests/welcome.yaml"], head_sha="pr50head")
    plan = _run(github, workspace, "plan", pr_event(50, "pr50head"), "pr50merge")
    assert not plan.failed, plan.log()
    assert plan.outputs["has-changes"] == "true" and plan.outputs["destroys"] == "false"
    assert plan.outputs["checksum"].startswith("sha256:")
    assert (
        "actions/upload-artifact@v6" in plan.uses
        and "aws-actions/configure-aws-credentials@v6" not in plan.uses
    )
    assert "EmailTemplate/welcome" in plan.summary
    [comment] = github.comments_on(50)
    assert plan.outputs["checksum"] in comment["body"]
    assert [lab["name"] for lab in github.issues[50]["labels"]] == ["sesctl:changes"]
    assert plan.step("Check the plan is the reviewed one").skipped and plan.step("Apply").skipped

    # 2. Merged: re-plan, the checksum matches the comment, apply, outcome in the summary.
    github.issues[50].update(merged_at="2026-01-01T00:00:00Z", merge_commit_sha="main1")
    github.commit_pulls["main1"] = [50]
    apply = _run(github, workspace, "apply", {"after": "main1"}, "main1")
    assert not apply.failed, apply.log()
    assert "The apply succeeded." in apply.summary
    assert "#50" in apply.step("Check the plan is the reviewed one").stdout

    # 3. Drift: the account no longer matches main (here: main moved on without an apply).
    (workspace / "manifests" / "promo.yaml").write_text(TEMPLATE.format(name="promo"))
    drift = _run(github, workspace, "drift", {}, "main1")
    assert not drift.failed, drift.log()
    [issue] = [i for i in github.issues.values() if "pull_request" not in i]
    assert issue["state"] == "open" and "EmailTemplate/promo" in issue["body"]
    assert len(github.comments_on(50)) == 1

    # ... and closes it once the account is back in sync.
    (workspace / "manifests" / "promo.yaml").unlink()
    synced = _run(github, workspace, "drift", {}, "main1")
    assert not synced.failed, synced.log()
    assert github.issues[issue["number"]]["state"] == "closed"


def test_apply_refuses_a_plan_that_was_not_reviewed(github: FakeGitHub, workspace: Path) -> None:
    (workspace / "sesctl.yaml").write_text(PROJECT)
    (workspace / "manifests" / "welcome.yaml").write_text(TEMPLATE.format(name="welcome"))
    github.add_pr(60, files=["manifests/welcome.yaml"], head_sha="h60", merged_sha="main60")
    assert not _run(github, workspace, "plan", pr_event(60, "h60"), "m").failed
    # Between review and merge another template landed on main: the fresh plan is not the reviewed one.
    (workspace / "manifests" / "promo.yaml").write_text(TEMPLATE.format(name="promo"))
    apply = _run(github, workspace, "apply", {"after": "main60"}, "main60")
    assert apply.failed
    assert apply.step("Check the plan is the reviewed one").returncode == 1
    assert apply.step("Apply").skipped
    assert (
        "sesctl apply refused" in apply.summary
        and "not the plan reviewed on pull request #60" in apply.summary
    )

    accepted = _run(github, workspace, "apply", {"after": "main60"}, "main60", **{"accept-drift": "true"})
    assert not accepted.failed, accepted.log()
    assert "The apply succeeded." in accepted.summary


def test_a_failing_plan_is_reported_on_the_pull_request(github: FakeGitHub, workspace: Path) -> None:
    (workspace / "sesctl.yaml").write_text(PROJECT)
    (workspace / "manifests" / "broken.yaml").write_text(
        "apiVersion: sesctl/v1\nkind: NoSuchKind\nmetadata: {name: x}\n"
    )
    github.add_pr(70, files=["manifests/broken.yaml"])
    run = _run(github, workspace, "plan", pr_event(70), "m70")
    assert run.failed and run.step("Validate").returncode != 0
    [comment] = github.comments_on(70)
    assert "The plan failed" in comment["body"] and "NoSuchKind" in comment["body"]
    assert comment["body"].startswith("<!-- sesctl-plan:acme/local -->")


def test_an_unknown_mode_stops_at_once(github: FakeGitHub, workspace: Path) -> None:
    run = _run(github, workspace, "destroy-everything", {}, "m")
    assert run.step("Check inputs").returncode == 1
    assert "mode must be plan, apply or drift" in run.step("Check inputs").stdout
    assert all(r.skipped for r in run.results[1:])
