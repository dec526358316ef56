"""The draft tools through the official MCP client: a manifest edit committed on a new git
branch of the server's project; the server's work tree and SES are never touched."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp_support import Harness

pytestmark = pytest.mark.anyio

MANIFESTS = """\
# Templates and events. This comment is outside the edited documents.
apiVersion: sesctl/v1
kind: EmailTemplate
metadata: {name: welcome}
spec:
  subject: "Welcome, {{name}}"
  html: {file: welcome.html}
  text: "Hello {{name}}"
  defaults: {name: there}
---
apiVersion: sesctl/v1
kind: ConfigurationSet
metadata: {name: marketing}
spec: {}
---
apiVersion: sesctl/v1
kind: EventDestination
metadata: {name: to-bus}
spec:
  configurationSet: marketing
  enabled: true
  matchingEventTypes: [BOUNCE, COMPLAINT]
  eventBridgeDestination: {eventBusArn: "arn:aws:events:us-east-1:123456789012:event-bus/default"}
"""
GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "Ada", "GIT_AUTHOR_EMAIL": "ada@example.com",
    "GIT_COMMITTER_NAME": "Ada", "GIT_COMMITTER_EMAIL": "ada@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], env=GIT_ENV, capture_output=True, text=True, check=True).stdout


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    (tmp_path / "manifests").mkdir()
    (tmp_path / "sesctl.yaml").write_text("apiVersion: sesctl/v1\nkind: Project\nstack: d\nmanifests: manifests\n")
    (tmp_path / "manifests" / "stack.yaml").write_text(MANIFESTS)
    (tmp_path / "manifests" / "welcome.html").write_text("<p>Hello {{name}}</p>\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "stack")
    return tmp_path


async def call(harness: Harness, name: str, request: dict[str, Any]) -> Any:
    async with Client(harness.server, raise_exceptions=True) as client:
        return await client.call_tool(name, {"request": request})


async def test_off_by_default(make_harness: Any, repo: Path) -> None:
    harness: Harness = make_harness(project=str(repo))
    async with Client(harness.server, raise_exceptions=True) as client:
        names = {t.name for t in (await client.list_tools()).tools}
    assert "draft_template_change" not in names and "draft_event_destination_change" not in names


async def test_template_draft_is_a_commit_on_a_new_branch(make_harness: Any, repo: Path) -> None:
    harness: Harness = make_harness(project=str(repo), drafts={"enabled": True, "author_name": "Bot", "author_email": "bot@example.com"})
    head, status = git(repo, "rev-parse", "HEAD"), git(repo, "status", "--porcelain")
    result = await call(
        harness,
        "draft_template_change",
        {"name": "welcome", "subject": "Hi {{name}}!", "html": "<p>Hi {{name}}</p>\n", "message": "Friendlier welcome"},
    )
    assert result.is_error is False, result.content
    data = result.structured_content
    branch = data["branch"]
    assert branch.startswith("sesctl/draft-welcome-")
    assert sorted(data["files"]) == ["manifests/stack.yaml", "manifests/welcome.html"]
    assert "+<p>Hi {{name}}</p>" in data["diff"]
    # The server's checkout is untouched; the branch holds the change, by the configured author.
    assert git(repo, "rev-parse", "HEAD") == head and git(repo, "status", "--porcelain") == status
    assert git(repo, "log", "-1", "--format=%an <%ae>|%s", branch).strip() == "Bot <bot@example.com>|Friendlier welcome"
    assert git(repo, "show", f"{branch}:manifests/welcome.html") == "<p>Hi {{name}}</p>\n"
    manifest = git(repo, "show", f"{branch}:manifests/stack.yaml")
    assert "Hi {{name}}!" in manifest and "This comment is outside the edited documents" in manifest
    assert git(repo, "worktree", "list").count("\n") == 1  # the temporary worktree is gone


async def test_an_edit_that_does_not_validate_leaves_no_branch(make_harness: Any, repo: Path) -> None:
    harness: Harness = make_harness(project=str(repo), drafts={"enabled": True})
    result = await call(harness, "draft_template_change", {"name": "welcome", "text": "{{#if x}}", "message": "broken"})
    assert result.is_error is True
    assert "does not validate" in json.dumps([c.model_dump() for c in result.content])
    assert "sesctl/draft" not in git(repo, "branch", "--list")


async def test_event_destination_draft_and_allowed_kinds(make_harness: Any, repo: Path) -> None:
    harness: Harness = make_harness(project=str(repo), drafts={"enabled": True})
    result = await call(
        harness,
        "draft_event_destination_change",
        {"configuration_set": "marketing", "name": "to-bus", "enabled": False, "message": "Pause events"},
    )
    assert result.is_error is False, result.content
    shown = git(repo, "show", f"{result.structured_content['branch']}:manifests/stack.yaml")
    assert "enabled: false" in shown
    only_templates: Harness = make_harness(project=str(repo), drafts={"enabled": True, "kinds": ["EmailTemplate"]})
    refused = await call(
        only_templates,
        "draft_event_destination_change",
        {"configuration_set": "marketing", "name": "to-bus", "enabled": True, "message": "x"},
    )
    assert refused.is_error is True
    assert "not allowed by the server's configuration" in json.dumps([c.model_dump() for c in refused.content])
