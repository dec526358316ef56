"""Template experiments as use cases: the variants a send uses, the status read from the event
store, and promoting the winner into the manifests (for a pull request)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from reconciler.errors import UsageError
from reconciler.experiments.results import EXPERIMENT_TAG, VariantCounts, arms, read_counts
from reconciler.experiments.verdict import WINNER, Verdict, decide
from reconciler.files import write_text
from reconciler.kinds.specs.template_experiment import TemplateExperimentSpec
from reconciler.manifest import load_manifests
from reconciler.manifest.model import Resource
from reconciler.sending.recipients import Recipient, read_recipients
from reconciler.sending.variants import Variant, held_out
from reconciler.versions.rollback import document_spans

KIND = "TemplateExperiment"


@dataclass(frozen=True)
class ExperimentStatus:
    name: str
    spec: TemplateExperimentSpec
    counts: list[VariantCounts]
    verdict: Verdict


def find(path: Path | None, env: str | None, name: str) -> Resource:
    state = load_manifests(path, env)
    experiments = [r for r in state.resources if r.kind == KIND]
    for resource in experiments:
        if name in (resource.name, resource.ses_name):
            return resource
    known = ", ".join(r.name for r in experiments) or "none"
    raise UsageError(f"no TemplateExperiment named {name!r} in the manifests (experiments: {known})")


@dataclass(frozen=True)
class ExperimentSend:
    variants: tuple[Variant, ...]
    tags: dict[str, str]  # tagged on every message
    holdout_percent: float  # sent nothing (0 once a winner is promoted: everyone gets it)


def send_arms(path: Path | None, env: str | None, name: str) -> ExperimentSend:
    """What `sesctl send --experiment NAME` sends; a promoted experiment sends its winner only,
    to everyone (still tagged, so its results keep accruing to the same experiment)."""
    spec = find(path, env, name).spec_as(TemplateExperimentSpec)
    chosen = [v for v in spec.variants if spec.winner in (None, v.name)]
    variants = tuple(Variant(v.name, v.template, v.weight) for v in chosen)
    return ExperimentSend(variants, {EXPERIMENT_TAG: name}, 0.0 if spec.winner else spec.holdout)


def holdout_rows(path: Path | None, env: str | None, name: str, recipients: Path) -> Iterator[Recipient]:
    """The recipients of ``recipients`` that the experiment's holdout keeps from every send (the
    same on every run: a hash of the address)."""
    spec = find(path, env, name).spec_as(TemplateExperimentSpec)
    if not spec.holdout:
        raise UsageError(f"experiment {name!r} has no holdout (set spec.holdout: PERCENT)")
    for recipient in read_recipients(recipients):
        if held_out(recipient.email, spec.holdout):
            yield recipient


def status(path: Path | None, env: str | None, name: str, store: Path) -> ExperimentStatus:
    spec = find(path, env, name).spec_as(TemplateExperimentSpec)
    counts = read_counts(store, name, [v.name for v in spec.variants], spec.conversion_link)
    verdict = decide(arms(counts, spec.metric), confidence=spec.confidence, min_sample=spec.min_sample_per_variant)
    return ExperimentStatus(name, spec, counts, verdict)


def promote(path: Path | None, env: str | None, name: str, store: Path, winner: str | None = None) -> tuple[Path, str]:
    """Write ``winner: X`` into the experiment's manifest document. Without an explicit
    ``winner``, only a variant the statistics call the winner is written."""
    resource = find(path, env, name)
    spec = resource.spec_as(TemplateExperimentSpec)
    names = [v.name for v in spec.variants]
    if winner is None:
        verdict = status(path, env, name, store).verdict
        if verdict.state != WINNER or verdict.winner is None:
            raise UsageError(
                f"no winner to promote: {verdict.message}",
                hint="Wait for more data, or name the variant with --winner if you decide without a test.",
            )
        winner = verdict.winner
    if winner not in names:
        raise UsageError(f"{winner!r} is not a variant of {name} ({', '.join(names)})")
    if resource.document_path is None:
        raise UsageError(f"{resource.address}: cannot tell which file declares it")
    file = resource.document_path
    text = file.read_text(encoding="utf-8")
    for start, end, first_line in reversed(document_spans(text)):
        if first_line <= resource.line:
            document = _with_winner(text[start:end], winner)
            write_text(file, text[:start] + document + text[end:], "the manifest")
            return file, winner
    raise UsageError(f"{resource.address}: its document was not found in {file}")


_SPEC_KEY = re.compile(r"^spec:[ \t]*(#.*)?$")
_WINNER_KEY = re.compile(r"^(?P<indent>[ \t]+)winner:.*$")


def _with_winner(document: str, winner: str) -> str:
    """The document with ``spec.winner`` set, edited as text so comments and layout stay; a
    document whose spec is not a block mapping is written out again (its comments are lost)."""
    lines = document.split("\n")
    spec_at = next((i for i, line in enumerate(lines) if _SPEC_KEY.match(line)), None)
    if spec_at is not None:
        body = [i for i in range(spec_at + 1, len(lines)) if lines[i].strip() and not lines[i].lstrip().startswith("#")]
        inside = [i for i in body if lines[i][:1] in (" ", "\t")]
        if inside:
            indent = re.match(r"[ \t]*", lines[inside[0]]).group(0)  # type: ignore[union-attr]
            for i in inside:
                found = _WINNER_KEY.match(lines[i])
                if found and found.group("indent") == indent:
                    lines[i] = f"{indent}winner: {json.dumps(winner)}"
                    return "\n".join(lines)
            lines.insert(inside[-1] + 1, f"{indent}winner: {json.dumps(winner)}")
            return "\n".join(lines)
    parsed = yaml.safe_load(document)
    parsed.setdefault("spec", {})["winner"] = winner
    prefix = "---\n" if document.lstrip().startswith("---") else ""
    return prefix + yaml.safe_dump(parsed, sort_keys=False, allow_unicode=True)


__all__ = ["ExperimentSend", "ExperimentStatus", "find", "holdout_rows", "promote", "send_arms", "status"]
