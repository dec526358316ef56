"""One YAML document -> one Resource: the envelope, ``${var}`` substitution, the spec model,
and template bodies read from files."""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints, ValidationError, create_model

from reconciler.diagnostics import Diagnostic, error
from reconciler.files import read_regular_bytes, real_path
from reconciler.kinds.registry import KIND_SPECS, PLUGINS, SINGLETON_KINDS
from reconciler.kinds.specs import API_VERSION
from reconciler.kinds.specs.base import SINGLETON_NAME, FileRef, SesName, SpecModel, camel, pattern
from reconciler.manifest.loader import Document, FieldPath, display_path
from reconciler.manifest.model import Resource
from reconciler.manifest.schema_errors import diagnostics_from_validation_error
from reconciler.manifest.variables import Substitution

LabelKey = Annotated[
    str,
    pattern(
        r"^[A-Za-z0-9]([A-Za-z0-9._/-]{0,251}[A-Za-z0-9])?$",
        "letters, digits, '.', '_', '-' or '/', starting and ending with a letter or digit",
    ),
]
LabelValue = Annotated[str, StringConstraints(max_length=256)]


class Metadata(SpecModel):
    """``metadata``: the resource's name (its SES name) and sesctl's own bookkeeping."""

    name: SesName
    """The name in SES: 1-64 letters, digits, '-' or '_'."""
    labels: dict[LabelKey, LabelValue] = Field(default_factory=dict)
    """Free-form key/value pairs for people and tools (not sent to SES; use spec.tags for that)."""
    annotations: dict[str, str] = Field(default_factory=dict)
    """Free-form notes (not sent to SES)."""
    protect: bool = False
    """Never delete this resource, even with --prune (plan refuses instead)."""


class SingletonMetadata(SpecModel):
    """``metadata`` of an account-level singleton: its name is always ``account``."""

    name: Literal["account"] = "account"
    labels: dict[LabelKey, LabelValue] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    protect: bool = False


def _envelope(kind: str, spec: type[BaseModel]) -> type[BaseModel]:
    metadata: Any = SingletonMetadata if kind in SINGLETON_KINDS else Metadata
    name_type = PLUGINS[kind].metadata_name
    if name_type is not None:  # an identity's name is a domain or an address
        metadata = create_model(f"{kind}Metadata", __base__=Metadata, name=(name_type, ...))
    default: Any = SingletonMetadata() if kind in SINGLETON_KINDS else ...
    api_literal: Any = Literal[API_VERSION]
    kind_literal: Any = Literal[kind]
    model: type[BaseModel] = create_model(
        kind,
        __base__=SpecModel,
        __doc__=f"A sesctl/v1 {kind} manifest.",
        api_version=(api_literal, ...),
        kind=(kind_literal, ...),
        metadata=(metadata, default),
        spec=(spec, ...),
    )
    return model


class _Envelopes(Mapping[str, type[BaseModel]]):
    """kind -> the whole document's model (apiVersion, kind, metadata, spec), each made when
    first asked for: a command makes only the models of the kinds its manifests hold."""

    def __init__(self) -> None:
        self._made: dict[str, type[BaseModel]] = {}

    def __getitem__(self, kind: str) -> type[BaseModel]:
        made = self._made.get(kind)
        if made is None:
            # Two threads may make one at once: both then use the first one kept.
            made = self._made.setdefault(kind, _envelope(kind, KIND_SPECS[kind]))
        return made

    def __iter__(self) -> Iterator[str]:
        return iter(KIND_SPECS)

    def __len__(self) -> int:
        return len(KIND_SPECS)


ENVELOPES: Mapping[str, type[BaseModel]] = _Envelopes()


def _where(document: Document, path: FieldPath, address: str = "") -> dict[str, Any]:
    position = document.source.locate(path)
    return {**position.where(), "address": address}


