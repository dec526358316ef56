"""Live SES -> manifest files (``sesctl import``): which objects, and the files that hold them.

    picked = select(live, KINDS, stack="demo", names=())
    proved = prove(picked.resources, KINDS, out=Path("manifests"), schemas=Path("schemas"), stack="demo")
    proved.files      # path -> text, only for resources whose first plan is empty
    proved.refused    # address -> why it was not written

The proof is end to end: the files are written to a scratch project, loaded with the real
loader (``reconciler.manifest.collect``: YAML, ``$${`` escapes, body files, validation) and
planned against the live objects with the real planner. A resource whose plan would change
anything but the adoption tag (or that does not load) is refused with the reason and left out
of the files; the others are rendered again without it, until every written one proves.

Layout (the example stack's): one multi-document YAML file per kind in the output directory
(``templates.yaml``, ``configuration-sets.yaml``, ...), so a reviewer sees one file per concern
rather than dozens of tiny ones; template bodies in ``templates/<name>.html|.txt`` next to
them, referenced as ``{file: templates/<name>.html}``. Each document carries the
``# yaml-language-server: $schema=...`` header and only what differs from SES's defaults
(reconciler/engine/export.py proves each omission with the kind's own normalization).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from reconciler.diagnostics import Diagnostic
from reconciler.engine.export import ExportError, export_spec, metadata_name, yaml_keys
from reconciler.engine.ordering import dependencies
from reconciler.engine.planner import ADOPTION_FIELD, DesiredResource, PlanOptions, build_plan
from reconciler.files import write_text
from reconciler.kinds.base import JsonDict, Kind, LiveObject
from reconciler.kinds.registry import IMPORT_DEFAULTS, IMPORT_FILES, PLUGINS
from reconciler.kinds.specs import API_VERSION
from reconciler.manifest import collect

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


@dataclass(frozen=True)
class Proved:
    files: dict[Path, str]  # path -> text, to write
    resources: dict[str, LiveObject]  # what the files hold: every one plans to no change
    refused: dict[str, str]  # address -> why it is not written


def prove(
    resources: Mapping[str, LiveObject], kinds: Mapping[str, Kind], *, out: Path, schemas: Path, stack: str
) -> Proved:
    """The files for ``resources``, each resource proved to read back to an empty first plan
    (see the module docstring); nothing is written under ``out`` here."""
    remaining = dict(resources)
    refused: dict[str, str] = {}
    while True:  # every round returns or refuses at least one resource
        files, failed = _render(remaining, kinds, out=out, schemas=schemas)
        if not failed:
            failed = _replan(files, remaining, kinds, out=out, stack=stack)
        if not failed:
            return Proved(files, remaining, refused)
        refused.update(failed)
        remaining = {a: obj for a, obj in remaining.items() if a not in failed}


def _render(
    resources: Mapping[str, LiveObject], kinds: Mapping[str, Kind], *, out: Path, schemas: Path
) -> tuple[dict[Path, str], dict[str, str]]:
    """(path -> text for ``resources``, address -> why it cannot be written at all)."""
    documents: dict[str, list[str]] = {}
    files: dict[Path, str] = {}
    failed: dict[str, str] = {}
    for address in sorted(resources, key=lambda a: (kinds[a.partition("/")[0]].wave, a)):
        kind_name, _, name = address.partition("/")
        plugin = PLUGINS[kind_name]
        try:
            spec = export_spec(plugin, name, resources[address].normalized)
        except ExportError as exc:
            failed[address] = exc.reason
            continue
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
            "spec": _escape(yaml_keys(spec, plugin.data_fields)),
        }
        text = yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1_000_000)
        documents.setdefault(kind_name, []).append(
            f"# yaml-language-server: $schema={Path(schema).as_posix()}\n{text}"
        )
    for kind_name, docs in documents.items():
        files[out / FILE_NAMES.get(kind_name, f"{kind_name.lower()}.yaml")] = "---\n".join(docs)
    return dict(sorted(files.items())), failed


class _Dumper(yaml.SafeDumper):
    """PyYAML writes NEL (U+0085) raw inside a quoted scalar, where a reader folds it into a
    space like any line break; double quotes escape it (``\\N``), so it reads back exactly."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if any(c in value for c in _FOLDED):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
    return dumper.represent_str(value)


_FOLDED = "\x85\u2028\u2029"  # Unicode line breaks a YAML reader normalizes
_Dumper.add_representer(str, _represent_str)


def _replan(
    files: Mapping[Path, str],
    resources: Mapping[str, LiveObject],
    kinds: Mapping[str, Kind],
    *,
    out: Path,
    stack: str,
) -> dict[str, str]:
    """Write ``files`` to a scratch project, load it with the real loader, plan it against
    ``resources`` with the real planner: address -> why, for each that does not read back."""
    with tempfile.TemporaryDirectory(prefix="sesctl-import-") as scratch:
        root = Path(scratch)
        project = {"apiVersion": API_VERSION, "kind": "Project", "stack": stack, "manifests": "manifests"}
        write_text(root / "sesctl.yaml", yaml.safe_dump(project), "a scratch project file")
        for path, text in files.items():
            target = root / "manifests" / path.relative_to(out)
            target.parent.mkdir(parents=True, exist_ok=True)
            write_text(target, text, "a scratch manifest")
        state, problems = collect(root, environ={})
        failed = _load_failures([p for p in problems if p.is_error], resources, root / "manifests")
        if state is None:
            return failed or {a: "the written manifests do not load" for a in resources}
        desired = {
            r.address: DesiredResource(r.kind, r.name, kinds[r.kind].normalize_desired(r.name, r.spec, stack))
            for r in state.resources
            if r.address in resources and r.address not in failed
        }
    for address in resources:
        if address not in desired and address not in failed:
            failed[address] = "not read back from the written manifest"
    live = {address: resources[address] for address in desired}
    plan = build_plan(desired, live, kinds, PlanOptions(stack=stack))
    for change in plan.changes:
        paths = [f.path for f in change.fields if f.path != ADOPTION_FIELD]
        if paths or not change.is_update:
            what = ", ".join(paths) if paths else "the resource"
            failed[change.address] = f"does not read back exactly: the first plan would change {what}"
    return failed


def _load_failures(
    errors: Sequence[Diagnostic], resources: Mapping[str, LiveObject], manifests: Path
) -> dict[str, str]:
    """address -> the first error naming it (an error in a file without an address refuses every
    resource of that file's kind; one that names no file refuses everything)."""
    files = {name: kind for kind, name in FILE_NAMES.items()}
    failed: dict[str, str] = {}
    for problem in errors:
        why = f"the written manifest does not load: {problem.code} {problem.summary}"
        if problem.address in resources:
            failed.setdefault(problem.address, why)
            continue
        kind = files.get(Path(problem.file).name) if problem.file else None
        for address in resources:
            if kind is None or address.partition("/")[0] == kind:
                failed.setdefault(address, why)
    return failed


def _escape(value: Any) -> Any:
    """``${`` in a manifest string would be taken for a variable: ``$${`` writes it literally."""
    if isinstance(value, str):
        return value.replace("${", "$${")
    if isinstance(value, Mapping):
        return {k: _escape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_escape(v) for v in value]
    return value


__all__ = ["BODY_DIR", "FILE_NAMES", "Picked", "Proved", "missing_dependencies", "prove", "select"]
