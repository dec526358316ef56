"""What a run tells sesctl (event, environment) and which files count as manifests: in-process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.errors import UsageError
from reconciler.github.actions import run_context
from reconciler.github.scope import touches, watched_paths


def _event(tmp_path: Path, payload: dict) -> dict[str, str]:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload))
    return {
        "GITHUB_EVENT_PATH": str(path),
        "GITHUB_REPOSITORY": "acme/mail",
        "GITHUB_SHA": "merge9",
        "GITHUB_RUN_ID": "5",
        "GITHUB_EVENT_NAME": "x",
    }


def test_pull_request_event(tmp_path: Path) -> None:
    env = _event(tmp_path, {"pull_request": {"number": 12, "head": {"sha": "head9"}}})
    context = run_context(env=env)
    assert (context.repo, context.pr_number, context.head_sha, context.sha) == (
        "acme/mail",
        12,
        "head9",
        "merge9",
    )
    assert context.run_url == "https://github.com/acme/mail/actions/runs/5"


def test_issue_comment_on_a_pull_request_and_flags_win(tmp_path: Path) -> None:
    env = _event(tmp_path, {"issue": {"number": 4, "pull_request": {"url": "u"}}})
    assert run_context(env=env).pr_number == 4
    assert run_context(env=env, pr=8, repo="o/r").pr_number == 8
    assert run_context(env=env, pr=8, repo="o/r").repo == "o/r"
    plain_issue = _event(tmp_path, {"issue": {"number": 4}})
    assert run_context(env=plain_issue).pr_number is None


def test_missing_values_are_usage_errors(tmp_path: Path) -> None:
    context = run_context(env={"GITHUB_EVENT_PATH": str(tmp_path / "absent.json")})
    for require in (context.require_repo, context.require_pr, context.require_sha):
        with pytest.raises(UsageError) as info:
            require()
        assert info.value.hint


def test_touches_directories_files_and_globs() -> None:
    watched = ["manifests", "sesctl.yaml", "email/*.html"]
    assert touches(["manifests/a/b.yaml"], watched)
    assert touches(["sesctl.yaml"], watched)
    assert touches(["email/welcome.html"], watched)
    assert not touches(["manifests-old/a.yaml", "docs/sesctl.yaml", "email/x.txt"], watched)


def test_watched_paths_without_a_project_file(tmp_path: Path) -> None:
    assert watched_paths([], start=tmp_path, repo_root=tmp_path) == ["manifests", "sesctl.yaml", "sesctl.yml"]
    assert watched_paths(["/bodies/"], start=tmp_path, repo_root=tmp_path) == ["bodies"]


def test_watched_paths_from_a_nested_project(tmp_path: Path) -> None:
    project = tmp_path / "infra" / "ses"
    (project / "manifests").mkdir(parents=True)
    (project / "sesctl.yaml").write_text(
        "apiVersion: sesctl/v1\nkind: Project\nstack: s\nmanifests: [manifests]\n"
    )
    watched = watched_paths([], start=project, repo_root=tmp_path)
    assert watched == ["infra/ses/manifests", "infra/ses/sesctl.yaml"]
