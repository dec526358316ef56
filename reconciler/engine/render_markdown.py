"""The plan's Markdown form: the pull-request comment, the job summary and ``plan --markdown``.

Input is a :class:`~reconciler.engine.plan.Plan` (a plan file is read into one by
reconciler/engine/planfile.py). The output is GitHub-flavoured Markdown that always stays well
formed (every ``<details>`` closed, every code fence closed) and never exceeds ``max_chars``:

1. render everything;
2. too long: fold the largest resources first (their field tables and diffs go, their address,
   action and counts stay), until it fits;
3. still too long: keep the headline, the destroy banner and the risks, list as many changes as
   fit, and point to the full plan (job summary, uploaded artifact) for the rest.

Atlantis splits long plans into a flood of comments and others cut the text mid-block; both
are what users complain about (anchors-iac-gitops.md, section 4).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.engine.personal import masked
from reconciler.engine.plan import FieldChange, Plan, PlanDiagnostic, ResourceChange, hidden_in_review
from reconciler.engine.staleness import headline, listing, summary_lines
from reconciler.kinds.base import Risk

GITHUB_COMMENT_LIMIT = 65536
MARKER_PREFIX = "sesctl-plan:"
META_PREFIX = "sesctl-meta "

_ACTION_ORDER = ("create", "update", "replace", "delete")
_SYMBOL = {"create": "+", "update": "~", "replace": "-/+", "delete": "-"}
_VERB = {"create": "create", "update": "update", "replace": "replace", "delete": "delete"}
_MAX_VALUE_CHARS = 300  # one table cell
_MAX_DIFF_CHARS = 20_000  # one template part's diff, before any folding
MARKDOWN_STALE_LIMIT = 50  # objects not re-read listed by name (the JSON form lists every one)
_ZWSP = "\u200b"
_REASONS = {  # the engine's reason codes (engine/plan.py Reason) in words
    "not_in_live": "not in the account yet",
    "differs_from_manifests": "the account differs from the manifests",
    "cannot_update_in_place": "a changed field cannot be updated in place",
    "removed_from_manifests": "removed from the manifests",
}


def plan_marker(stack: str, environment: str) -> str:
    """The hidden line that identifies the one comment per stack/environment."""
    return f"<!-- {MARKER_PREFIX}{stack}/{environment} -->"


def change_action(change: ResourceChange) -> str:
    """``create`` | ``update`` | ``delete`` | ``replace`` (a replace is ``["delete", "create"]``)."""
    return "replace" if change.is_replace else str(change.actions[0])


def render_markdown(
    plan: Plan,
    *,
    max_chars: int = GITHUB_COMMENT_LIMIT,
    details_url: str | None = None,
    extra_meta: Mapping[str, str] | None = None,
) -> str:
    """Render a plan as Markdown no longer than ``max_chars``.

    ``details_url`` (e.g. the Actions run) is linked when the body has to be folded or cut;
    ``extra_meta`` lands in the hidden metadata line (the GitHub comment records the head sha).

    >>> body = render_markdown(Plan(stack="s", environment="prod"))
    >>> body.splitlines()[0]
    '<!-- sesctl-plan:s/prod -->'
    """
    view = _PlanView(plan)
    full = _assemble(view, fold=set(), details_url=details_url, extra_meta=extra_meta)
    if len(full) <= max_chars:
        return full
    # Fold the biggest resources first: they buy the most room for the least information.
    # Sizes are tracked arithmetically (every part is joined as "text\n"), then checked once.
    open_len = [len(_change_block(c, folded=False).rstrip("\n")) + 1 for c in view.changes]
    shut_len = [len(_change_block(c, folded=True).rstrip("\n")) + 1 for c in view.changes]

    # Deletes and risky changes keep their details longest; then the largest fold first, and
    # among equals the ones lower in the list, so the top of the comment stays detailed.
    def fold_rank(i: int) -> tuple[bool, int, int]:
        change = view.changes[i]
        important = change.destroys or bool(change.risks)
        return (important, -(open_len[i] - shut_len[i]), -i)

    order = sorted(range(len(view.changes)), key=fold_rank)
    size = len(full)
    folded: set[int] = set()
    for index in order:
        folded.add(index)
        size -= open_len[index] - shut_len[index]
        note = len(_fold_note(len(folded), details_url, view.environment).rstrip("\n")) + 1
        if size + note <= max_chars:
            body = _assemble(view, fold=folded, details_url=details_url, extra_meta=extra_meta)
            if len(body) <= max_chars:
                return body
    return _truncated(view, max_chars=max_chars, details_url=details_url, extra_meta=extra_meta)


def render_failure(
    stack: str,
    environment: str,
    log: str,
    *,
    max_chars: int = GITHUB_COMMENT_LIMIT,
    details_url: str | None = None,
    extra_meta: Mapping[str, str] | None = None,
) -> str:
    """The comment when validate or plan failed: it replaces the last plan, which is now stale.

    Its metadata carries no checksum, so the merge guard refuses until a plan succeeds.
    """
    run = f" ([workflow run]({details_url}))" if details_url else ""
    head = (
        _hidden_lines(stack, environment, {"checksum": "", **(extra_meta or {})})
        + f"## sesctl plan · `{_inline(stack)}` / `{_inline(environment)}`\n\n"
        "> [!CAUTION]\n"
        f"> **The plan failed**{run}. Nothing below has been reviewed; fix the errors and push again.\n\n"
    )
    log = re.sub(r"\x1b\[[0-9;]*m", "", log)  # colour codes from a terminal-minded command
    room = max(max_chars - len(head) - 64, 0)
    if len(log) > room:  # keep the end, where the errors are; cut at a line start
        tail = log[len(log) - room + 20 :]
        log = "… (start cut)\n" + tail.split("\n", 1)[-1]
    fence = fence_for(log)
    return f"{head}{fence}text\n{log.rstrip(chr(10))}\n{fence}\n"


class _PlanView:
    """What the Markdown form shows of a Plan, with its defaults ("default" for no environment)."""

    def __init__(self, plan: Plan) -> None:
        self.stack = plan.stack or "default"
        self.environment = plan.environment or "default"
        self.region = plan.region
        self.checksum = plan.checksum
        self.live_fingerprint = plan.live_fingerprint
        self.tool_version = plan.tool_version
        self.changes = tuple(masked(c) for c in plan.changes)  # personal data masked
        self.unmanaged = plan.unmanaged
        self.pending_prune = plan.pending_prune
        self.diagnostics = plan.diagnostics
        self.summary = plan.summary()
        self.destroyed = [c for c in self.changes if c.destroys]
        self.risks = [(c.address, r) for c in self.changes for r in c.risks]
        self.refresh = plan.refresh
        self.stale = plan.stale


# ---------------------------------------------------------------- assembly


def _assemble(
    view: _PlanView,
    *,
    fold: set[int],
    details_url: str | None,
    extra_meta: Mapping[str, str] | None,
) -> str:
    parts = [_head(view, extra_meta)]
    if view.changes:
        parts.append(_banner(view.destroyed))
        parts.append(_risk_notes(view.risks))
        parts.append("### Changes\n")
        parts.extend(_change_block(c, folded=i in fold) for i, c in enumerate(view.changes))
        if fold:
            parts.append(_fold_note(len(fold), details_url, view.environment))
    parts.append(_address_list("pending", view.pending_prune))
    parts.append(_address_list("unmanaged", view.unmanaged))
    parts.append(_not_refreshed(view))
    parts.append(_diagnostics(view.diagnostics))
    parts.append(_footer(view))
    return _join(parts)


def _truncated(
    view: _PlanView,
    *,
    max_chars: int,
    details_url: str | None,
    extra_meta: Mapping[str, str] | None,
) -> str:
    """Last resort: every list is cut to what fits, each with an "... and N more" line."""
    head = _head(view, extra_meta)
    footer = _footer(view)
    notice = _truncation_note(details_url, view.environment)
    budget = max_chars - len(head) - len(footer) - len(notice) - 16  # joins between parts
    sections: list[str] = []
    for title, items in (
        ("destroy", [_destroy_item(c) for c in view.destroyed]),
        ("risks", [_risk_item(a, r) for a, r in view.risks]),
        ("changes", [_compact_change(c) for c in view.changes]),
        ("pending", [f"- {_code(a)}" for a in view.pending_prune]),
        ("unmanaged", [f"- {_code(a)}" for a in view.unmanaged]),
    ):
        if not items:
            continue
        section = _fit_list(_LIST_FRAMES[title], items, budget)
        if section is None:
            break
        sections.append(section)
        budget -= len(section) + 2
    body = _join([head, *sections, notice, footer])
    if len(body) > max_chars:
        # Only when max_chars is smaller than the headline itself: keep it whole and well formed.
        body = _join([head, notice, footer])
    return body


def _fit_list(opening: str, items: Sequence[str], budget: int) -> str | None:
    """``opening`` + as many items as fit + "... and N more", or None if none fit.

    Inside a blockquote (an opening that starts with ">") every line gets the "> " prefix.
    """
    prefix = "> " if opening.startswith(">") else ""
    fixed = len(opening) + 2
    chosen: list[str] = []
    used = fixed
    for item in items:
        more = len(prefix) + len(_and_more(len(items) - len(chosen) - 1))
        if used + len(prefix) + len(item) + 1 + more + 1 > budget:
            break
        chosen.append(prefix + item)
        used += len(prefix) + len(item) + 1
    if not chosen:
        return None
    lines = [*chosen]
    if len(chosen) < len(items):
        lines.append(prefix + _and_more(len(items) - len(chosen)))
    return opening + "\n".join(lines) + "\n"


def _and_more(count: int) -> str:
    return f"- … and {count} more (see the full plan)" if count > 0 else ""


_LIST_FRAMES: dict[str, str] = {  # the heading of each list, when lists are cut to fit
    "destroy": "> [!CAUTION]\n> **This plan deletes or replaces resources:**\n>\n",
    "risks": "> [!WARNING]\n> **Risks**\n>\n",
    "changes": "### Changes\n\n",
    "pending": "### Left in place (removed from manifests; `--prune` is off)\n\n",
    "unmanaged": "### Unmanaged (in the account, not in manifests; left alone)\n\n",
}


def _join(parts: Sequence[str]) -> str:
    return "\n".join(p.rstrip("\n") + "\n" for p in parts if p)


# ---------------------------------------------------------------- sections


def _head(view: _PlanView, extra_meta: Mapping[str, str] | None) -> str:
    meta = {"checksum": view.checksum, "live_fingerprint": view.live_fingerprint, **(extra_meta or {})}
    where = f"`{_inline(view.stack)}` / `{_inline(view.environment)}`"
    if view.region:
        where += f" ({_inline(view.region)})"
    lines = [
        _hidden_lines(view.stack, view.environment, meta).rstrip("\n"),
        f"## sesctl plan · {where}",
        "",
        _headline(view),
    ]
    if view.refresh is not None:
        lines += ["", f"> {'⚠️ ' if view.stale else ''}**{_text(headline(view.refresh))}**"]
        lines += [f"> - {_text(line)}" for line in summary_lines(view.refresh)]
    if view.changes:
        lines += ["", *_kind_table(view.changes)]
    return "\n".join(lines) + "\n"


def _not_refreshed(view: _PlanView) -> str:
    """The objects the plan did not re-read, most urgent first, folded."""
    if view.refresh is None or view.refresh.complete:
        return ""
    items, more = listing(view.refresh, MARKDOWN_STALE_LIMIT)
    lines = ["<details><summary>Not re-read (most urgent, then stalest, first)</summary>", ""]
    lines += [f"- {_text(mark)} {_code(address)} {_text(what)}" for mark, address, what in items]
    if more > 0:
        lines.append(f"- … and {more:,} more (the plan's JSON lists them all)")
    lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def _hidden_lines(stack: str, environment: str, meta: Mapping[str, str]) -> str:
    """The marker that finds the comment again, and the metadata the merge guard reads."""
    meta_json = json.dumps(dict(meta), sort_keys=True).replace("--", "\\u002d\\u002d")  # "--" ends a comment
    return f"{plan_marker(stack, environment)}\n<!-- {META_PREFIX}{meta_json} -->\n"


def _headline(view: _PlanView) -> str:
    counts = view.summary  # the Plan's own counts, the ones the text form and the JSON show
    tail = []
    if counts["no_op"]:
        tail.append(f"{counts['no_op']} unchanged")
    if counts["unmanaged"]:
        tail.append(f"{counts['unmanaged']} unmanaged")
    if counts["pending_prune"]:
        tail.append(f"{counts['pending_prune']} left in place (prune off)")
    extra = f" ({', '.join(tail)})" if tail else ""
    if not view.changes and view.stale:
        return f"**No changes in what was re-read.** Objects not re-read are counted below{extra}."
    if not view.changes:
        return f"**No changes.** The account matches the manifests{extra}."
    text = ", ".join(f"{counts[a]} to {_VERB[a]}" for a in _ACTION_ORDER)
    return f"**Plan: {text}.**{extra}"


def _kind_table(changes: Sequence[ResourceChange]) -> list[str]:
    per_kind: dict[str, dict[str, int]] = {}
    for change in changes:
        row = per_kind.setdefault(change.kind, dict.fromkeys(_ACTION_ORDER, 0))
        row[change_action(change)] += 1
    lines = ["| Kind | create | update | replace | delete |", "|---|---:|---:|---:|---:|"]
    for kind in sorted(per_kind):
        row = per_kind[kind]
        cells = " | ".join(str(row[a]) if row[a] else "·" for a in _ACTION_ORDER)
        lines.append(f"| {_inline(kind)} | {cells} |")
    return lines


def _banner(destroyed: Sequence[ResourceChange]) -> str:
    if not destroyed:
        return ""
    noun = "resource" if len(destroyed) == 1 else "resources"
    lines = [
        "> [!CAUTION]",
        f"> **This plan deletes or replaces {len(destroyed)} {noun}:**",
        ">",
        *(f"> {_destroy_item(c)}" for c in destroyed),
    ]
    return "\n".join(lines) + "\n"


def _destroy_item(change: ResourceChange) -> str:
    why = f" ({_reason(change.reason)})" if change.reason else ""
    return f"- {_code(change.address)} will be **{change_action(change)}d**{why}"


def _risk_notes(risks: Sequence[tuple[str, Risk]]) -> str:
    if not risks:
        return ""
    lines = ["> [!WARNING]", "> **Risks**", ">", *(f"> {_risk_item(a, r)}" for a, r in risks)]
    return "\n".join(lines) + "\n"


def _risk_item(address: str, risk: Risk) -> str:
    return f"- {_code(address)} · {_text(risk.severity)} · `{_inline(risk.code)}`: {_text(risk.message)}"


def _change_block(change: ResourceChange, *, folded: bool) -> str:
    if folded:
        return _compact_change(change) + " · _details folded to fit_\n"
    summary = _summary_line(change)
    body: list[str] = []
    if change.reason:
        body.append(f"Why: {_reason(change.reason)}")
    # A template part with a line diff is shown as the diff, not again as a one-line JSON value.
    diffed = {d.part for d in change.text_diffs}
    table_fields = [f for f in _shown_fields(change) if f.path not in diffed]
    if table_fields:
        body.append(_field_table(table_fields))
    for diff in change.text_diffs:
        body.append(_diff_block(diff.part, diff.diff))
    if not body:
        body.append("_No field-level detail._")
    inner = "\n\n".join(b.rstrip("\n") for b in body)
    return f"<details><summary>{summary}</summary>\n\n{inner}\n\n</details>\n"


def _summary_line(change: ResourceChange) -> str:
    action = change_action(change)
    address = html.escape(change.address)
    source = change.source
    where = ""
    if source is not None and source.file:
        where = f" · {html.escape(source.file)}"
        if source.line:
            where += f":{source.line}"
    return f"<code>{_SYMBOL[action]} {_no_mention(address)}</code> {action}{_detail_counts(change)}{where}"


def _compact_change(change: ResourceChange) -> str:
    action = change_action(change)
    address = _code(_SYMBOL[action] + " " + change.address)
    return f"- {address} {action}{_detail_counts(change)}"


def _detail_counts(change: ResourceChange) -> str:
    """ " (2 fields, 1 template diff)": what a reader would find in the details, even when folded."""
    counts = []
    for number, noun in ((len(_shown_fields(change)), "field"), (len(change.text_diffs), "template diff")):
        if number:
            counts.append(f"{number} {noun}{'s' if number != 1 else ''}")
    return f" ({', '.join(counts)})" if counts else ""


def _shown_fields(change: ResourceChange) -> list[FieldChange]:
    """The field changes a reviewer reads (the same rule as the text form: no ``tags = {}`` on a create)."""
    return [f for f in change.fields if not hidden_in_review(change.actions, f.op, f.before, f.after)]


def _field_table(fields: Sequence[FieldChange]) -> str:
    lines = ["| Field | Before | After |", "|---|---|---|"]
    for item in fields:
        before = "—" if item.op == "add" else _cell(item.before)
        after = "—" if item.op == "remove" else _cell(item.after)
        path = _cell_text(item.path)
        mark = " ⚠ forces replacement" if item.forces_replacement else ""
        lines.append(f"| <code>{path}</code>{mark} | {before} | {after} |")
    return "\n".join(lines) + "\n"


def _cell(value: Any) -> str:
    # JSON for every value: quotes show strings apart from numbers, null from "null".
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    if len(text) > _MAX_VALUE_CHARS:
        text = text[:_MAX_VALUE_CHARS] + "…"
    return f"<code>{_cell_text(text)}</code>"


def _cell_text(text: str) -> str:
    # Inside a table cell a raw "|" ends the cell, even within a code span; entities do not.
    escaped = html.escape(text, quote=False).replace("|", "&#124;").replace("\n", "<br>")
    return _no_mention(escaped)


def _diff_block(part: str, diff: str) -> str:
    if len(diff) > _MAX_DIFF_CHARS:
        kept = diff[:_MAX_DIFF_CHARS].rsplit("\n", 1)[0]
        dropped = diff.count("\n") - kept.count("\n")
        diff = kept + f"\n… diff cut here ({dropped} more lines in the full plan)"
    fence = fence_for(diff)
    return f"**{_text(part)}**\n\n{fence}diff\n{diff.rstrip(chr(10))}\n{fence}\n"


def fence_for(text: str) -> str:
    """A backtick fence longer than any backtick run inside, so the block cannot end early."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _fold_note(count: int, details_url: str | None, environment: str) -> str:
    where = _full_plan_pointer(details_url, environment)
    noun = "resource was" if count == 1 else "resources were"
    return f"<sub>Details of {count} {noun} folded to stay under GitHub's comment limit; {where}.</sub>\n"


