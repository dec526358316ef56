"""The plan as data (Terraform's ``internal/plans``): what apply will do, and nothing else.

A :class:`Plan` is frozen. Its JSON form (``to_json``, documented in docs/plan-format.md; read
back, checked and verified, by reconciler/engine/planfile.py) is stable: sorted keys,
``format_version`` "1", no timestamps. Two hashes travel with it:

- ``checksum``: sha256 of the canonical JSON of ``changes`` only. It names *what will be done*;
  the same changes always give the same checksum, whatever order dicts were built in.
- ``live_fingerprint``: sha256 over ``live_objects`` (address -> fingerprint of the raw live
  object read, or ``"absent"``). ``apply --plan`` re-reads and refuses a plan whose live
  objects moved (a stale plan).

The applier acts on ``changes`` alone: ``before``/``after`` hold the normalized live and desired
forms, so a saved plan can be applied without the manifests that produced it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from reconciler import __version__
from reconciler.engine.staleness import Refresh
from reconciler.kinds.base import JsonDict, Risk

FORMAT_VERSION = "1"
ABSENT = "absent"  # live_objects value for an address the plan read and found missing


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


REPLACE: tuple[Action, ...] = (Action.DELETE, Action.CREATE)


class Reason(StrEnum):
    """Why a change is in the plan (Terraform's ResourceInstanceChangeActionReason)."""

    NOT_IN_LIVE = "not_in_live"  # create: in the manifests, absent from SES
    DRIFTED = "differs_from_manifests"  # update: live differs from the manifests
    CANNOT_UPDATE_IN_PLACE = "cannot_update_in_place"  # replace: a replace field changed
    REMOVED_FROM_MANIFESTS = "removed_from_manifests"  # delete: owned, gone from git, --prune


@dataclass(frozen=True)
class FieldChange:
    path: str  # "delivery_options.tls_policy", "dimensions[0].name"
    op: str  # "add" | "remove" | "change"
    before: Any = None
    after: Any = None
    forces_replacement: bool = False

    def to_dict(self) -> JsonDict:
        data: JsonDict = {"path": self.path, "op": self.op, "before": self.before, "after": self.after}
        if self.forces_replacement:
            data["forces_replacement"] = True
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FieldChange:
        return cls(
            path=data["path"],
            op=data["op"],
            before=data.get("before"),
            after=data.get("after"),
            forces_replacement=bool(data.get("forces_replacement", False)),
        )


@dataclass(frozen=True)
class TextDiff:
    part: str  # "subject" | "html" | "text"
    diff: str  # unified line diff, "--- live" / "+++ desired"


@dataclass(frozen=True)
class Source:
    file: str
    line: int = 0


@dataclass(frozen=True)
class PlanDiagnostic:
    """A warning that came with the manifests (errors stop planning before any AWS call)."""

    code: str
    severity: str
    summary: str
    location: str = ""
    address: str = ""


@dataclass(frozen=True)
class ResourceChange:
    kind: str
    name: str
    actions: tuple[Action, ...]
    wave: int
    reason: str | None = None
    fields: tuple[FieldChange, ...] = ()
    text_diffs: tuple[TextDiff, ...] = ()
    risks: tuple[Risk, ...] = ()
    source: Source | None = None
    before: JsonDict | None = None  # normalized live form (None for a create)
    after: JsonDict | None = None  # normalized desired form (None for a delete)
    depends_on: tuple[str, ...] = ()  # addresses this resource needs to exist first

    @property
    def address(self) -> str:
        return f"{self.kind}/{self.name}"

    @property
    def is_replace(self) -> bool:
        return self.actions == REPLACE

    @property
    def is_create(self) -> bool:
        return self.actions == (Action.CREATE,)

    @property
    def is_update(self) -> bool:
        return self.actions == (Action.UPDATE,)

    @property
    def is_delete(self) -> bool:
        return self.actions == (Action.DELETE,)

    @property
    def destroys(self) -> bool:
        """True for a delete and for a replace (both remove the live object)."""
        return Action.DELETE in self.actions

    @property
    def symbol(self) -> str:
        if self.is_replace:
            return "-/+"
        return {Action.CREATE: "+", Action.UPDATE: "~", Action.DELETE: "-"}.get(self.actions[0], " ")

    @property
    def changed_keys(self) -> tuple[str, ...]:
        """Top-level normalized keys that differ (what Kind.update is told)."""
        keys = {_top_key(f.path) for f in self.fields}
        return tuple(sorted(keys))

    def to_dict(self) -> JsonDict:
        return {
            "address": self.address,
            "kind": self.kind,
            "name": self.name,
            "actions": [str(a) for a in self.actions],
            "reason": self.reason,
            "wave": self.wave,
            "fields": [f.to_dict() for f in self.fields],
            "text_diffs": [{"part": t.part, "diff": t.diff} for t in self.text_diffs],
            "risks": [{"code": r.code, "severity": r.severity, "message": r.message} for r in self.risks],
            "source": None if self.source is None else {"file": self.source.file, "line": self.source.line},
            "before": self.before,
            "after": self.after,
            "depends_on": list(self.depends_on),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ResourceChange:
        source = data.get("source")
        return cls(
            kind=data["kind"],
            name=data["name"],
            actions=tuple(Action(a) for a in data["actions"]),
            wave=int(data["wave"]),
            reason=data.get("reason"),
            fields=tuple(FieldChange.from_dict(f) for f in data.get("fields", [])),
            text_diffs=tuple(TextDiff(t["part"], t["diff"]) for t in data.get("text_diffs", [])),
            risks=tuple(Risk(r["code"], r["severity"], r["message"]) for r in data.get("risks", [])),
            source=None if source is None else Source(source["file"], int(source.get("line", 0))),
            before=data.get("before"),
            after=data.get("after"),
            depends_on=tuple(data.get("depends_on", [])),
        )


@dataclass(frozen=True)
class Plan:
    changes: tuple[ResourceChange, ...] = ()
    stack: str = ""
    environment: str = ""
    region: str = ""
    live_objects: Mapping[str, str] = field(default_factory=dict)
    unmanaged: tuple[str, ...] = ()
    pending_prune: tuple[str, ...] = ()  # owned, gone from git, kept because --prune is off
    no_op: int = 0  # resources in the manifests that already match
    diagnostics: tuple[PlanDiagnostic, ...] = ()
    targets: tuple[str, ...] = ()
    prune: bool = False
    # Set by a plan with a refresh budget: what it did not re-read and how old that is.
    refresh: Refresh | None = None
    tool_version: str = __version__
    format_version: str = FORMAT_VERSION

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    @property
    def checksum(self) -> str:
        return "sha256:" + _sha256(canonical_json([c.to_dict() for c in self.changes]))

    @property
    def live_fingerprint(self) -> str:
        return "sha256:" + _sha256(canonical_json(dict(self.live_objects)))

    def summary(self) -> dict[str, int]:
        counts = {"create": 0, "update": 0, "delete": 0, "replace": 0}
        for change in self.changes:
            if change.is_replace:
                counts["replace"] += 1
            else:
                counts[str(change.actions[0])] += 1
        counts["no_op"] = self.no_op
        counts["unmanaged"] = len(self.unmanaged)
        counts["pending_prune"] = len(self.pending_prune)
        return counts

    def change(self, address: str) -> ResourceChange | None:
        return next((c for c in self.changes if c.address == address), None)

    def to_dict(self) -> JsonDict:
        return {
            "format_version": self.format_version,
            "tool_version": self.tool_version,
            "stack": self.stack,
            "environment": self.environment,
            "region": self.region,
            "checksum": self.checksum,
            "live_fingerprint": self.live_fingerprint,
            "live_objects": dict(sorted(self.live_objects.items())),
            "has_changes": self.has_changes,
            "summary": self.summary(),
            "changes": [c.to_dict() for c in self.changes],
            "unmanaged": list(self.unmanaged),
            "pending_prune": list(self.pending_prune),
            "diagnostics": [
                {
                    "code": d.code,
                    "severity": d.severity,
                    "summary": d.summary,
                    "location": d.location,
                    "address": d.address,
                }
                for d in self.diagnostics
            ],
            "targets": list(self.targets),
            "prune": self.prune,
        } | ({} if self.refresh is None else {"refresh": self.refresh.to_dict()})

    @property
    def stale(self) -> bool:
        """Whether some objects were not re-read (their state comes from the live cache)."""
        return self.refresh is not None and not self.refresh.complete

    def to_json(self, *, indent: int | None = 2) -> str:
        return dump_json(self.to_dict(), indent=indent)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Plan:
        """The Plan of a JSON form whose shape is already checked: read plan files with
        reconciler.engine.planfile, which checks the shape, the format and the checksum."""
        return cls(
            changes=tuple(ResourceChange.from_dict(c) for c in data.get("changes", [])),
            stack=data.get("stack", ""),
            environment=data.get("environment", ""),
            region=data.get("region", ""),
            live_objects=dict(data.get("live_objects", {})),
            unmanaged=tuple(data.get("unmanaged", [])),
            pending_prune=tuple(data.get("pending_prune", [])),
            no_op=int(data.get("summary", {}).get("no_op", 0)),
            diagnostics=tuple(
                PlanDiagnostic(
                    d["code"], d["severity"], d["summary"], d.get("location", ""), d.get("address", "")
                )
                for d in data.get("diagnostics", [])
            ),
            targets=tuple(data.get("targets", [])),
            prune=bool(data.get("prune", False)),
            refresh=Refresh.from_dict(data["refresh"]) if isinstance(data.get("refresh"), Mapping) else None,
            tool_version=data.get("tool_version", __version__),
            format_version=data.get("format_version", FORMAT_VERSION),
        )


def dump_json(data: Mapping[str, Any], *, indent: int | None = 2) -> str:
    """The JSON form's text: sorted keys, UTF-8 kept, a final newline when indented."""
    return json.dumps(data, sort_keys=True, indent=indent, ensure_ascii=False) + ("\n" if indent else "")


def canonical_json(value: Any) -> str:
    """The one serialization that is hashed: sorted keys, no whitespace, UTF-8 kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def fingerprint(value: Any) -> str:
    """Fingerprint of a JSON-compatible value, independent of dict ordering."""
    return "sha256:" + _sha256(canonical_json(value))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _top_key(path: str) -> str:
    for i, ch in enumerate(path):
        if ch in ".[":
            return path[:i]
    return path


def hidden_in_review(actions: Iterable[str], op: str, before: Any, after: Any) -> bool:
    """Whether the text and Markdown forms leave out this field change (the JSON form keeps it).

    A create (or delete) lists every field it sets (or removes); an empty mapping there, such
    as ``tags = {}`` for a manifest without tags, says nothing and is noise. Empty *lists* stay
    visible: ``suppressed_reasons = []`` (suppression turned off) is the opposite of nothing."""
    kinds = {str(a) for a in actions}
    if kinds == {"create"} and op == "add":
        return after is None or after == {}
    if kinds == {"delete"} and op == "remove":
        return before is None or before == {}
    return False


def count_destroys(changes: Iterable[ResourceChange]) -> int:
    return sum(1 for c in changes if c.destroys)
