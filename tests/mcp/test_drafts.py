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


def _fake_github() -> Any:
    """The fake GitHub of tests/github (a real HTTP server on 127.0.0.1)."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "github"))
    import gh_fake

    return gh_fake


@pytest.fixture
def remote(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bare repository as the project's `origin`, its URL shaped like GitHub's."""
    bare = tmp_path_factory.mktemp("remote") / "acme" / "emails.git"
    bare.parent.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True, env=GIT_ENV)
    git(repo, "remote", "add", "origin", str(bare))
    git(repo, "push", "-q", "origin", "HEAD:refs/heads/main")
    return bare


async def test_a_draft_is_pushed_and_opened_as_a_pull_request(
    make_harness: Any, repo: Path, remote: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gh_fake = _fake_github()
    with gh_fake.serve() as github:
        monkeypatch.setenv("GITHUB_API_URL", github.url)
        monkeypatch.setenv("GITHUB_TOKEN", gh_fake.TOKEN)
        harness: Harness = make_harness(
            project=str(repo), drafts={"enabled": True, "pull_request": True, "base_branch": "main"}
        )
        result = await call(
            harness, "draft_template_change", {"name": "welcome", "text": "Hi {{name}}", "message": "Shorter text"}
        )
        assert result.is_error is False, result.content
        data = result.structured_content
        assert data["pushed"] is True and data["publish_error"] is None
        assert data["pull_request_url"] == "https://github.test/o/r/pull/1"
        # The branch is on the remote, with the commit the tool reported.
        pushed = subprocess.run(
            ["git", "--git-dir", str(remote), "rev-parse", f"refs/heads/{data['branch']}"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
        assert pushed == data["commit"]
        (request,) = github.calls("POST", "/pulls$")
        # The repository comes from the remote's path (…/acme/emails.git).
        assert request.path == "/repos/acme/emails/pulls"
        assert request.body["head"] == data["branch"] and request.body["base"] == "main"
        assert request.body["title"] == "Shorter text" and "SES has not been touched" in request.body["body"]
        assert request.headers.get("Authorization") == f"Bearer {gh_fake.TOKEN}"
        assert gh_fake.TOKEN not in json.dumps(data)


async def test_a_failed_pull_request_still_reports_the_pushed_branch(
    make_harness: Any, repo: Path, remote: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    harness: Harness = make_harness(project=str(repo), drafts={"enabled": True, "pull_request": True})
    result = await call(harness, "draft_template_change", {"name": "welcome", "text": "Yo {{name}}", "message": "x"})
    assert result.is_error is False, result.content
    data = result.structured_content
    assert data["pushed"] is True and data["pull_request_url"] is None
    assert "no pull request was opened" in data["publish_error"] and "GITHUB_TOKEN" in data["publish_error"]


async def test_a_failed_push_keeps_the_local_branch_and_masks_the_url(make_harness: Any, repo: Path) -> None:
    git(repo, "remote", "add", "origin", "https://bot:s3cret-token@127.0.0.1:9/acme/emails.git")
    harness: Harness = make_harness(project=str(repo), drafts={"enabled": True, "push": True})
    result = await call(harness, "draft_template_change", {"name": "welcome", "text": "Hey {{name}}", "message": "x"})
    assert result.is_error is False, result.content
    data = result.structured_content
    assert data["pushed"] is False and "not pushed to origin" in data["publish_error"]
    assert "s3cret-token" not in json.dumps(data)
    assert data["branch"] in git(repo, "branch", "--list")


def test_mask_url_hides_credentials() -> None:
    from reconciler.versions.publish import mask_url

    assert mask_url("fatal: https://x-access-token:ghs_abc@github.com/o/r.git") == "fatal: https://***@github.com/o/r.git"
    assert mask_url("git@github.com:o/r.git") == "git@github.com:o/r.git"
