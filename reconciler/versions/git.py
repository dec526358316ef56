"""The few git operations template versions need, through the ``git`` program.

git is the version store: sesctl keeps no history of its own, so a template's versions are
exactly the commits that changed it, and a rollback is an ordinary commit a human reviews.
Every call passes arguments as a list (never a shell) and a revision is checked with
``rev-parse --verify`` before use, so a hostile revision string cannot become an option.
"""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from reconciler.errors import UsageError
from reconciler.redact import mask_url

# Field and record separators for `git log --format`: control characters no commit subject holds.
_FIELD, _RECORD = "\x1f", "\x1e"


class GitError(UsageError):
    """git is missing, the project is not in a repository, or a revision does not exist."""


@dataclass(frozen=True)
class Commit:
    sha: str
    author: str
    date: str  # ISO 8601, the author date
    subject: str

    @property
    def short(self) -> str:
        return self.sha[:12]


def run(root: Path, *args: str, env: Mapping[str, str] | None = None) -> str:
    """git's output as text; GitError (the last line of its stderr, URL credentials masked)."""
    return _git(root, *args, env=env).decode("utf-8", "replace")


def _git(root: Path, *args: str, binary: bool = False, env: Mapping[str, str] | None = None) -> bytes:
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args],
            capture_output=True,
            check=False,
            timeout=120,
            # Never stop to ask for a password (a push from the MCP server would hang).
            env={**(env if env is not None else os.environ), "GIT_TERMINAL_PROMPT": "0"},
        )
    except FileNotFoundError:
        raise GitError("git is not installed", hint="Template versions are read from git history.") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} took over 120 s in {root}") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(mask_url(f"git {args[0]} failed: {message[-1] if message else done.returncode}"))
    return done.stdout


def repository_root(path: Path) -> Path:
    """The top of the git work tree holding ``path``."""
    try:
        out = _git(path if path.is_dir() else path.parent, "rev-parse", "--show-toplevel")
    except GitError:
        raise GitError(
            f"{path} is not inside a git repository",
            hint="Template versions come from git history: run sesctl from your manifests' repository.",
        ) from None
    return Path(out.decode().strip()).resolve()


def resolve(root: Path, revision: str) -> str:
    """The full commit id of ``revision`` (a sha, tag, branch, HEAD~2, ...)."""
    if not revision or revision.startswith("-"):
        raise GitError(f"not a revision: {revision!r}")
    try:
        out = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}")
    except GitError:
        raise GitError(
            f"no commit {revision!r} in {root}",
            hint="Use a commit id, a tag, a branch, or a version number from `sesctl history` (v3).",
        ) from None
    return out.decode().strip()


def commits_touching(root: Path, paths: Sequence[str], until: str = "HEAD") -> list[Commit]:
    """Commits reachable from ``until`` that changed any of ``paths`` (relative to ``root``),
    oldest first. An empty repository has none."""
    try:
        _git(root, "rev-parse", "--verify", "--quiet", "HEAD")
    except GitError:
        return []
    fmt = _FIELD.join(("%H", "%an", "%aI", "%s")) + _RECORD
    out = _git(root, "log", f"--format={fmt}", "--end-of-options", until, "--", *paths)
    commits = []
    for record in out.decode("utf-8", "replace").split(_RECORD):
        fields = record.strip("\n").split(_FIELD)
        if len(fields) == 4:
            commits.append(Commit(*fields))
    commits.reverse()
    return commits


def commit_info(root: Path, revision: str) -> Commit:
    sha = resolve(root, revision)
    fmt = _FIELD.join(("%H", "%an", "%aI", "%s"))
    fields = _git(root, "show", "-s", f"--format={fmt}", sha).decode("utf-8", "replace").strip().split(_FIELD)
    return Commit(*fields)


@contextmanager
def checkout(root: Path, sha: str, paths: Sequence[str]) -> Iterator[Path]:
    """The tree of commit ``sha`` (only ``paths``) in a temporary directory, removed afterwards.

    ``git archive`` reads the object store directly: the user's work tree, index and branches
    are never touched."""
    with tempfile.TemporaryDirectory(prefix="sesctl-rev-") as tmp:
        existing = [p for p in paths if _exists_at(root, sha, p)]
        if existing:
            data = _git(root, "archive", "--format=tar", sha, "--", *existing)
            _extract(data, Path(tmp))
        yield Path(tmp)


def _exists_at(root: Path, sha: str, path: str) -> bool:
    if path in ("", "."):
        return True
    out = _git(root, "ls-tree", "--name-only", sha, "--", path)
    return bool(out.strip())


def _extract(data: bytes, target: Path) -> None:
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        for member in archive.getmembers():
            # git archive of our own repository; still, nothing may land outside the target.
            parts = PurePosixPath(member.name).parts
            if member.name.startswith("/") or ".." in parts or not (member.isfile() or member.isdir()):
                continue
            archive.extract(member, target, filter="data")


def relative_to_root(root: Path, path: Path) -> str:
    """``path`` as git names it (POSIX, relative to the repository root); '.' for the root."""
    rel = path.resolve().relative_to(root)
    return rel.as_posix() if rel.parts else "."




def is_ancestor(root: Path, older: str, newer: str) -> bool:
    """Whether commit ``older`` is ``newer`` or one of its ancestors."""
    try:
        _git(root, "merge-base", "--is-ancestor", older, newer)
    except GitError:
        return False
    return True


def show_file(root: Path, sha: str, path: str) -> bytes:
    """The bytes of ``path`` (relative to the repository root) at commit ``sha``."""
    return _git(root, "show", f"{sha}:{path}")


__all__ = [
    "Commit",
    "GitError",
    "checkout",
    "commit_info",
    "commits_touching",
    "is_ancestor",
    "relative_to_root",
    "repository_root",
    "resolve",
    "show_file",
]
