"""The plan as text, in Terraform's idiom: ``+`` create (green), ``~`` update (yellow),
``-`` delete (red), ``-/+`` replace; field-level ``before -> after``; template parts as
unified diffs; risk notes; unmanaged resources; one summary line.

Colour is applied with ANSI codes only when ``color`` is true (the CLI turns it off for
``--no-color`` and when stdout is not a terminal). The codes are written here, not with click:
the engine is below the CLI and must not import it (the MCP server renders plans too).
"""

from __future__ import annotations

import json
from typing import Any

from reconciler.engine.personal import masked
from reconciler.engine.plan import FieldChange, Plan, ResourceChange, hidden_in_review
from reconciler.engine.staleness import detail_lines, headline

NO_CHANGES = "No changes. Live SES matches the manifests."
NO_CHANGES_STALE = "No changes in what was re-read; objects not re-read are listed above."
TEXT_STALE_LIMIT = 20  # objects not re-read listed by name (the JSON form lists every one)
_COLOURS = {"+": "green", "~": "yellow", "-": "red", "-/+": "magenta"}
_HEADLINE = {
    "+": "will be created",
    "~": "will be updated in place",
    "-": "will be deleted",
    "-/+": "must be replaced",
}
_SEVERITY_COLOUR = {"high": "red", "medium": "yellow", "low": "cyan"}
_ANSI = {"red": 31, "green": 32, "yellow": 33, "magenta": 35, "cyan": 36}


def ansi(text: str, fg: str | None = None, bold: bool = False) -> str:
    """``text`` in colour ``fg``, bold or not (22: normal intensity), then reset: the same SGR
    codes click.style writes, so the coloured plan is what it was."""
    colour = f"\x1b[{_ANSI[fg]}m" if fg else ""
    return f"{colour}\x1b[{1 if bold else 22}m{text}\x1b[0m"


def summary_line(plan: Plan) -> str:
    s = plan.summary()
    return (
        f"Plan: {s['create']} to create, {s['update']} to update, "
        f"{s['delete']} to delete, {s['replace']} to replace."
    )


def render_text(plan: Plan, *, color: bool = False) -> str:
    def style(text: str, fg: str | None = None, bold: bool = False) -> str:
        return ansi(text, fg, bold) if color else text

    out: list[str] = []
    for d in plan.diagnostics:
        where = f"{d.location}: " if d.location else ""
        out.append(
            style(f"Warning: {where}{d.code} {d.address + ': ' if d.address else ''}{d.summary}", "yellow")
        )
    if plan.diagnostics:
        out.append("")
    if plan.targets:
        out.append(
            style("Targeted plan: only " + ", ".join(plan.targets) + " and what they depend on.", bold=True)
        )
        out.append("")

    if plan.refresh is not None:
        out.append(style(headline(plan.refresh), "yellow" if plan.stale else None, bold=True))
        out.extend(f"    {line}" for line in detail_lines(plan.refresh, TEXT_STALE_LIMIT))
        out.append("")

    if plan.has_changes:
        out.append("sesctl will perform the following actions:")
        out.append("")
        for change in plan.changes:
            out.extend(_render_change(masked(change), style))
            out.append("")
    if plan.unmanaged:
        out.append(style("Unmanaged (not owned by this stack; never changed):", bold=True))
        out.extend(f"    {address}" for address in plan.unmanaged)
        out.append("")
    if plan.pending_prune:
        out.append(
            style(
                f"Would be pruned (owned by stack {plan.stack!r}, no longer in the manifests; pass --prune):",
                bold=True,
            )
        )
        out.extend(f"    {style('-', 'red')} {address}" for address in plan.pending_prune)
        out.append("")
    if plan.has_changes:
        out.append(style(summary_line(plan), bold=True))
    else:
        out.append(style(NO_CHANGES_STALE, "yellow", bold=True) if plan.stale else style(NO_CHANGES, "green", bold=True))
    return "\n".join(out) + "\n"


def _render_change(change: ResourceChange, style: Any) -> list[str]:
    sym = change.symbol
    colour = _COLOURS.get(sym)
    lines = [style(f"  # {change.address} {_HEADLINE.get(sym, '')}", bold=True)]
    if change.reason and (change.is_delete or change.is_replace):
        lines[0] += style(f" ({change.reason.replace('_', ' ')})")
    lines.append(style(f"{sym:>3} {change.address}", colour))
    diffed = {t.part for t in change.text_diffs}
    for f in change.fields:
        if f.path in diffed or hidden_in_review(change.actions, f.op, f.before, f.after):
            continue
        lines.append(_render_field(f, style))
    for t in change.text_diffs:
        mark = style("+", "green") if change.is_create else style("~", "yellow")
        lines.append(f"      {mark} {t.part}:")
        for line in t.diff.rstrip("\n").split("\n"):
            fg = None
            if line.startswith(("+++", "---")):
                fg = None
            elif line.startswith("+"):
                fg = "green"
            elif line.startswith("-"):
                fg = "red"
            elif line.startswith("@@"):
                fg = "cyan"
            lines.append("          " + style(line, fg))
    for risk in change.risks:
        lines.append(
            "      "
            + style(f"! {risk.severity} risk ({risk.code}):", _SEVERITY_COLOUR.get(risk.severity), bold=True)
            + f" {risk.message}"
        )
    return lines


def _render_field(f: FieldChange, style: Any) -> str:
    note = style("  # forces replacement", "magenta") if f.forces_replacement else ""
    if f.op == "add":
        return f"      {style('+', 'green')} {f.path} = {_value(f.after)}{note}"
    if f.op == "remove":
        return f"      {style('-', 'red')} {f.path} = {_value(f.before)}{note}"
    return f"      {style('~', 'yellow')} {f.path}: {_value(f.before)} -> {_value(f.after)}{note}"


def _value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
