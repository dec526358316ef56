"""Roll a template back to an earlier version by writing that version's files back.

A rollback is a change to the manifests like any other: the old manifest document replaces the
current one in its file (the rest of the file, comments included, is left as it is) and the old
body files are written back byte for byte. The user reviews it in a pull request; ``--apply``
(break-glass) applies it at once as well.

Refused before anything is written: a version whose variables the senders no longer pass. The
senders' data is what the manifests say today (the current ``defaults`` and each test's data):
a template that needs a variable they do not send would render-fail in SES (silently: SES
accepts the send and drops the mail).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from reconciler.errors import UsageError
from reconciler.files import write_text
from reconciler.kinds.specs.email_template import EmailTemplateSpec
from reconciler.manifest import collect
from reconciler.manifest.template_checks import find_missing, parse_cached, template_data
from reconciler.templates import TemplateError
from reconciler.versions import git
from reconciler.versions.history import PARTS, History, Version


@dataclass
class RollbackPlan:
    address: str
    target: Version
    current: Version
    writes: dict[Path, str] = field(default_factory=dict)  # absolute path -> new text
    orphaned: list[str] = field(default_factory=list)  # body files the old version no longer names


class RollbackRefused(UsageError):
    pass


def document_spans(text: str) -> list[tuple[int, int, int]]:
    """(start offset, end offset, first line) of each YAML document in ``text``."""
    spans: list[tuple[int, int, int]] = []
    start: Any = None
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.DocumentStartEvent):
            start = event.start_mark
        elif isinstance(event, yaml.DocumentEndEvent) and start is not None and event.end_mark is not None:
            spans.append((start.index, event.end_mark.index, start.line + 1))
            start = None
    return spans


def _span_at(text: str, line: int) -> tuple[int, int]:
    """The document that holds ``line`` (1-based)."""
    chosen: tuple[int, int] | None = None
    for start, end, first in document_spans(text):
        if first <= line:
            chosen = (start, end)
    if chosen is None:
        raise UsageError(f"no YAML document at line {line}")
    return chosen


def senders_missing(target: Version, current: Version) -> list[str]:
    """Variables the target version needs that today's defaults or tests do not provide."""
    spec = current.resource.spec_as(EmailTemplateSpec)
    compiled = {}
    for part in PARTS:
        source = target.content.part(part)
        if source is None:
            continue
        try:
            compiled[part] = parse_cached(source, part)
        except TemplateError as exc:
            return [f"{part} does not parse at {exc.line}:{exc.column}: {exc.reason}"]
    datasets: list[tuple[str, Mapping[str, Any]]] = [("defaults", template_data(spec.defaults))]
    for index, test in enumerate(spec.tests):
        datasets.append((f"tests[{index}]", template_data(spec.defaults, test.data)))
    problems: list[str] = []
    for label, data in datasets:
        missing, _failures = find_missing(compiled, data)
        for item in missing:
            problems.append(f"{item.variable} ({item.part}, not in {label})")
    return sorted(set(problems))


def prepare(history: History, ref: str, *, force: bool = False) -> RollbackPlan:
    """What a rollback of ``history`` to ``ref`` would write; raises RollbackRefused."""
    target = history.find(ref)
    current = history.current
    if target.content == current.content and target.revision_digest == current.revision_digest:
        raise RollbackRefused(f"{history.address} is already at {target.label}: nothing to roll back")
    if not force:
        missing = senders_missing(target, current)
        if missing:
            raise RollbackRefused(
                f"{history.address} {target.label} needs variables the senders no longer pass: "
                + "; ".join(missing),
                hint="Add them to the template's defaults/tests if senders pass them, or pick another version.",
            )
    assert target.commit is not None, "a rollback target is always a committed version"
    plan = RollbackPlan(history.address, target, current)
    root = history.repo_root
    old_file = git.show_file(root, target.commit.sha, target.manifest).decode("utf-8")
    old_start, old_end = _span_at(old_file, target.resource.line)
    old_document = old_file[old_start:old_end]

    current_path = root / current.manifest
    current_text = current_path.read_text(encoding="utf-8")
    # The old document goes where the template is declared now (it may have moved files since);
    # the rest of that file, comments included, stays as it is.
    start, end = _span_at(current_text, current.resource.line)
    plan.writes[current_path] = current_text[:start] + old_document + current_text[end:]
    for rel in target.body_files.values():
        data = git.show_file(root, target.commit.sha, rel)
        plan.writes[root / rel] = data.decode("utf-8")
    # Only what actually changes is written (and listed to the user).
    plan.writes = {
        p: text for p, text in plan.writes.items() if not p.exists() or p.read_bytes() != text.encode("utf-8")
    }
    kept = set(target.body_files.values())
    plan.orphaned = sorted(p for p in current.body_files.values() if p not in kept)
    return plan


def write(plan: RollbackPlan, path: Path | None, env: str | None) -> None:
    """Write the files, then load them with the real loader: if the template does not validate,
    every file is put back as it was and the rollback is refused."""
    originals: dict[Path, bytes | None] = {
        p: (p.read_bytes() if p.exists() else None) for p in plan.writes
    }
    try:
        for target_path, text in plan.writes.items():
            target_path.parent.mkdir(parents=True, exist_ok=True)
            write_text(target_path, text, "the rolled-back file")
        _state, problems = collect(path, env)
        errors = [d for d in problems if d.is_error and d.address == plan.address]
        if errors:
            raise RollbackRefused(
                f"{plan.address} {plan.target.label} does not validate any more: "
                + "; ".join(f"{d.location}: {d.code} {d.summary}" for d in errors[:5]),
                hint="Nothing was changed. Fix the template by hand from `sesctl diff`.",
            )
    except BaseException:
        for original_path, content in originals.items():
            if content is None:
                original_path.unlink(missing_ok=True)
            else:
                original_path.write_bytes(content)
        raise


__all__ = [
    "RollbackPlan",
    "RollbackRefused",
    "document_spans",
    "prepare",
    "senders_missing",
    "write",
]
