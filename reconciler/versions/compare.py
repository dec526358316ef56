"""What changed between two versions of a template: line diffs of each part and the change of
its variable contract (what senders must pass)."""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.templates import required_variables
from reconciler.templates.diff import line_diff
from reconciler.versions.history import PARTS, TemplateContent


@dataclass(frozen=True)
class ContractChange:
    added: frozenset[str]  # required now, not before: senders must start passing these
    removed: frozenset[str]  # no longer required

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


@dataclass(frozen=True)
class VersionDiff:
    before_label: str
    after_label: str
    parts: dict[str, str]  # part -> unified diff ("" when unchanged)
    contract: ContractChange | None  # None when a side does not parse

    @property
    def changed(self) -> bool:
        return any(self.parts.values())


def contract_of(content: TemplateContent) -> frozenset[str] | None:
    return required_variables({part: content.part(part) for part in PARTS})


def compare(before: TemplateContent, after: TemplateContent, before_label: str, after_label: str) -> VersionDiff:
    parts = {part: line_diff(before.part(part), after.part(part), part) for part in PARTS}
    old, new = contract_of(before), contract_of(after)
    contract = None if old is None or new is None else ContractChange(new - old, old - new)
    return VersionDiff(before_label, after_label, parts, contract)


def render_diff(diff: VersionDiff) -> str:
    """The diff as text: a header, each changed part's unified diff, the contract change."""
    lines = [f"{diff.before_label} -> {diff.after_label}"]
    if not diff.changed:
        lines.append("No differences in subject, html or text.")
    for text in diff.parts.values():
        if text:
            lines.append("")
            lines.append(text.rstrip("\n"))
    if diff.contract is not None and diff.contract.changed:
        lines.append("")
        lines.append("Variable contract:")
        lines += [f"  + {name}  (now required: senders must pass it)" for name in sorted(diff.contract.added)]
        lines += [f"  - {name}  (no longer required)" for name in sorted(diff.contract.removed)]
    return "\n".join(lines) + "\n"


__all__ = ["ContractChange", "VersionDiff", "compare", "contract_of", "render_diff"]
