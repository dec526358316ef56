"""A template's versions, read from git: every commit that changed its manifest document or
its body files is a version, numbered in order (v1 is the first commit that declared it).

A commit's template is found by loading the whole project as it was at that commit with the
real manifest loader (variables of the chosen environment substituted, body files read), so a
version is exactly what `sesctl apply` at that commit would have sent to SES. Renamed body
files and documents moved between files are followed for free: the template is found by its
address, wherever it was declared.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler.errors import UsageError
from reconciler.kinds.specs.email_template import EmailTemplateSpec
from reconciler.manifest import Project, collect, load_project
from reconciler.manifest.model import Resource
from reconciler.versions import git
from reconciler.versions.git import Commit

PARTS = ("subject", "html", "text")
KIND = "EmailTemplate"


@dataclass(frozen=True)
class TemplateContent:
    """What SES stores for a template: the three parts (None = absent)."""

    subject: str | None
    html: str | None
    text: str | None

    def part(self, name: str) -> str | None:
        value: str | None = getattr(self, name)
        return value

    @property
    def digest(self) -> str:
        canonical = json.dumps([self.subject, self.html, self.text], ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()

    @classmethod
    def of_spec(cls, spec: EmailTemplateSpec) -> TemplateContent:
        return cls(*(spec.part(p) for p in PARTS))

    @classmethod
    def of_live(cls, template: Mapping[str, Any]) -> TemplateContent:
        """From GetEmailTemplate's TemplateContent (Subject, Html, Text)."""
        return cls(template.get("Subject"), template.get("Html"), template.get("Text"))


