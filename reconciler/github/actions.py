"""What a GitHub Actions run tells a step: repository, pull request, commit and run URL.

Flags win over the environment; the environment is ``GITHUB_REPOSITORY``, ``GITHUB_SHA``,
``GITHUB_EVENT_PATH`` (the webhook payload as JSON), ``GITHUB_SERVER_URL`` and ``GITHUB_RUN_ID``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.errors import UsageError


@dataclass(frozen=True)
class RunContext:
    repo: str | None
    pr_number: int | None
    head_sha: str | None  # the pull request's head commit, from a pull_request event only
    sha: str | None  # GITHUB_SHA (on pull_request: the merge commit GitHub made)
    run_url: str | None
    event_name: str | None

    def require_repo(self) -> str:
        if not self.repo or "/" not in self.repo:
            raise UsageError(
                f"repository {self.repo!r} is not owner/name" if self.repo else "no repository given",
                hint="Pass --repo owner/name (GitHub Actions sets GITHUB_REPOSITORY).",
            )
        return self.repo

    def require_pr(self) -> int:
        if self.pr_number is None:
            raise UsageError(
                "no pull request number given",
                hint="Pass --pr N, or run on a pull_request event (GITHUB_EVENT_PATH names the pull request).",
            )
        return self.pr_number

    def require_sha(self) -> str:
        if not self.sha:
            raise UsageError("no commit given", hint="Pass --sha SHA (GitHub Actions sets GITHUB_SHA).")
        return self.sha


def run_context(
    *,
    repo: str | None = None,
    pr: int | None = None,
    sha: str | None = None,
    env: Mapping[str, str] | None = None,
) -> RunContext:
    env = os.environ if env is None else env
    event = _event(env.get("GITHUB_EVENT_PATH"))
    pull = event.get("pull_request") if isinstance(event.get("pull_request"), dict) else None
    issue = event.get("issue") if isinstance(event.get("issue"), dict) else None
    if pr is None:
        if pull and isinstance(pull.get("number"), int):
            pr = pull["number"]
        elif issue and issue.get("pull_request") and isinstance(issue.get("number"), int):
            pr = issue["number"]  # an issue_comment on a pull request
    head_sha = None
    if pull and isinstance(pull.get("head"), dict):
        head_sha = pull["head"].get("sha")
    sha = sha or env.get("GITHUB_SHA") or None
    repo = repo or env.get("GITHUB_REPOSITORY") or None
    run_url = None
    if repo and env.get("GITHUB_RUN_ID"):
        server = (env.get("GITHUB_SERVER_URL") or "https://github.com").rstrip("/")
        run_url = f"{server}/{repo}/actions/runs/{env['GITHUB_RUN_ID']}"
    return RunContext(
        repo=repo,
        pr_number=pr,
        head_sha=head_sha,
        sha=sha,
        run_url=run_url,
        event_name=env.get("GITHUB_EVENT_NAME") or None,
    )


def _event(path: str | None) -> dict[str, Any]:
    if not path:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # a missing or odd payload only means "no defaults from the event"
    return data if isinstance(data, dict) else {}