def _check_envelope(document: Document) -> tuple[str | None, list[Diagnostic]]:
    data = document.data
    if not isinstance(data, dict):
        return None, [
            error(
                "E1002",
                "a manifest document must be a mapping with apiVersion, kind, metadata and spec",
                **_where(document, ()),
            )
        ]
    kind = data.get("kind")
    problems: list[Diagnostic] = []
    if kind is None:
        problems.append(error("E2003", "missing required field 'kind'", field="kind", **_where(document, ())))
    elif not isinstance(kind, str) or kind not in KIND_SPECS:
        close = difflib.get_close_matches(str(kind), list(KIND_SPECS), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        problems.append(
            error(
                "E2007",
                f"unknown kind {kind!r}{hint}",
                detail=f"known kinds: {', '.join(KIND_SPECS)}",
                field="kind",
                **_where(document, ("kind",)),
            )
        )
    api = data.get("apiVersion")
    if api is None:
        problems.append(
            error(
                "E2003",
                f"missing required field 'apiVersion' ({API_VERSION})",
                field="apiVersion",
                **_where(document, ()),
            )
        )
    elif api != API_VERSION:
        problems.append(
            error(
                "E2008",
                f"unsupported apiVersion {api!r}: this sesctl reads {API_VERSION}",
                field="apiVersion",
                **_where(document, ("apiVersion",)),
            )
        )
    return (kind if not problems else None), problems


def _guess_address(kind: str, data: dict[Any, Any]) -> str:
    metadata = data.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    if kind in SINGLETON_KINDS and name is None:
        name = SINGLETON_NAME
    spec = data.get("spec")
    nested = PLUGINS[kind].parent
    parent = spec.get(camel(nested.spec_field)) if nested and isinstance(spec, dict) else None
    if nested and isinstance(parent, str) and isinstance(name, str):
        name = nested.join(parent, name)  # the same address the loaded resource would have
    return f"{kind}/{name}" if isinstance(name, str) else kind


def declared_name(document: Document) -> tuple[str, str] | None:
    """(kind, metadata.name) as written, for a document that may fail validation: what it
    declares, so references to it are not reported as dangling."""
    data = document.data
    if not isinstance(data, dict):
        return None
    kind, metadata = data.get("kind"), data.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    if isinstance(kind, str) and isinstance(name, str):
        return kind, name
    return None


def resource_from_document(
    document: Document, substitution: Substitution, roots: tuple[Path, ...] = ()
) -> tuple[Resource | None, list[Diagnostic]]:
    """The Resource of one document (None if invalid) and its problems. Template body files
    must lie below one of ``roots`` (the project and its manifests; default: the manifest's
    own directory)."""
    kind, problems = _check_envelope(document)
    if kind is None:
        return None, problems
    address = _guess_address(kind, document.data)
    before = len(substitution.problems)
    data = substitution.apply(document.data, document.source, address=address)
    substituted = substitution.problems[before:]
    unresolved = {d.field for d in substituted}
    try:
        envelope = ENVELOPES[kind].model_validate(data)
    except ValidationError as exc:
        found = diagnostics_from_validation_error(exc, document.source, ENVELOPES[kind], address=address)
        # A value still holding an undefined ${var} already has its diagnostic.
        return None, substituted + [d for d in found if d.field not in unresolved]
    if substituted:
        return None, substituted
    metadata: Any = getattr(envelope, "metadata")  # noqa: B009 - dynamic model
    spec: BaseModel = getattr(envelope, "spec")  # noqa: B009
    name = metadata.name
    plugin = PLUGINS[kind]
    if plugin.parent:
        name = plugin.parent.join(getattr(spec, plugin.parent.spec_field), metadata.name)
    resource = Resource(
        kind=kind,
        name=name,
        ses_name=metadata.name,
        spec=spec,
        source=document.source,
        labels=dict(metadata.labels),
        annotations=dict(metadata.annotations),
        protect=metadata.protect,
        document_path=document.path,
    )
    if plugin.file_parts:
        return read_bodies(resource, plugin.file_parts, document, roots or (document.path.parent,))
    return resource, []


def _inside(path: Path, roots: tuple[Path, ...]) -> bool:
    return any(path.is_relative_to(root.resolve()) for root in roots)


def read_bodies(
    resource: Resource,
    parts: tuple[str, ...],
    document: Document,
    roots: tuple[Path, ...],
    prefix: tuple[str, ...] = (),
) -> tuple[Resource, list[Diagnostic]]:
    """Replace each ``{file: path}`` part by the file's text (paths relative to the manifest).
    ``prefix`` locates the parts below ``spec`` (a localized template's ``locales.fr``).

    Only files inside the project are read: a pull request naming ``/proc/self/environ`` or
    ``../../.aws/credentials`` would otherwise print it in the plan comment."""
    problems: list[Diagnostic] = []
    update: dict[str, str] = {}
    files: dict[str, Path] = {}
    spec = resource.spec
    for part in parts:
        value = getattr(spec, part, None)
        if not isinstance(value, FileRef):
            continue
        where = _where(document, ("spec", *prefix, part, "file"), resource.address)
        field = ".".join(("spec", *prefix, part, "file"))
        path = real_path(document.path.parent / value.file)
        if path is None:
            problems.append(
                error(
                    "E3004",
                    f"cannot read {part} body file {value.file!r}: a NUL byte in its name or a symbolic link loop",
                    field=field,
                    **where,
                )
            )
            continue
        if not _inside(path, roots):
            problems.append(
                error(
                    "E3004",
                    f"{part} body file is outside the project: {value.file}",
                    detail="Body files must be inside the directory of sesctl.yaml (or of the manifests).",
                    field=field,
                    **where,
                )
            )
            continue
        try:
            # Bytes, not read_text: universal newlines would turn \r\n into \n, and SES must get
            # the body exactly as it is in git.
            update[part] = read_regular_bytes(path).decode("utf-8")
            files[part] = path
        except FileNotFoundError:
            problems.append(
                error(
                    "E3004",
                    f"{part} body file not found: {display_path(path)}",
                    field=field,
                    **where,
                )
            )
        except UnicodeDecodeError as exc:
            problems.append(
                error(
                    "E3004",
                    f"{part} body file is not UTF-8 ({exc.reason})",
                    field=field,
                    **where,
                )
            )
        except OSError as exc:
            problems.append(
                error(
                    "E3004",
                    f"cannot read {part} body file: {exc.strerror}",
                    field=field,
                    **where,
                )
            )
    if not update:
        return resource, problems
    return replace(resource, spec=spec.model_copy(update=update), body_files={**resource.body_files, **files}), problems


__all__ = [
    "ENVELOPES",
    "Metadata",
    "SingletonMetadata",
    "declared_name",
    "read_bodies",
    "resource_from_document",
]
