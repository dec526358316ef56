"""Readable diffs of template parts for plan output: unified line diffs, never one long
changed string."""

from __future__ import annotations

import difflib


def line_diff(before: str | None, after: str | None, part: str, *, context: int = 3) -> str:
    """A unified diff of one template part (``subject``, ``html``, ``text``), labelled
    ``a/<part>`` and ``b/<part>``; "" when unchanged. None means the part is absent."""
    if before == after:
        return ""
    old = (before or "").splitlines(keepends=True)
    new = (after or "").splitlines(keepends=True)
    lines = difflib.unified_diff(
        old,
        new,
        fromfile="/dev/null" if before is None else f"a/{part}",
        tofile="/dev/null" if after is None else f"b/{part}",
        n=context,
    )
    out = []
    for line in lines:
        if not line.endswith("\n"):
            line += "\n\\ No newline at end of file\n"
        out.append(line)
    return "".join(out)
