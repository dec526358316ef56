"""docs/github.md stays true: its IAM policies are the generated ones, its workflows lint."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from gh_tools import tool

from reconciler.iam.policy import policy_for, scope_from_state
from reconciler.kinds.registry import all_iam_actions
from reconciler.manifest import load_manifests

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "github.md").read_text(encoding="utf-8")
READ_PREFIXES = ("ses:Get", "ses:List", "ses:TestRender", "cloudwatch:Describe", "cloudwatch:List")


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)\n```", DOC, flags=re.S)


GENERATED = re.compile(
    r"<!-- generated: sesctl iam policy --for (\w+) --env (\w+) --account (\d{12}) -->\n```json\n(.*?)\n```", re.S
)


def test_the_documented_policies_are_the_generated_ones() -> None:
    found = GENERATED.findall(DOC)
    assert [use for use, *_ in found] == ["plan", "apply"]
    for use, env, account, block in found:
        state = load_manifests(ROOT, env=env)
        scope = scope_from_state(
            state, region=str(state.environment.region), account=account, prune=state.environment.prune
        )
        assert json.loads(block) == policy_for(use, scope), f"regenerate the {use} policy in docs/github.md"


def test_plan_policy_is_read_only_and_covers_every_read() -> None:
    plan = {a for s in json.loads(GENERATED.findall(DOC)[0][3])["Statement"] for a in s["Action"]}
    assert all(action.startswith(READ_PREFIXES) for action in plan)
    needed = {a for a in all_iam_actions() if a.startswith(READ_PREFIXES)}
    assert needed <= plan, f"the plan policy misses: {sorted(needed - plan)}"


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
