"""The project file ``sesctl.yaml``: the stack's name, where its manifests are, its environments.

    stack: example                 # the ownership tag value (sesctl:stack) on what sesctl creates
    manifests: manifests           # a path or a list of paths, relative to this file
    defaultEnvironment: local      # used when --env is not given
    variables: {fromDomain: example.com}   # defaults for every environment
    prune: false                   # delete owned resources that left git (default false)
    maxDestroy: 5                  # refuse a plan deleting more than this
    environments:
      local:
        local: true                # the embedded emulator (as `sesctl --local`)
        region: us-east-1
      production:
        region: eu-west-1
        roleArn: arn:aws:iam::123456789012:role/sesctl-apply
        variables: {fromDomain: mail.example.com}
        prune: true

Environment values override the top level; ``variables`` are merged per key. Command-line
flags (``--region``, ``--profile``, ``--endpoint-url``, ``--local``, ``--prune``,
``--max-destroy``) override both. Only ``${env:NAME}`` can be used inside this file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, ValidationError, WithJsonSchema

from reconciler.diagnostics import Diagnostic, error
from reconciler.files import real_path
from reconciler.kinds.specs.base import SpecModel, pattern
from reconciler.manifest.breaker import BreakerConfig
from reconciler.manifest.compliance import AuditConfig, RetentionConfig
from reconciler.manifest.loader import SourceMap, display_path, load_file
from reconciler.manifest.schema_errors import diagnostics_from_validation_error
from reconciler.manifest.variables import Substitution
from reconciler.settings import ROLE_ARN_HINT, ROLE_ARN_PATTERN

PROJECT_FILES = ("sesctl.yaml", "sesctl.yml")

StackName = Annotated[str, pattern(r"^[A-Za-z0-9_.-]{1,128}$", "1-128 letters, digits, '_', '-' or '.'")]
EnvName = Annotated[str, pattern(r"^[A-Za-z0-9_.-]{1,64}$", "1-64 letters, digits, '_', '-' or '.'")]
VariableName = Annotated[
    str, pattern(r"^[A-Za-z_][A-Za-z0-9_]*$", "a letter or '_', then letters, digits or '_'")
]
# botocore accepts any label-shaped region name; sesctl wants what AWS names regions, so a
# region such as 'us-east-1; rm -rf /' is the project file's error, not a later --region one.
Region = Annotated[str, pattern(r"^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$", "an AWS region such as us-east-1")]
EndpointUrl = Annotated[
    str, pattern(r"^https?://[A-Za-z0-9.\[\]:_-]+(:[0-9]{1,5})?(/[^\s]*)?$", "an http:// or https:// URL")
]
RoleArn = Annotated[str, pattern(ROLE_ARN_PATTERN, ROLE_ARN_HINT)]


def _paths(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


_PATHS_SCHEMA: dict[str, Any] = {
    "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}, "minItems": 1}]
}


class EnvironmentConfig(SpecModel):
    """One entry of ``environments:``."""

    region: Region | None = None
    profile: str | None = Field(default=None, min_length=1)
    role_arn: RoleArn | None = None
    endpoint_url: EndpointUrl | None = None
    local: bool = False
    """Use the embedded local SES v2 emulator, as `sesctl --local` does."""
    variables: dict[VariableName, Any] = Field(default_factory=dict)
    prune: bool | None = None
    max_destroy: int | None = Field(default=None, ge=0)


class ProjectFile(SpecModel):
    """The schema of ``sesctl.yaml``."""

    api_version: Literal["sesctl/v1"] = "sesctl/v1"
    kind: Literal["Project"] = "Project"
    stack: StackName
    """Names the stack; resources sesctl creates are tagged sesctl:stack=<stack>."""
    manifests: Annotated[list[str], BeforeValidator(_paths), WithJsonSchema(_PATHS_SCHEMA)] = Field(
        default_factory=lambda: ["manifests"], min_length=1
    )
    default_environment: EnvName | None = None
    variables: dict[VariableName, Any] = Field(default_factory=dict)
    prune: bool = False
    max_destroy: int | None = Field(default=None, ge=0)
    environments: dict[EnvName, EnvironmentConfig] = Field(default_factory=dict)
    audit: AuditConfig | None = None
    """The audit trail: where, signed with which key, copied where (docs/compliance.md)."""
    retention: RetentionConfig | None = None
    """How long events, audit entries and journals are kept (`sesctl gc`)."""
    breaker: BreakerConfig | None = None
    """The campaign circuit breaker of `sesctl send` (docs/sending.md)."""


@dataclass(frozen=True)
class Environment:
    """An environment resolved against the project's top-level defaults."""

    name: str | None  # None: no environment chosen (top-level settings only)
    region: str | None = None
    profile: str | None = None
    role_arn: str | None = None
    endpoint_url: str | None = None
    local: bool = False
    variables: Mapping[str, Any] = field(default_factory=dict)
    prune: bool = False
    max_destroy: int | None = None


