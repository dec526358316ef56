"""docs/github.md stays true: its IAM policies cover every kind's permissions, its workflows lint."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from gh_tools import tool

from reconciler.kinds.registry import all_iam_actions

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "github.md").read_text(encoding="utf-8")
READ_PREFIXES = ("ses:Get", "ses:List", "ses:TestRender")


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)\n```", DOC, flags=re.S)


def _policy(sid: str) -> set[str]:
    for block in _blocks("json"):
        data = json.loads(block)
        for statement in data.get("Statement", []):
            if statement.get("Sid") == sid:
                return set(statement["Action"])
    raise AssertionError(f"no policy with Sid {sid} in docs/github.md")


def test_plan_policy_is_read_only_and_covers_every_read() -> None:
    plan = _policy("SesctlPlanReadOnly")
    assert all(action.startswith(READ_PREFIXES) for action in plan)
    needed = {a for a in all_iam_actions() if a.startswith(READ_PREFIXES)}
    assert needed <= plan, f"add to the plan policy in docs/github.md: {sorted(needed - plan)}"


def test_apply_policy_covers_every_write() -> None:
    apply = _policy("SesctlApply")
    needed = {a for a in all_iam_actions() if not a.startswith(READ_PREFIXES)}
    assert needed <= apply, f"add to the apply policy in docs/github.md: {sorted(needed - apply)}"
    assert not any(action.startswith(READ_PREFIXES) for action in apply)


def test_documented_workflows_pass_actionlint(tmp_path: Path) -> None:
    workflows = [b for b in _blocks("yaml") if "jobs:" in b]
    assert len(workflows) == 3
    actionlint = tool("actionlint")
    if actionlint is None:
        pytest.skip("actionlint is not installed")
    files = []
    for i, block in enumerate(workflows):
        yaml.safe_load(block)
        path = tmp_path / f"doc-{i}.yml"
        path.write_text(block + "\n", encoding="utf-8")
        files.append(str(path))
    result = subprocess.run([actionlint, "-oneline", *files], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_measured_size_in_the_docs_is_the_golden_one() -> None:
    size = len((Path(__file__).parent / "golden" / "large-500.md").read_text(encoding="utf-8"))
    assert f"{size:,} characters" in DOC
