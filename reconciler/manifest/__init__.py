"""Manifests: from the user's YAML files to a validated, typed, in-memory desired state.

    project = load_project("sesctl.yaml")              # or a directory holding it
    env = project.environment("production")            # region, role_arn, variables, prune...
    state = load_manifests(".", env="production")      # raises ManifestInvalid on any error
    for resource in state.resources:                   # see reconciler.manifest.model
        resource.address, resource.spec, resource.protect
    diagnostics = validate(".", env="local")           # every problem at once, warnings included

``PATH`` (for load_manifests and validate) may be a sesctl.yaml, a directory holding one (its
``manifests:`` are loaded), or a manifests directory / single YAML file (the nearest sesctl.yaml
above it, if any, supplies the stack and the variables). ``None`` means the working directory.

The shape of DesiredState and Resource is described in reconciler/manifest/model.py.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from reconciler.diagnostics import Diagnostic, error, has_errors, sort_key
from reconciler.gc_pause import paused_gc
from reconciler.manifest.documents import declared_name, resource_from_document
from reconciler.manifest.errors import ManifestInvalid
from reconciler.manifest.loader import Document, display_path, load_tree
from reconciler.manifest.locales import localized_resources
from reconciler.manifest.model import DesiredState, Resource
from reconciler.manifest.personal_data import check_personal_data
from reconciler.manifest.project import (
    PROJECT_FILES,
    Environment,
    Project,
    find_project_file,
    read_project,
)
from reconciler.manifest.references import check_duplicates, check_references
from reconciler.manifest.template_checks import check_template
from reconciler.manifest.variables import Substitution

PathLike = str | os.PathLike[str]


def load_project(path: PathLike | None = None, environ: Mapping[str, str] | None = None) -> Project:
    """The project for ``path`` (see the module docstring); raises ManifestInvalid.

    Without a sesctl.yaml, a project with no stack whose manifests are ``path`` itself."""
    project, problems = _project_for(Path(path) if path is not None else Path.cwd(), environ)
    if problems:
        raise ManifestInvalid(problems)
    return project


def _project_for(path: Path, environ: Mapping[str, str] | None) -> tuple[Project, list[Diagnostic]]:
    target = path.resolve()
    project_file = find_project_file(target)
    is_project = project_file is not None and (
        target == project_file or (target.is_dir() and target == project_file.parent)
    )
    if project_file is None:
        if not target.exists():
            return _bare(target), [
                error("E1004", f"path not found: {display_path(target)}", file=display_path(target))
            ]
        if target.is_dir() and not _has_yaml(target):
            return _bare(target), [
                error(
                    "E1005",
                    f"no sesctl.yaml and no manifests in {display_path(target)}",
                    detail="Create sesctl.yaml (see docs/manifests.md) or pass the manifests directory.",
                )
            ]
        return _bare(target), []
    project, problems = read_project(project_file, environ)
    if project is None:
        return _bare(target), problems
    if is_project:
        return project, []
    # A manifests path below a project: the project's stack and variables, these manifests.
    return replace(project, manifest_paths=(target,)), []


def _bare(target: Path) -> Project:
    root = target if target.is_dir() else target.parent
    return Project(path=None, root=root, stack=None, manifest_paths=(target,))


def _has_yaml(directory: Path) -> bool:
    return any(p.suffix in (".yaml", ".yml") for p in directory.rglob("*") if p.name not in PROJECT_FILES)


def collect(
    path: PathLike | None = None, env: str | None = None, environ: Mapping[str, str] | None = None
) -> tuple[DesiredState | None, list[Diagnostic]]:
    """(the desired state, or None if the project itself failed; every diagnostic). Never raises
    for bad input: this is what ``validate`` and the commands that tolerate errors use."""
    with paused_gc():  # thousands of manifests build acyclic data; collector passes are waste
        return _collect(path, env, os.environ if environ is None else environ)


def _collect(
    path: PathLike | None, env: str | None, environ: Mapping[str, str]
) -> tuple[DesiredState | None, list[Diagnostic]]:
    project, problems = _project_for(Path(path) if path is not None else Path.cwd(), environ)
    if problems:
        return None, problems
    try:
        environment = project.environment(env)
    except ManifestInvalid as exc:
        return None, list(exc.diagnostics)

    # Where manifests and template body files may be read from (never /proc, ~/.aws, ...): the project, its
    # manifests, and without a sesctl.yaml the working directory (`validate manifests/` from
    # the repository root, bodies in ../templates).
    roots = (project.root, *(p if p.is_dir() else p.parent for p in project.manifest_paths))
    if project.path is None:
        roots = (*roots, Path.cwd())
    documents: list[Document] = []
    for index, manifests in enumerate(project.manifest_paths):
        if not manifests.exists() and project.source is not None:
            listed = ("manifests", index) if project.source.has(("manifests", index)) else ("manifests",)
            problems.append(
                error(
                    "E1004",
                    f"manifests path not found: {display_path(manifests)}",
                    field="manifests",
                    **project.source.locate(listed).where(),
                )
            )
            continue
        found, load_problems = load_tree(manifests, roots)
        documents.extend(d for d in found if d.path.name not in PROJECT_FILES)
        problems.extend(load_problems)
    if not documents and not problems:
        where = ", ".join(display_path(p) for p in project.manifest_paths)
        problems.append(error("E1005", f"no manifests found in {where}", file=where))

    context = f"environment {environment.name!r}" if environment.name else "sesctl.yaml"
    substitution = Substitution(environment.variables, environ, where=context)
    resources: list[Resource] = []
    invalid: list[tuple[str, str]] = []  # declared, but with errors of their own
    for document in documents:
        resource, doc_problems = resource_from_document(document, substitution, roots)
        problems.extend(doc_problems)
        if resource is not None:
            resources.append(resource)
            localized, locale_problems = localized_resources(resource, document, roots)
            resources.extend(localized)
            problems.extend(locale_problems)
        elif (name := declared_name(document)) is not None:
            invalid.append(name)
    problems.extend(check_duplicates(resources))
    problems.extend(check_references(resources, invalid))
    for resource in resources:
        problems.extend(check_template(resource))
        problems.extend(check_personal_data(resource))
    problems.sort(key=sort_key)
    return DesiredState(resources=resources, project=project, environment=environment), problems


def validate(
    path: PathLike | None = None, env: str | None = None, *, environ: Mapping[str, str] | None = None
) -> list[Diagnostic]:
    """Every problem in the manifests (errors and warnings), sorted by file and line. No AWS call."""
    return collect(path, env, environ)[1]


def load_manifests(
    path: PathLike | None = None, env: str | None = None, *, environ: Mapping[str, str] | None = None
) -> DesiredState:
    """The validated desired state; raises ManifestInvalid (every error) if anything is wrong.

    Warnings are kept in ``DesiredState.diagnostics``."""
    state, problems = collect(path, env, environ)
    if state is None or has_errors(problems):
        raise ManifestInvalid(problems)
    state.diagnostics = problems
    return state


__all__ = [
    "DesiredState",
    "Environment",
    "ManifestInvalid",
    "Project",
    "Resource",
    "collect",
    "load_manifests",
    "load_project",
    "validate",
]