@dataclass(frozen=True)
class Project:
    path: Path | None  # the sesctl.yaml file; None when manifests are used without one
    root: Path  # the directory paths are relative to
    stack: str | None
    manifest_paths: tuple[Path, ...]
    config: ProjectFile | None = None
    source: SourceMap | None = field(default=None, compare=False, repr=False)  # positions in sesctl.yaml

    @property
    def environment_names(self) -> list[str]:
        return list(self.config.environments) if self.config else []

    def environment(self, name: str | None = None) -> Environment:
        """The environment ``name`` (else ``defaultEnvironment``, else none), merged with the top level.

        Raises ManifestError for an unknown name."""
        from reconciler.manifest.errors import ManifestInvalid

        config = self.config
        if config is None:
            if name:
                raise ManifestInvalid(
                    [error("E1102", f"--env {name}: there is no sesctl.yaml defining environments")]
                )
            return Environment(name=None)
        name = name or config.default_environment
        if name is None:
            return Environment(
                name=None,
                variables=dict(config.variables),
                prune=config.prune,
                max_destroy=config.max_destroy,
            )
        env = config.environments.get(name)
        if env is None:
            known = ", ".join(config.environments) or "none defined"
            raise ManifestInvalid(
                [
                    error(
                        "E1102",
                        f"unknown environment {name!r} (known: {known})",
                        file=display_path(self.path) if self.path else "",
                    )
                ]
            )
        return Environment(
            name=name,
            region=env.region,
            profile=env.profile,
            role_arn=env.role_arn,
            endpoint_url=env.endpoint_url,
            local=env.local,
            variables={**config.variables, **env.variables},
            prune=config.prune if env.prune is None else env.prune,
            max_destroy=config.max_destroy if env.max_destroy is None else env.max_destroy,
        )


def find_project_file(start: Path) -> Path | None:
    """``start`` itself if it is a project file, else the nearest sesctl.yaml in it or above it
    (up to the root of the git repository it is in)."""
    start = start.resolve()
    if start.is_file():
        if start.name in PROJECT_FILES:
            return start
        start = start.parent
    for directory in (start, *start.parents):
        for name in PROJECT_FILES:
            candidate = directory / name
            if candidate.is_file():
                return candidate
        if (directory / ".git").exists():  # like git: never look above the repository's root
            break
    return None


def read_project(
    path: Path, environ: Mapping[str, str] | None = None
) -> tuple[Project | None, list[Diagnostic]]:
    """Parse and check a sesctl.yaml; every problem is returned as a diagnostic."""
    documents, problems = load_file(path)
    if problems:
        return None, problems
    file = display_path(path)
    if len(documents) != 1 or not isinstance(documents[0].data, dict):
        return None, [
            error("E1101", "sesctl.yaml must hold exactly one mapping", file=file, line=1, column=1)
        ]
    document = documents[0]
    substitution = Substitution({}, os.environ if environ is None else environ, allow_variables=False)
    data = substitution.apply(document.data, document.source)
    if substitution.problems:
        return None, substitution.problems
    try:
        config = ProjectFile.model_validate(data)
    except ValidationError as exc:
        return None, diagnostics_from_validation_error(exc, document.source, ProjectFile, code="E1101")
    root = path.parent
    manifest_paths, outside = _manifest_paths(root, config.manifests, document.source)
    if outside:
        return None, outside
    project = Project(
        path=path,
        root=root,
        stack=config.stack,
        manifest_paths=manifest_paths,
        config=config,
        source=document.source,
    )
    if config.default_environment and config.default_environment not in config.environments:
        position = document.source.locate(("defaultEnvironment",))
        return None, [
            error(
                "E1102",
                f"defaultEnvironment {config.default_environment!r} is not under environments:",
                **position.where(),
                field="defaultEnvironment",
            )
        ]
    return project, []


def _manifest_paths(
    root: Path, entries: list[str], source: SourceMap
) -> tuple[tuple[Path, ...], list[Diagnostic]]:
    """The real paths of ``manifests:``, each inside the project. Template bodies may be read
    from below any manifests path, so one such as ``/`` in a pull request's sesctl.yaml would
    let a body file print /proc/self/environ in the plan comment."""
    inside = real_path(root)
    paths: list[Path] = []
    problems: list[Diagnostic] = []
    for index, entry in enumerate(entries):
        path = real_path(root / entry)
        if path is not None and inside is not None and path.is_relative_to(inside):
            paths.append(path)
            continue
        listed = ("manifests", index) if source.has(("manifests", index)) else ("manifests",)
        problems.append(
            error(
                "E1101",
                f"manifests path {entry!r} is outside the project",
                detail="Manifests must be in the directory of sesctl.yaml or below it.",
                field="manifests",
                **source.locate(listed).where(),
            )
        )
    return tuple(paths), problems


__all__ = [
    "PROJECT_FILES",
    "Environment",
    "EnvironmentConfig",
    "Project",
    "ProjectFile",
    "find_project_file",
    "read_project",
]
