"""`sesctl github comment` through the real CLI against the fake GitHub."""

from __future__ import annotations

import gh_plans
from gh_fake import FakeGitHub, pr_event


def test_two_runs_make_one_comment_edited_in_place(github: FakeGitHub, run_cli) -> None:
    github.add_pr(7, files=["manifests/templates.yaml"])
    first = run_cli("github", "comment", plan=gh_plans.creates_only(), event=pr_event(7, "aaa111"))
    assert first.returncode == 0, first.stderr
    assert "Comment created" in first.stdout
    second = run_cli("github", "comment", plan=gh_plans.destroy(), event=pr_event(7, "bbb222"))
    assert second.returncode == 0, second.stderr
    assert "Comment updated" in second.stdout

    comments = github.comments_on(7)
    assert len(comments) == 1
    body = comments[0]["body"]
    assert body.startswith("<!-- sesctl-plan:example/prod -->")
    assert "[!CAUTION]" in body and '"head_sha": "bbb222"' in body
    assert len(github.calls("POST", r"/issues/7/comments$")) == 1
    assert len(github.calls("PATCH", r"/issues/comments/\d+$")) == 1
    assert github.calls("DELETE", r"/comments/") == []


def test_an_unchanged_plan_does_not_touch_the_comment(github: FakeGitHub, run_cli) -> None:
    github.add_pr(3, files=["manifests/a.yaml"])
    for _ in range(2):
        assert run_cli("github", "comment", plan=gh_plans.no_changes(), event=pr_event(3)).returncode == 0
    assert len(github.comments_on(3)) == 1
    assert github.calls("PATCH", r"/issues/comments/") == []


def test_each_stack_and_environment_has_its_own_comment(github: FakeGitHub, run_cli) -> None:
    github.add_pr(4, files=["manifests/a.yaml"])
    prod, staging = gh_plans.creates_only(), gh_plans.creates_only()
    staging["environment"] = "staging"
    assert run_cli("github", "comment", plan=prod, event=pr_event(4)).returncode == 0
    assert run_cli("github", "comment", plan=staging, event=pr_event(4)).returncode == 0
    assert run_cli("github", "comment", plan=prod, event=pr_event(4)).returncode == 0
    markers = sorted(c["body"].splitlines()[0] for c in github.comments_on(4))
    assert markers == ["<!-- sesctl-plan:example/prod -->", "<!-- sesctl-plan:example/staging -->"]


def test_the_comment_is_found_among_many_pages(github: FakeGitHub, run_cli) -> None:
    github.add_pr(9, files=["manifests/a.yaml"])
    for i in range(7):  # page size 2: the sesctl comment lands on page 4
        github.comments[i + 1] = {"id": i + 1, "issue_number": 9, "body": f"human comment {i}"}
    assert run_cli("github", "comment", plan=gh_plans.creates_only(), event=pr_event(9)).returncode == 0
    assert run_cli("github", "comment", plan=gh_plans.destroy(), event=pr_event(9)).returncode == 0
    assert len([c for c in github.comments_on(9) if c["body"].startswith("<!-- sesctl-plan")]) == 1
    assert any("page" in r.query for r in github.calls("GET", r"/issues/9/comments$"))


def test_labels_are_set_and_swapped(github: FakeGitHub, run_cli) -> None:
    github.add_pr(5, files=["manifests/a.yaml"])

    def labels() -> list[str]:
        return sorted(lab["name"] for lab in github.issues[5]["labels"])

    assert run_cli("github", "comment", plan=gh_plans.creates_only(), event=pr_event(5)).returncode == 0
    assert labels() == ["sesctl:changes"]
    assert github.labels["sesctl:changes"]["color"] == "fbca04"  # created with colour and description
    assert run_cli("github", "comment", plan=gh_plans.destroy(), event=pr_event(5)).returncode == 0
    assert labels() == ["sesctl:destroy"]
    result = run_cli("github", "comment", plan=gh_plans.no_changes(), event=pr_event(5))
    assert result.returncode == 0
    assert labels() == ["sesctl:no-changes"]
    assert "-sesctl:destroy" in result.stdout


def test_no_comment_for_a_pull_request_that_touches_no_manifests(github: FakeGitHub, run_cli) -> None:
    github.add_pr(6, files=["README.md", "src/app.py"])
    result = run_cli("github", "comment", plan=gh_plans.destroy(), event=pr_event(6))
    assert result.returncode == 0, result.stderr
    assert "no comment" in result.stdout
    assert github.comments_on(6) == [] and github.issues[6]["labels"] == []
    forced = run_cli("github", "comment", "--always", plan=gh_plans.destroy(), event=pr_event(6))
    assert forced.returncode == 0 and len(github.comments_on(6)) == 1


