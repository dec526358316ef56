"""Who ran an operation, and from which commit: what every audit entry records.

Read from git (author name and commit of the working tree), GitHub Actions' environment
(actor, repository, run) and, when the caller knows it, the AWS caller identity. Nothing here
fails an operation: an unknown is recorded as absent.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from reconciler.sending.masking import mask_email

_GITHUB = {
    "GITHUB_ACTOR": "actor",
    "GITHUB_REPOSITORY": "repository",
    "GITHUB_RUN_ID": "run_id",
    "GITHUB_WORKFLOW": "workflow",
    "GITHUB_EVENT_NAME": "event",
    "GITHUB_REF": "ref",
}


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    value = done.stdout.strip()
    return value if done.returncode == 0 and value else None


def git_facts(root: Path) -> dict[str, Any]:
    """The git author (the configured user: the operator's email masked, as elsewhere in logs)
    and the commit checked out."""
    facts: dict[str, Any] = {}
    name = _git(root, "config", "user.name")
    email = _git(root, "config", "user.email")
    if name or email:
        facts["author"] = " ".join(p for p in (name, f"<{mask_email(email)}>" if email else None) if p)
    commit = _git(root, "rev-parse", "HEAD")
    if commit:
        facts["commit"] = commit
        facts["dirty"] = bool(_git(root, "status", "--porcelain", "--untracked-files=no"))
    return facts


def github_facts(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    env = os.environ if environ is None else environ
    if env.get("GITHUB_ACTIONS") != "true" and "GITHUB_ACTOR" not in env:
        return {}
    return {field: env[name] for name, field in _GITHUB.items() if env.get(name)}


def local_user() -> str | None:
    try:
        return os.getlogin()
    except OSError:
        return os.environ.get("USER") or os.environ.get("USERNAME")


def who(root: Path, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The ``actor`` of an entry: {"user", "git_author", "github": {...}} (absent keys unknown)."""
    actor: dict[str, Any] = {}
    user = local_user()
    if user:
        actor["user"] = user
    git = git_facts(root)
    if "author" in git:
        actor["git_author"] = git["author"]
    github = github_facts(environ)
    if github:
        actor["github"] = github
    return actor


def actor_names(actor: Mapping[str, Any]) -> list[str]:
    """Every name an entry's actor is known by (what `audit show --actor` matches)."""
    names = [str(actor[k]) for k in ("user", "git_author", "aws") if actor.get(k)]
    github = actor.get("github")
    if isinstance(github, Mapping) and github.get("actor"):
        names.append(str(github["actor"]))
    return names


__all__ = ["actor_names", "git_facts", "github_facts", "local_user", "who"]