@dataclass(frozen=True)
class Version:
    number: int | None  # None: the uncommitted work tree
    commit: Commit | None  # None: the uncommitted work tree
    content: TemplateContent
    spec: dict[str, Any]  # the whole spec (defaults, tests, tags): a change to any is a version
    resource: Resource = field(compare=False, repr=False)
    manifest: str = ""  # the manifest file, relative to the repository root
    body_files: dict[str, str] = field(default_factory=dict)  # part -> file, relative to the root

    @property
    def label(self) -> str:
        return f"v{self.number}" if self.number is not None else "working tree"

    @property
    def revision_digest(self) -> str:
        canonical = json.dumps(self.spec, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class History:
    address: str
    ses_name: str
    versions: list[Version]  # committed versions, oldest first
    working: Version | None  # the work tree, when it differs from the newest version
    project_root: Path
    repo_root: Path

    def find(self, ref: str) -> Version:
        """A version by number (``v3``, ``3``), relative (``-1``: the one before the newest,
        ``-2`` ...), ``working``, or any git revision (the version current at that commit)."""
        ref = ref.strip()
        if ref in ("working", "work-tree", "worktree"):
            if self.working is not None:
                return self.working
            return self.latest
        number = ref[1:] if ref[:1] in ("v", "V") else ref
        if number.isdigit():
            for version in self.versions:
                if version.number == int(number):
                    return version
            raise UsageError(f"{self.address} has no version {ref} (versions: v1..v{len(self.versions)})")
        if ref.startswith("-") and ref[1:].isdigit():
            # Relative to what the work tree declares now: -1 is the version before it.
            sequence = [*self.versions, *([self.working] if self.working is not None else [])]
            back = int(ref[1:])
            index = len(sequence) - 1 - back
            if index < 0 or back == 0:
                raise UsageError(f"{self.address} has {len(self.versions)} version(s): {ref} goes past the first")
            return sequence[index]
        sha = git.resolve(self.repo_root, ref)
        for version in reversed(self.versions):
            assert version.commit is not None
            if version.commit.sha == sha or git.is_ancestor(self.repo_root, version.commit.sha, sha):
                return version
        raise UsageError(f"{self.address} did not exist at {ref}")

    @property
    def latest(self) -> Version:
        if not self.versions:
            raise UsageError(f"{self.address} has no committed version yet")
        return self.versions[-1]

    @property
    def current(self) -> Version:
        """What the work tree declares now (the newest version when nothing is uncommitted)."""
        return self.working if self.working is not None else self.latest

    def matching(self, content: TemplateContent) -> Version | None:
        """The newest version whose parts equal ``content`` (how live SES is recognised)."""
        # Committed versions first: content equal to a commit is named by that commit.
        candidates = [*reversed(self.versions), *([self.working] if self.working is not None else [])]
        for version in candidates:
            if version.content == content:
                return version
        return None


def split_address(address: str) -> str:
    """``EmailTemplate/welcome`` or ``welcome`` -> ``welcome``; other kinds are refused."""
    kind, _, name = address.rpartition("/")
    if kind and kind != KIND:
        raise UsageError(f"versions are kept for EmailTemplate only, not {kind} (got {address!r})")
    if not name:
        raise UsageError(f"expected EmailTemplate/NAME, got {address!r}")
    return name


def _find(resources: list[Resource], name: str) -> Resource | None:
    for resource in resources:
        if resource.kind == KIND and name in (resource.name, resource.ses_name):
            return resource
    return None


def _version(
    number: int | None, commit: Commit | None, resource: Resource, base: Path, repo_root: Path
) -> Version:
    spec = resource.spec_as(EmailTemplateSpec)

    def rel(path: Path) -> str:
        return (repo_root / path.resolve().relative_to(base.resolve())).relative_to(repo_root).as_posix()

    manifest = rel(resource.document_path) if resource.document_path else resource.file
    return Version(
        number=number,
        commit=commit,
        content=TemplateContent.of_spec(spec),
        spec=spec.model_dump(mode="json"),
        resource=resource,
        manifest=manifest,
        body_files={part: rel(path) for part, path in resource.body_files.items()},
    )


def iter_revisions(
    repo_root: Path, project_rel: str, watched: list[str], commits: list[Commit], name: str, env: str | None
) -> Iterator[tuple[Commit, Resource | None, Path]]:
    """Each commit with the template as it was declared then (None where it was not)."""
    for commit in commits:
        with git.checkout(repo_root, commit.sha, watched) as tmp:
            project_dir = tmp / project_rel if project_rel != "." else tmp
            if not project_dir.exists():
                yield commit, None, tmp
                continue
            state, _problems = collect(project_dir, env)
            resource = _find(state.resources, name) if state is not None else None
            yield commit, resource, tmp


def _watched(project: Project, current: Resource | None, repo_root: Path) -> list[str]:
    """The paths a template's versions live in (relative to the repository root): the project
    file, the manifests, and the directories of the template's body files."""
    paths = [*([project.path] if project.path else []), *project.manifest_paths]
    if current is not None:
        paths += [body.parent for body in current.body_files.values()]
    found: list[str] = []
    for candidate in paths:
        resolved = candidate.resolve()
        if resolved.is_relative_to(repo_root):
            found.append(git.relative_to_root(repo_root, resolved))
    return sorted(set(found)) or [git.relative_to_root(repo_root, project.root)]


def template_history(path: Path | None, address: str, env: str | None = None) -> History:
    """Every version of the EmailTemplate ``address`` in the git history of the project at
    ``path`` (default: the working directory), and the work tree's when it differs."""
    name = split_address(address)
    project = load_project(path)
    repo_root = git.repository_root(project.root)
    project_rel = git.relative_to_root(repo_root, project.root)

    state, _problems = collect(project.root if path is None else path, env)
    current = _find(state.resources, name) if state is not None else None
    watched = _watched(project, current, repo_root)

    versions: list[Version] = []
    # Only commits that touched the project file, the manifests or the template's body files,
    # and only those paths checked out: a repository's other history costs nothing.
    commits = git.commits_touching(repo_root, watched)
    for commit, resource, tmp in iter_revisions(repo_root, project_rel, watched, commits, name, env):
        if resource is None:
            continue
        candidate = _version(len(versions) + 1, commit, resource, tmp, repo_root)
        if versions and versions[-1].revision_digest == candidate.revision_digest:
            continue
        versions.append(candidate)

    working: Version | None = None
    if current is not None:
        candidate = _version(None, None, current, repo_root, repo_root)
        if not versions or versions[-1].revision_digest != candidate.revision_digest:
            working = candidate
    if not versions and working is None:
        raise UsageError(
            f"no EmailTemplate named {name!r} in the manifests or their git history",
            hint="`sesctl validate` lists the manifests' templates.",
        )
    ses_name = (working or versions[-1]).resource.ses_name
    return History(f"{KIND}/{name}", ses_name, versions, working, project.root, repo_root)


__all__ = ["PARTS", "History", "TemplateContent", "Version", "split_address", "template_history"]