def test_extra_paths_count_as_manifests(github: FakeGitHub, run_cli) -> None:
    github.add_pr(8, files=["email/bodies/welcome.html"])
    result = run_cli(
        "github", "comment", "--paths", "email/bodies", plan=gh_plans.creates_only(), event=pr_event(8)
    )
    assert result.returncode == 0 and len(github.comments_on(8)) == 1


def test_manifest_paths_come_from_sesctl_yaml(github: FakeGitHub, run_cli, workspace) -> None:
    (workspace / "ses").mkdir()
    (workspace / "sesctl.yaml").write_text(
        "apiVersion: sesctl/v1\nkind: Project\nstack: example\nmanifests: ses\n"
    )
    github.add_pr(10, files=["manifests/unrelated.yaml"])
    github.add_pr(11, files=["ses/templates.yaml"])
    assert run_cli("github", "comment", plan=gh_plans.creates_only(), event=pr_event(10)).returncode == 0
    assert run_cli("github", "comment", plan=gh_plans.creates_only(), event=pr_event(11)).returncode == 0
    assert github.comments_on(10) == [] and len(github.comments_on(11)) == 1


def test_pr_flag_and_head_sha_from_the_api(github: FakeGitHub, run_cli) -> None:
    github.add_pr(12, files=["manifests/a.yaml"], head_sha="cafe1234")
    result = run_cli("github", "comment", "--pr", "12", "--repo", "o/r", plan=gh_plans.creates_only())
    assert result.returncode == 0, result.stderr
    assert '"head_sha": "cafe1234"' in github.comments_on(12)[0]["body"]


def test_missing_permission_is_explained(github: FakeGitHub, run_cli) -> None:
    github.add_pr(13, files=["manifests/a.yaml"])
    github.fail_next(403, message="Resource not accessible by integration")
    result = run_cli("github", "comment", plan=gh_plans.creates_only(), event=pr_event(13))
    assert result.returncode == 1
    assert "HTTP 403" in result.stderr and "pull-requests: write" in result.stderr
    assert "Traceback" not in result.stderr
    assert "ghs_fake_token" not in result.stderr + result.stdout


def test_bad_input_is_a_message_not_a_traceback(github: FakeGitHub, run_cli, workspace) -> None:
    (workspace / "plan.json").write_text("{not json")
    result = run_cli("github", "comment", "--plan", str(workspace / "plan.json"), event=pr_event(1))
    assert result.returncode == 1 and "not JSON" in result.stderr and "Traceback" not in result.stderr
    no_pr = run_cli("github", "comment", plan=gh_plans.creates_only())
    assert no_pr.returncode == 1 and "--pr" in no_pr.stderr
    no_token = run_cli(
        "github", "comment", plan=gh_plans.creates_only(), event=pr_event(1), env={"GITHUB_TOKEN": ""}
    )
    assert no_token.returncode == 1 and "GITHUB_TOKEN" in no_token.stderr


def test_a_failed_plan_replaces_the_stale_comment(github: FakeGitHub, run_cli, workspace) -> None:
    (workspace / "sesctl.yaml").write_text(
        "apiVersion: sesctl/v1\nkind: Project\nstack: example\nmanifests: manifests\n"
    )
    github.add_pr(14, files=["manifests/a.yaml"], merged_sha="merge14")
    assert (
        run_cli("github", "comment", plan=gh_plans.creates_only(), event=pr_event(14, "h1")).returncode == 0
    )
    log = workspace / "plan.log"
    log.write_text("\x1b[31mError:\x1b[0m manifests/a.yaml:3:1: E3001 unknown kind\n")
    failed = run_cli(
        "github", "comment", "--error-log", str(log), "--environment", "prod", event=pr_event(14, "h2")
    )
    assert failed.returncode == 0, failed.stderr
    [comment] = github.comments_on(14)
    assert "The plan failed" in comment["body"] and "E3001 unknown kind" in comment["body"]
    assert "\x1b" not in comment["body"] and "sesctl:changes" in [
        lab["name"] for lab in github.issues[14]["labels"]
    ]
    # Nothing reviewable: the merge guard refuses whatever the fresh plan is.
    refused = run_cli("github", "verify-plan", "--sha", "merge14", plan=gh_plans.creates_only())
    assert refused.returncode == 1 and "the last plan on the pull request failed" in refused.stderr


def test_comment_needs_a_plan_or_an_error_log(run_cli) -> None:
    neither = run_cli("github", "comment", "--pr", "1")
    assert neither.returncode == 1 and "exactly one of --plan and --error-log" in neither.stderr
