"""Reading a plan file for the GitHub commands (the JSON form of docs/plan-format.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from reconciler.engine.render_markdown import destroys
from reconciler.errors import PlanError
from reconciler.files import read_text

SUPPORTED_FORMATS = ("1",)


def read_plan(path: Path) -> dict[str, Any]:
    """The plan as a dict; PlanError (with a hint) for a missing, non-JSON or foreign file."""
    hint = "Pass a file written by `sesctl plan --out FILE` (or `sesctl plan --json > FILE`)."
    text = read_text(path, "the plan file", hint=hint, error=PlanError)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlanError(
            f"{path}:{exc.lineno}:{exc.colno}: the plan file is not JSON ({exc.msg})", hint=hint
        ) from None
    if not isinstance(data, dict) or "changes" not in data:
        raise PlanError(f'{path}: not a sesctl plan (no "changes")', hint=hint)
    version = data.get("format_version")
    if version not in SUPPORTED_FORMATS:
        raise PlanError(
            f"{path}: plan format_version {version!r} is not supported (this sesctl reads "
            f"{', '.join(SUPPORTED_FORMATS)})",
            hint="Use the same sesctl version for `plan` and `github`.",
        )
    if not isinstance(data["changes"], list):
        raise PlanError(f'{path}: "changes" must be a list', hint=hint)
    return data


def has_changes(plan: dict[str, Any]) -> bool:
    return bool(plan.get("changes"))


def destroys_anything(plan: dict[str, Any]) -> bool:
    return any(destroys(c) for c in plan.get("changes") or [])
