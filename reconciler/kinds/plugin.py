"""A kind as a plug-in: everything sesctl knows about one SES resource kind, in one value.

Each kind module ends with ``PLUGIN = KindPlugin(...)``; reconciler/kinds/registry.py lists the
plug-ins, one line each, and derives from them every table the rest of sesctl reads: the
engine's kinds, the loader's spec models and singletons, the reference checks, the apply
order, the import layout, the JSON Schemas, the IAM policy and the generated docs tables.
docs/architecture.md ("Kinds are plug-ins") is the recipe for adding one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from reconciler.kinds.base import JsonDict, Kind, Risk

# What a reference names: one name, several (a tenant's identities), or nothing.
Targets = str | tuple[str, ...] | list[str] | None


def as_targets(value: Targets) -> list[str]:
    """A reference's names as a list (``[]`` for none)."""
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


# (before, after) worlds -> [(address, risk)]: see reconciler/kinds/risks.py.
WorldRisks = Callable[[Mapping[str, JsonDict], Mapping[str, JsonDict]], list[tuple[str, Risk]]]


@dataclass(frozen=True)
class Reference:
    """A resource of the plug-in's kind names a resource of ``kind``.

    The manifests must declare what is named (``reconciler.manifest.references``), and apply
    creates it first (``reconciler.engine.ordering.dependencies``); the registry checks that
    the referring kind's wave is above ``kind``'s."""

    kind: str  # the kind referred to: "ConfigurationSet"
    field: str  # where a manifest names it, for diagnostics: "spec.configurationSet" (a list's: "spec.identities")
    code: str  # the diagnostic when it is not declared: "E3001"
    noun: str  # "configuration set": "configuration set 'x' is not declared in the manifests"
    plural: str  # "configuration sets": "declared configuration sets: a, b"
    # The name(s) a parsed spec model refers to (a list when it names several), or None.
    in_spec: Callable[[Any], Targets]
    in_normalized: Callable[[str, JsonDict], Targets]  # the same from (name, normalized form)
    builtin: str | None = None  # a name SES provides itself, never declared nor created


@dataclass(frozen=True)
class Parent:
    """The kind's SES name is ``<parent>/<own name>``: it lives inside another resource
    (an event destination in its configuration set). ``spec_field`` is the spec attribute that
    names the parent; ``metadata.name`` is the resource's own name."""

    spec_field: str  # "configuration_set"
    noun: str  # "configuration set": "duplicate EventDestination name 'x' in this configuration set"

    def join(self, parent: str, own: str) -> str:
        return f"{parent}/{own}"

    def split(self, name: str) -> tuple[str, str]:
        """``"marketing/bounces"`` -> ``("marketing", "bounces")`` (SES names hold no '/')."""
        parent, _, own = name.partition("/")
        return parent, own


@dataclass(frozen=True)
class KindPlugin:
    kind: Kind  # read live, normalize, create/update/delete, risks, IAM actions, wave, singleton
    spec: type[BaseModel]  # the manifest's ``spec`` model (reconciler/kinds/specs/)
    import_file: str  # `sesctl import` writes this kind's documents to this file: "templates.yaml"
    summary: str  # one line for docs/kinds.md's generated table
    references: tuple[Reference, ...] = ()
    parent: Parent | None = None
    # Parts shown as unified line diffs in plans instead of one long before/after string.
    text_parts: tuple[str, ...] = ()
    # Spec parts that may be ``{file: path}``: the loader reads them (inside the project only).
    file_parts: tuple[str, ...] = ()
    # Parts `sesctl import` writes to ``templates/<name>.<extension>`` (part -> extension).
    body_files: Mapping[str, str] = field(default_factory=dict)
    # A singleton in this normalized state is SES's default: import leaves it out.
    default: JsonDict | None = None
    # Risks only the whole picture shows (before/after worlds), attached to addresses.
    world_risks: WorldRisks | None = None
    # Declared and checked in git but not an SES resource (TemplateExperiment): loaded,
    # validated and described like any kind, never read live, planned, applied or imported.
    manifest_only: bool = False
    # The type of ``metadata.name`` when SES's names are not the usual 1-64 [A-Za-z0-9_-]
    # (an identity is a domain or an address).
    metadata_name: Any = None
    # Normalized keys SES reports that no manifest sets (an identity's verification status):
    # filled in by ``fill_unmanaged``, never written by import.
    read_only: tuple[str, ...] = ()
    # Spec members whose keys are data (tag keys, policy names and documents): import writes
    # them as they are instead of in camelCase.
    data_fields: frozenset[str] = frozenset({"tags"})
    # Top-level normalized keys that hold personal data (AccountSettings' contact addresses):
    # plans show their addresses masked (reconciler/engine/personal.py).
    personal_data: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.kind.kind

    @property
    def singleton(self) -> bool:
        return self.kind.singleton

    @property
    def iam_actions(self) -> frozenset[str]:
        return self.kind.iam_actions

    def dependencies(self, name: str, normalized: JsonDict | None) -> tuple[str, ...]:
        """Addresses ``name`` needs to exist first (from its references), in reference order."""
        found: list[str] = []
        for reference in self.references:
            for target in as_targets(reference.in_normalized(name, normalized or {})):
                if target and target != reference.builtin:
                    found.append(f"{reference.kind}/{target}")
        return tuple(found)


__all__ = ["KindPlugin", "Parent", "Reference", "Targets", "WorldRisks", "as_targets"]
