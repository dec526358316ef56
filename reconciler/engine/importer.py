"""Live SES -> manifest files (``sesctl import``): which objects, and the files that hold them.

    picked = select(live, KINDS, stack="demo", kinds=(), names=())
    files = render_files(picked.resources, KINDS, out=Path("manifests"), schemas=Path("schemas"))

Layout (the example stack's): one multi-document YAML file per kind in the output directory
(``templates.yaml``, ``configuration-sets.yaml``, ...), so a reviewer sees one file per concern
rather than dozens of tiny ones; template bodies in ``templates/<name>.html|.txt`` next to
them, referenced as ``{file: templates/<name>.html}``. Each document carries the
``# yaml-language-server: $schema=...`` header and only what differs from SES's defaults
(reconciler/engine/export.py proves each omission with the kind's own normalization).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from reconciler.engine.export import export_spec, metadata_name, yaml_keys
from reconciler.engine.ordering import dependencies
from reconciler.kinds.base import JsonDict, Kind, LiveObject
from reconciler.kinds.registry import IMPORT_DEFAULTS, IMPORT_FILES, PLUGINS
from reconciler.kinds.specs import API_VERSION

# kind -> the file its documents go to (each plug-in's ``import_file``).
FILE_NAMES: dict[str, str] = IMPORT_FILES
BODY_DIR = "templates"  # a plug-in's ``body_files`` go here: templates/<name>.<extension>


@dataclass(frozen=True)
class Picked:
    resources: dict[str, LiveObject] = field(default_factory=dict)  # address -> live object
    skipped: list[str] = field(default_factory=list)  # "address: why", for the report
    dependencies: list[str] = field(default_factory=list)  # taken along because a picked one needs them
    missing: list[str] = field(default_factory=list)  # needed but not in live SES (not read again)


def select(
    live: Mapping[str, LiveObject],
    kinds: Mapping[str, Kind],
    *,
    stack: str,
    names: Sequence[str] = (),
    singleton_defaults: Mapping[str, JsonDict] | None = None,
) -> Picked:
    """What to import: objects of no stack or of ``stack``; another stack's are skipped (named).
    ``names`` filters by name (an event destination matches by its own name or ``set/name``);
    a singleton equal to its default (``singleton_defaults``, else its plug-in's ``default``) is
    left out: nothing to manage."""
    picked = Picked()
    for address in sorted(live):
        obj = live[address]
        kind_name, _, name = address.partition("/")
        if names and name not in names and metadata_name(PLUGINS[kind_name], name) not in names:
            continue
        if obj.owner not in (None, stack):
            picked.skipped.append(f"{address}: owned by stack {obj.owner!r}, not {stack!r}")
            continue
        defaults = IMPORT_DEFAULTS if singleton_defaults is None else singleton_defaults
        if kinds[kind_name].singleton and obj.normalized == defaults.get(kind_name):
            continue
        picked.resources[address] = obj
    return picked


def missing_dependencies(picked: Picked) -> list[str]:
    """Addresses the picked resources depend on that are neither picked, skipped nor missing."""
    settled = set(picked.resources) | set(picked.missing) | {s.split(": ", 1)[0] for s in picked.skipped}
    needed = {
        dependency
        for address, obj in picked.resources.items()
        for dependency in dependencies(address.partition("/")[0], address.partition("/")[2], obj.normalized)
    }
    return sorted(needed - settled)


def render_files(
    resources: Mapping[str, LiveObject], kinds: Mapping[str, Kind], *, out: Path, schemas: Path
) -> dict[Path, str]:
    """Every file to write (path -> text) for ``resources``; nothing is written here."""
    documents: dict[str, list[str]] = {}
    files: dict[Path, str] = {}
    for address in sorted(resources, key=lambda a: (kinds[a.partition("/")[0]].wave, a)):
        kind_name, _, name = address.partition("/")
        plugin = PLUGINS[kind_name]
        spec = export_spec(plugin, name, resources[address].normalized)
        for part, extension in plugin.body_files.items():
            body = spec.get(part)
            if isinstance(body, str):
                relative = f"{BODY_DIR}/{name}.{extension}"
                files[out / relative] = body  # body files are not ${var}-substituted: written as is
                spec[part] = {"file": relative}
        schema = os.path.relpath(schemas / f"{kind_name.lower()}.json", out)
        document = {
            "apiVersion": API_VERSION,
            "kind": kind_name,
            "metadata": {"name": metadata_name(plugin, name)},
            "spec": _escape(yaml_keys(spec)),
        }
        text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=1_000_000)
        documents.setdefault(kind_name, []).append(
            f"# yaml-language-server: $schema={Path(schema).as_posix()}\n{text}"
        )
    for kind_name, docs in documents.items():
        files[out / FILE_NAMES.get(kind_name, f"{kind_name.lower()}.yaml")] = "---\n".join(docs)
    return dict(sorted(files.items()))


def _escape(value: Any) -> Any:
    """``${`` in a manifest string would be taken for a variable: ``$${`` writes it literally."""
    if isinstance(value, str):
        return value.replace("${", "$${")
    if isinstance(value, Mapping):
        return {k: _escape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_escape(v) for v in value]
    return value


__all__ = ["BODY_DIR", "FILE_NAMES", "Picked", "missing_dependencies", "render_files", "select"]
