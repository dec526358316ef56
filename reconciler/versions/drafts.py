"""Changes proposed by an assistant, the GitOps way: a manifest edit committed on a new branch,
never a change to SES. A human reviews the branch's pull request (the plan comment shows the
diff) and merges it; the merge applies it like any change.

The edit is made in a temporary git worktree checked out from the base commit, so the server's
own work tree, index and current branch are never touched. The edited project is loaded with
the real loader before anything is committed: an edit that does not validate is refused with
the diagnostics, and no branch is left behind.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from reconciler.errors import UsageError
from reconciler.manifest import collect, load_project
from reconciler.manifest.model import Resource
from reconciler.versions import git
from reconciler.versions.rollback import document_spans

MAX_DIFF = 20_000  # characters of the diff returned to the assistant


@dataclass(frozen=True)
class DraftSettings:
    branch_prefix: str = "sesctl/draft-"
    author_name: str = "sesctl MCP"
    author_email: str = "sesctl-mcp@localhost"
    kinds: tuple[str, ...] = ("EmailTemplate", "EventDestination")
    base: str = "HEAD"


@dataclass(frozen=True)
class Draft:
    branch: str
    commit: str
    base: str
    files: tuple[str, ...]
    diff: str


Edit = Callable[[Resource, Path], dict[Path, str]]  # (resource in the worktree, worktree root) -> writes


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.")[:40] or "change"


def propose(
    project: Path,
    settings: DraftSettings,
    kind: str,
    name: str,
    message: str,
    edit: Edit,
    env: str | None = None,
) -> Draft:
    """Commit ``edit`` of ``kind/name`` on a new branch from the base commit."""
    if kind not in settings.kinds:
        raise UsageError(f"drafts of {kind} are not allowed by the server's configuration ({', '.join(settings.kinds)})")
    message = " ".join(message.split())[:200]
    if not message:
        raise UsageError("a draft needs a commit message saying why")
    loaded = load_project(project)
    root = git.repository_root(loaded.root)
    project_rel = git.relative_to_root(root, loaded.root)
    base = git.resolve(root, settings.base)
    branch = f"{settings.branch_prefix}{_slug(name)}-{time.strftime('%Y%m%d%H%M%S', time.gmtime())}"
    if git.run(root, "branch", "--list", branch).strip():
        raise UsageError(f"branch {branch} already exists: try again in a second")
    with tempfile.TemporaryDirectory(prefix="sesctl-draft-") as tmp:
        work = Path(tmp) / "wt"
        git.run(root, "worktree", "add", "--quiet", "--detach", str(work), base)
        try:
            draft = _in_worktree(work, project_rel, settings, kind, name, message, edit, env, branch, base)
        finally:
            git.run(root, "worktree", "remove", "--force", str(work))
    return draft


def _in_worktree(
    work: Path,
    project_rel: str,
    settings: DraftSettings,
    kind: str,
    name: str,
    message: str,
    edit: Edit,
    env: str | None,
    branch: str,
    base: str,
) -> Draft:
    project_dir = work if project_rel == "." else work / project_rel
    state, before = collect(project_dir, env)
    if any(d.is_error for d in before):
        raise UsageError(f"the manifests at {base[:12]} do not validate: fix them before drafting changes")
    resource = next(
        (r for r in (state.resources if state else []) if r.kind == kind and name in (r.name, r.ses_name)), None
    )
    if resource is None:
        raise UsageError(f"no {kind} named {name!r} in the manifests at {base[:12]}")
    writes = edit(resource, work)
    if not writes:
        raise UsageError("the draft changes nothing")
    for path, text in writes.items():
        if not path.resolve().is_relative_to(work.resolve()):
            raise UsageError(f"refusing to write outside the repository: {path}")
        path.write_text(text, encoding="utf-8", newline="")
    _state, problems = collect(project_dir, env)
    errors = [d for d in problems if d.is_error]
    if errors:
        raise UsageError(
            "the draft does not validate: " + "; ".join(f"{d.location} {d.code} {d.summary}" for d in errors[:5]),
            hint="Nothing was committed.",
        )
    identity = {
        "GIT_AUTHOR_NAME": settings.author_name,
        "GIT_AUTHOR_EMAIL": settings.author_email,
        "GIT_COMMITTER_NAME": settings.author_name,
        "GIT_COMMITTER_EMAIL": settings.author_email,
    }
    files = tuple(sorted(str(p.resolve().relative_to(work.resolve())) for p in writes))
    git.run(work, "add", "--", *files)
    git.run(work, "commit", "--quiet", "--no-verify", "-m", message, env={**os.environ, **identity})
    commit = git.run(work, "rev-parse", "HEAD").strip()
    git.run(work, "branch", branch, commit)
    diff = git.run(work, "show", "--format=", "--stat", "--patch", commit)
    if len(diff) > MAX_DIFF:
        diff = diff[:MAX_DIFF] + "\n... (diff cut)\n"
    return Draft(branch, commit, base, files, diff)


# ---- the edits ------------------------------------------------------------------------------


def template_edit(parts: Mapping[str, str | None]) -> Edit:
    """New subject/html/text: written into the body file a part comes from, else into the
    manifest document (as text: comments and layout kept where the part is a plain scalar)."""

    def edit(resource: Resource, work: Path) -> dict[Path, str]:
        writes: dict[Path, str] = {}
        document_edits: dict[str, str] = {}
        for part, value in parts.items():
            if value is None:
                continue
            body = resource.body_files.get(part)
            if body is not None:
                writes[body] = value
            else:
                document_edits[part] = value
        if document_edits:
            path = resource.document_path
            assert path is not None
            text = writes.get(path, path.read_text(encoding="utf-8"))
            writes[path] = _set_spec_fields(text, resource.line, document_edits)
        return writes

    return edit


def event_destination_edit(enabled: bool | None, matching_event_types: Sequence[str] | None) -> Edit:
    def edit(resource: Resource, work: Path) -> dict[Path, str]:
        changes: dict[str, Any] = {}
        if enabled is not None:
            changes["enabled"] = enabled
        if matching_event_types is not None:
            changes["matchingEventTypes"] = list(matching_event_types)
        if not changes:
            return {}
        path = resource.document_path
        assert path is not None
        return {path: _set_spec_fields(path.read_text(encoding="utf-8"), resource.line, changes)}

    return edit


def _set_spec_fields(text: str, line: int, fields: Mapping[str, Any]) -> str:
    """``text`` with ``spec.<field> = value`` for each field, in the document at ``line``."""
    for start, end, first in reversed(document_spans(text)):
        if first <= line:
            document = yaml.safe_load(text[start:end])
            spec = document.setdefault("spec", {})
            spec.update(fields)
            prefix = "---\n" if text[start:end].lstrip().startswith("---") else ""
            dumped = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
            return text[:start] + prefix + dumped + text[end:]
    raise UsageError(f"no YAML document at line {line}")


__all__ = ["Draft", "DraftSettings", "event_destination_edit", "propose", "template_edit"]
