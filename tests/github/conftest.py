"""Fixtures for the GitHub tests: a fake GitHub on 127.0.0.1 and the real CLI in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from gh_fake import TOKEN, FakeGitHub, serve

from reconciler.githubapi.client import GitHubClient

SESCTL = [sys.executable, "-c", "from reconciler.cli import main; main()"]


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with serve() as fake:
        yield fake


@pytest.fixture
def client(github: FakeGitHub) -> GitHubClient:
    return GitHubClient(token=TOKEN, api_url=github.url, sleep=lambda _seconds: None)


RunCli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A user's repository: manifests/ at the root (no sesctl.yaml: the default paths apply)."""
    (tmp_path / "manifests").mkdir()
    return tmp_path


@pytest.fixture
def run_cli(github: FakeGitHub, workspace: Path) -> RunCli:
    """``run_cli("github", "comment", ..., plan=dict, event=dict)``: the real CLI in a subprocess."""

    def run(
        *args: str,
        plan: dict[str, Any] | None = None,
        event: dict[str, Any] | None = None,
        env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
        full_env.update(
            GITHUB_API_URL=github.url,
            GITHUB_TOKEN=TOKEN,
            GITHUB_REPOSITORY="o/r",
            GITHUB_WORKSPACE=str(workspace),
            GITHUB_SERVER_URL="https://github.test",
            GITHUB_RUN_ID="77",
        )
        if event is not None:
            event_path = workspace / "event.json"
            event_path.write_text(json.dumps(event))
            full_env["GITHUB_EVENT_PATH"] = str(event_path)
            full_env["GITHUB_EVENT_NAME"] = "pull_request" if "pull_request" in event else "push"
        full_env.update(env or {})
        argv = list(args)
        if plan is not None:
            plan_path = workspace / "plan.json"
            plan_path.write_text(json.dumps(plan))
            argv += ["--plan", str(plan_path)]
        return subprocess.run(
            [*SESCTL, *argv], cwd=workspace, env=full_env, capture_output=True, text=True, timeout=60
        )

    return run
