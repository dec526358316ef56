"""docs/mcp.md stays true: every tool with its annotations, every setting with its variable."""

from __future__ import annotations

import re
from pathlib import Path

from reconciler.mcp.config import _ENV, McpConfig
from reconciler.mcp.tools import TOOLS

DOC = (Path(__file__).resolve().parents[2] / "docs" / "mcp.md").read_text(encoding="utf-8")


def yes(flag: bool | None) -> str:
    return "yes" if flag else "no"


def test_tools_table_matches_the_annotations() -> None:
    rows = {
        m.group(1): [cell.strip().strip("*") for cell in m.group(2).split("|")]
        for m in re.finditer(r"^\| `(\w+)` \|(.*)\|$", DOC, re.MULTILINE)
    }
    for spec in TOOLS:
        name = spec.fn.__name__
        assert name in rows, f"{name} is missing from the tools table"
        hints = spec.annotations
        expected = [
            yes(hints.read_only_hint),
            yes(hints.destructive_hint),
            yes(hints.idempotent_hint),
            yes(hints.open_world_hint),
        ]
        assert rows[name][1:5] == expected, name


def test_every_setting_and_variable_is_documented() -> None:
    for field in McpConfig.model_fields:
        assert f"`{field}" in DOC or f"{field}:" in DOC, field
    for name in _ENV:
        assert f"SESCTL_MCP_{name}" in DOC, name
