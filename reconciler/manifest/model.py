"""The desired state: what ``load_manifests`` returns (the engine's input).

DesiredState
  .resources        list[Resource], in file order (files sorted, documents in order)
  .project          Project (stack, environments, manifest paths; stack None without sesctl.yaml)
  .environment      Environment (region, profile, role_arn, endpoint_url, local, variables,
                    prune, max_destroy), already merged with the project's top level
  .diagnostics      warnings (errors never get here: load_manifests raises ManifestInvalid)
  .stack            project.stack
  .by_address()     {"ConfigurationSet/marketing": Resource, ...}

Resource
  .kind             "ConfigurationSet"
  .name             unique within the kind; used in the address. metadata.name, except for
                    EventDestination: "<configurationSet>/<metadata.name>"
  .ses_name         the name SES knows (metadata.name)
  .address          f"{kind}/{name}", e.g. "EventDestination/marketing/bounces"
  .spec             the kind's pydantic model (reconciler.kinds.specs), frozen.
                    EmailTemplate parts are plain str here (files already read).
  .labels, .annotations   dict[str, str]
  .protect          bool (metadata.protect): never delete, even with --prune
  .file, .line      where the document starts (for plan output)
  .source           SourceMap: .locate(("spec", "deliveryOptions")) -> Position
  .body_files       {"html": Path, ...} for template parts read from files
  .locate("spec.deliveryOptions.tlsPolicy") -> Position (file, line, column)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel

from reconciler.diagnostics import Diagnostic
from reconciler.manifest.loader import FieldPath, Position, SourceMap
from reconciler.manifest.project import Environment, Project

SpecT = TypeVar("SpecT", bound=BaseModel)


def parse_field(text: str) -> FieldPath:
    """``"spec.tests[0].data"`` -> ``("spec", "tests", 0, "data")``."""
    path: list[str | int] = []
    for chunk in text.replace("]", "").split("."):
        name, *indexes = chunk.split("[")
        if name:
            path.append(name)
        path.extend(int(i) for i in indexes)
    return tuple(path)


@dataclass(frozen=True)
class Resource:
    kind: str
    name: str
    ses_name: str
    spec: BaseModel
    source: SourceMap
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    protect: bool = False
    body_files: dict[str, Path] = field(default_factory=dict)
    document_path: Path | None = None  # the manifest file (absolute), for relative paths

    @property
    def address(self) -> str:
        return f"{self.kind}/{self.name}"

    @property
    def file(self) -> str:
        return self.source.file

    @property
    def line(self) -> int:
        return self.source.locate(()).line

    def locate(self, path: str | FieldPath = ()) -> Position:
        return self.source.locate(parse_field(path) if isinstance(path, str) else path)

    def spec_as(self, model: type[SpecT]) -> SpecT:
        """The spec, typed: ``resource.spec_as(ConfigurationSetSpec)``."""
        if not isinstance(self.spec, model):
            raise TypeError(f"{self.address} has a {type(self.spec).__name__}, not a {model.__name__}")
        return self.spec


@dataclass
class DesiredState:
    resources: list[Resource]
    project: Project
    environment: Environment
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def stack(self) -> str | None:
        return self.project.stack

    def by_address(self) -> dict[str, Resource]:
        return {r.address: r for r in self.resources}

    def get(self, address: str) -> Resource | None:
        return self.by_address().get(address)


__all__ = ["DesiredState", "Resource", "parse_field"]