def _truncation_note(details_url: str | None, environment: str) -> str:
    return (
        "> [!NOTE]\n"
        f"> This plan is too large for one GitHub comment, so it is cut short here: {_full_plan_pointer(details_url, environment)}.\n"
    )


def _full_plan_pointer(details_url: str | None, environment: str) -> str:
    # The composite action (action.yml) uploads the plan as the artifact "sesctl-plan-<environment>".
    run = f"[the workflow run]({details_url})" if details_url else "the workflow run"
    return (
        f"the full plan is in the job summary and the `sesctl-plan-{_inline(environment)}` artifact of {run}"
    )


def _address_list(frame: str, addresses: Sequence[str]) -> str:
    if not addresses:
        return ""
    return _LIST_FRAMES[frame] + "\n".join(f"- {_code(a)}" for a in addresses) + "\n"


def _diagnostics(diagnostics: Sequence[PlanDiagnostic]) -> str:
    if not diagnostics:
        return ""
    shown = diagnostics[:20]
    lines = ["<details><summary>Diagnostics</summary>", ""]
    for d in shown:
        where = f" ({_code(d.location)})" if d.location else ""
        lines.append(f"- `{_inline(d.code)}` {_text(d.severity)}: {_text(d.summary)}{where}")
    if len(diagnostics) > len(shown):
        lines.append(f"- … and {len(diagnostics) - len(shown)} more")
    lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def _footer(view: _PlanView) -> str:
    bits = [f"Plan checksum `{_inline(view.checksum or 'none')}`"]
    if view.tool_version:
        bits.append(f"sesctl {_inline(view.tool_version)}")
    return "<sub>" + " · ".join(bits) + "</sub>\n"


