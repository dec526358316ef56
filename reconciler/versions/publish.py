"""A draft's way to review: push its branch and open the pull request (when configured).

Pushing never forces and never touches an existing branch of the remote; the pull request is
opened through the GitHub REST client with the token of the environment (``GITHUB_TOKEN``),
never one from the server's configuration file. A draft whose push or pull request fails is
still a committed local branch: the result says what failed and what to do, it does not pretend
the draft did not happen. Remote URLs are shown with any credentials in them masked.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from reconciler.errors import ReconcilerError
from reconciler.githubapi.client import GitHubClient
from reconciler.redact import mask_url
from reconciler.versions import git
from reconciler.versions.drafts import Draft

_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$")
# https://host/owner/name(.git), git@host:owner/name(.git), ssh://git@host/owner/name(.git)
_REMOTE_PATH = re.compile(r"[:/]([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+?)(?:\.git)?/?$")


@dataclass(frozen=True)
class PublishSettings:
    push: bool = False
    remote: str = "origin"
    pull_request: bool = False  # implies push
    repository: str | None = None  # owner/name; None: read from the remote's URL
    base_branch: str | None = None  # None: the remote's default branch, else "main"


@dataclass(frozen=True)
class Published:
    pushed: bool = False
    pull_request_url: str | None = None
    error: str | None = None  # what failed (the branch is committed locally either way)


def publish(
    root: Path,
    draft: Draft,
    title: str,
    settings: PublishSettings,
    client: Callable[[], GitHubClient] = GitHubClient.from_env,
) -> Published:
    """Push ``draft``'s branch to the remote and open its pull request, as configured."""
    if not (settings.push or settings.pull_request):
        return Published()
    try:
        git.run(root, "push", "--quiet", "--porcelain", settings.remote, f"{draft.commit}:refs/heads/{draft.branch}")
    except git.GitError as exc:
        return Published(error=f"the branch was committed locally but not pushed to {settings.remote}: {exc}")
    if not settings.pull_request:
        return Published(pushed=True)
    try:
        repository = settings.repository or _repository_of(root, settings.remote)
        base = settings.base_branch or _default_branch(root, settings.remote)
        created = client().request(
            "POST",
            f"/repos/{repository}/pulls",
            json_body={"title": title, "head": draft.branch, "base": base, "body": _body(draft), "draft": False},
        )
    except ReconcilerError as exc:
        return Published(pushed=True, error=f"the branch was pushed, but no pull request was opened: {exc}")
    url = created.get("html_url") if isinstance(created, dict) else None
    return Published(pushed=True, pull_request_url=str(url) if url else None)


def _body(draft: Draft) -> str:
    files = "\n".join(f"- `{name}`" for name in draft.files)
    return (
        "Drafted by the sesctl MCP server (an assistant's proposal). SES has not been touched: "
        "the plan comment on this pull request shows what applying it would change, and merging "
        f"applies it like any other change.\n\nFiles:\n{files}\n\nBase commit: `{draft.base[:12]}`"
    )


def _repository_of(root: Path, remote: str) -> str:
    url = git.run(root, "remote", "get-url", remote).strip()
    match = _REMOTE_PATH.search(url)
    name = f"{match.group(1)}/{match.group(2)}" if match else ""
    if not _REPOSITORY.match(name):
        raise ReconcilerError(
            f"cannot tell the GitHub repository from the URL of remote {remote!r} ({mask_url(url)})",
            hint="Set drafts.repository: owner/name in the MCP server's configuration.",
        )
    return name


def _default_branch(root: Path, remote: str) -> str:
    try:
        ref = git.run(root, "symbolic-ref", "--quiet", "--short", f"refs/remotes/{remote}/HEAD").strip()
    except git.GitError:
        return "main"
    return ref.split("/", 1)[1] if "/" in ref else "main"


__all__ = ["PublishSettings", "Published", "mask_url", "publish"]
