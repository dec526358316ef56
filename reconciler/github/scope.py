"""Does a pull request touch what sesctl manages? If not, sesctl stays silent on it.

Watched: every manifests path of sesctl.yaml, sesctl.yaml itself, and extra ``--paths``
(template bodies kept outside the manifests directories, for example). Paths are compared
relative to the repository root, as GitHub lists a pull request's files.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath

from reconciler.githubapi.client import GitHubClient


def pr_files(client: GitHubClient, repo: str, number: int) -> list[str]:
    """Every path the pull request changes, including the old name of a renamed file."""
    paths: list[str] = []
    for item in client.paginate(f"/repos/{repo}/pulls/{number}/files"):
        paths.append(str(item.get("filename", "")))
        if item.get("previous_filename"):
            paths.append(str(item["previous_filename"]))
    return paths


def watched_paths(extra: Sequence[str], *, start: Path, repo_root: Path) -> list[str]:
    """sesctl.yaml and its manifests paths (relative to ``repo_root``) plus ``extra``."""
    watched = [p.strip("/") for p in extra if p.strip("/")]
    try:
        from reconciler.manifest.project import find_project_file, read_project

        project_file = find_project_file(start)
        if project_file is not None:
            project, _problems = read_project(project_file)
            watched.append(_relative(project_file, repo_root))
            if project is not None:
                watched.extend(_relative(p, repo_root) for p in project.manifest_paths)
    except ImportError:  # manifests package absent: fall back to the defaults below
        pass
    if not watched:
        watched = ["manifests", "sesctl.yaml", "sesctl.yml"]
    return sorted(set(watched))


def project_stack(start: Path) -> str | None:
    """The stack named by the nearest sesctl.yaml (None when there is none or it does not parse)."""
    from reconciler.manifest.project import find_project_file, read_project

    project_file = find_project_file(start)
    if project_file is None:
        return None
    project, _problems = read_project(project_file)
    return project.stack if project is not None else None


def touches(files: Iterable[str], watched: Sequence[str]) -> bool:
    """True when a file lies in (or is) a watched path; watched entries may be globs."""
    for name in files:
        path = PurePosixPath(name)
        for pattern in watched:
            if any(ch in pattern for ch in "*?[") and fnmatch.fnmatch(name, pattern):
                return True
            base = PurePosixPath(pattern)
            if path == base or base in path.parents:
                return True
    return False


def repo_root(env: dict[str, str] | None = None) -> Path:
    env = dict(os.environ) if env is None else env
    workspace = env.get("GITHUB_WORKSPACE")
    if workspace:
        return Path(workspace).resolve()
    here = Path.cwd().resolve()
    for directory in (here, *here.parents):
        if (directory / ".git").exists():
            return directory
    return here


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