# ---------------------------------------------------------------- text helpers


def _reason(reason: str) -> str:
    return _text(_REASONS.get(reason, reason))


def _code(text: str) -> str:
    """Inline code that survives any content (names come from users' manifests)."""
    return f"<code>{_no_mention(html.escape(text, quote=False))}</code>"


def _inline(text: str) -> str:
    """Text for a backtick span: backticks and newlines removed."""
    return text.replace("`", "'").replace("\n", " ")


def _text(text: str) -> str:
    """Free text (risk messages, reasons): no HTML, no Markdown structure, no @mentions."""
    escaped = html.escape(text.replace("\n", " "), quote=False)
    escaped = re.sub(r"([\\`*_\[\]|#])", r"\\\1", escaped)
    return _no_mention(escaped)


def _no_mention(text: str) -> str:
    # "ops@example.com" in a comment must not ping the GitHub user "example".
    return text.replace("@", "@" + _ZWSP)


@dataclass(frozen=True)
class Wellformedness:
    """What :func:`check_wellformed` found; tests and the CLI use it as a last guard."""

    open_details: int
    open_fence: bool

    @property
    def ok(self) -> bool:
        return self.open_details == 0 and not self.open_fence


def check_wellformed(markdown: str) -> Wellformedness:
    """Count ``<details>`` outside code fences and check every fence is closed."""
    depth = 0
    fence: str | None = None
    for line in markdown.splitlines():
        stripped = line.strip()
        match = re.match(r"^(`{3,})", stripped)
        if fence is None and match:
            fence = match.group(1)
            continue
        if fence is not None:
            if stripped == fence or (stripped.startswith(fence) and not stripped.strip("`")):
                fence = None
            continue
        depth += len(re.findall(r"<details>", line)) - len(re.findall(r"</details>", line))
    return Wellformedness(open_details=depth, open_fence=fence is not None)
