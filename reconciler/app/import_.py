"""The import use case: read live SES (through the gateway) and write manifests that plan to
no change; with ``adopt``, also tag what was unowned as the stack's (an apply of only that)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from reconciler import audit
from reconciler.app.apply import ApplyOutcome, ApplyRequest, apply
from reconciler.app.connect import connect, environment_of, find_project
from reconciler.app.plan import DEFAULT_STACK, kinds
from reconciler.aws.ratelimit import RatesInput
from reconciler.engine import importer
from reconciler.engine.plan import Plan
from reconciler.engine.planner import ADOPTION_FIELD, ReadScope, read_live
from reconciler.errors import PlanError, UsageError
from reconciler.files import write_text
from reconciler.kinds.base import LiveObject
from reconciler.settings import Settings


@dataclass(frozen=True)
class ImportRequest:
    project: Path = Path(".")  # where to look for sesctl.yaml (stack, environment)
    out: Path | None = None  # default: the project's first manifests path, else ./manifests
    kinds: tuple[str, ...] = ()  # default: every kind
    names: tuple[str, ...] = ()  # default: every name
    adopt: bool = False  # also tag what was imported and unowned as owned by the stack
    force: bool = False  # overwrite existing files
    env: str | None = None  # None: the root --env, else sesctl.yaml's defaultEnvironment
    rate: RatesInput = None


@dataclass
class ImportOutcome:
    stack: str
    out: Path
    written: dict[Path, str]  # file -> what it holds ("3 EmailTemplate", "template body")
    imported: list[str]  # addresses
    unowned: list[str]  # imported addresses without an owner tag (adopted by --adopt or the next apply)
    skipped: list[str]  # "address: why"
    dependencies: list[str] = field(default_factory=list)  # imported because a picked resource needs them
    adopted: ApplyOutcome | None = None


def import_(settings: Settings, request: ImportRequest) -> ImportOutcome:
    """Read live SES (through the gateway) and write manifests that plan to no change."""
    registry = kinds()
    unknown = sorted(set(request.kinds) - set(registry))
    if unknown:
        raise UsageError(
            f"--kind {', '.join(unknown)}: unknown kind", hint="Known kinds: " + ", ".join(sorted(registry))
        )
    project = find_project(request.project)
    env = environment_of(project, request.env or settings.env)
    stack = (project.stack if project else None) or DEFAULT_STACK
    out = request.out or (
        project.manifest_paths[0] if project and project.manifest_paths else Path("manifests")
    )
    schemas = (project.root if project else Path(".")) / "schemas"
    if request.adopt and project and not any(_inside(out, p) for p in project.manifest_paths):
        raise UsageError(
            f"--adopt applies the project's manifests, and {out} is not one of its manifests paths "
            f"({', '.join(str(p) for p in project.manifest_paths)})",
            hint="Import into the manifests directory, or without --adopt and then `sesctl apply`.",
        )
    with connect(settings, env, rate=request.rate) as conn, conn.gateway.reading():
        gateway = conn.gateway
        live = read_live(gateway, registry, ReadScope(tuple(sorted(request.kinds or registry))))
        picked = importer.select(live, registry, stack=stack, names=request.names)
        # What the picked resources need (an event destination's set, a set's pool) comes along,
        # as with plan --target: manifests referring to an undeclared resource do not validate.
        while needed := importer.missing_dependencies(picked):
            names: dict[str, list[str]] = {}
            for address in needed:
                kind_name, _, name = address.partition("/")
                names.setdefault(kind_name, []).append(name)
            scope = ReadScope(tuple(sorted(names)), {k: tuple(v) for k, v in names.items()})
            found = read_live(gateway, registry, scope)
            extra = importer.select(found, registry, stack=stack)
            picked.resources.update(extra.resources)
            picked.skipped.extend(extra.skipped)
            picked.dependencies.extend(sorted(extra.resources))
            picked.missing.extend(a for a in needed if a not in found)
    # Only what reads back to an empty first plan is written; the rest is named with the reason.
    proved = importer.prove(picked.resources, registry, out=out, schemas=schemas, stack=stack)
    files = proved.files
    picked.skipped.extend(f"{address}: {why}" for address, why in sorted(proved.refused.items()))
    existing = [str(p) for p in files if p.exists() or p.is_symlink()]
    if existing and not request.force:
        raise UsageError(
            "import would overwrite existing files: " + ", ".join(existing),
            hint="Pass --force to overwrite them, or --out DIR to write elsewhere.",
        )
    imported = sorted(proved.resources)
    details = {"out": str(out), "files": len(files), "resources": imported, "adopt": request.adopt}
    # Audited before the files are written (adoption is audited again, as an apply).
    with audit.operation("import", details, project=project, root=None if project else Path.cwd()):
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            write_text(path, text, "an imported manifest")
    unowned = [
        a for a in imported if proved.resources[a].owner is None and registry[a.partition("/")[0]].taggable
    ]
    outcome = ImportOutcome(
        stack,
        out,
        files_summary(files, proved.resources),
        imported,
        unowned,
        picked.skipped,
        [d for d in picked.dependencies if d in proved.resources],
    )
    if request.adopt and unowned:
        outcome.adopted = _adopt(settings, request, project.root if project else out, unowned)
    return outcome


def files_summary(files: Mapping[Path, str], resources: Mapping[str, LiveObject]) -> dict[Path, str]:
    """What each written file holds, for the report ("3 EmailTemplate", "template body")."""
    counts: dict[str, int] = {}
    for address in resources:
        kind_name = address.partition("/")[0]
        counts[kind_name] = counts.get(kind_name, 0) + 1
    by_name = {importer.FILE_NAMES[k]: f"{n} {k}" for k, n in counts.items() if k in importer.FILE_NAMES}
    return {path: by_name.get(path.name, "template body") for path in files}


def _adopt(settings: Settings, request: ImportRequest, path: Path, unowned: list[str]) -> ApplyOutcome:
    """Apply the imported manifests for ``unowned`` only; refuse anything but adoption tagging."""

    def only_adoption(the_plan: Plan) -> bool:
        other = [
            f"{c.address}: {f.path}"
            for c in the_plan.changes
            for f in c.fields
            if not c.is_update or f.path != ADOPTION_FIELD
        ]
        if other:
            raise PlanError(
                "import --adopt only tags what it imported, but the plan also changes:\n  "
                + "\n  ".join(other),
                hint="The manifests were written; review them with `sesctl plan` and apply deliberately.",
            )
        return True

    apply_request = ApplyRequest(
        path=path, env=request.env, targets=tuple(unowned), prune=False, rate=request.rate
    )
    return apply(settings, apply_request, confirm=only_adoption)


def _inside(path: Path, directory: Path) -> bool:
    return path.resolve().is_relative_to(directory.resolve())
