"""The workflows, the workflow templates and the composite action: actionlint and our promises."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from action_as_workflow import action_as_workflow
from gh_tools import tool

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
TEMPLATES = sorted((ROOT / ".github" / "workflow-templates").glob("*.yml"))
ACTION = ROOT / "action.yml"


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_there_is_something_to_lint() -> None:
    assert {p.name for p in WORKFLOWS} >= {"ci.yml"}
    assert {p.name for p in TEMPLATES} == {"sesctl-plan.yml", "sesctl-apply.yml", "sesctl-drift.yml"}
    assert ACTION.exists()


def test_actionlint_passes_on_workflows_templates_and_the_action(tmp_path: Path) -> None:
    actionlint = tool("actionlint")
    if actionlint is None:
        pytest.skip("actionlint is not installed (pip install -e '.[dev]' installs it)")
    action_workflow = tmp_path / "action-as-workflow.yml"
    action_workflow.write_text(yaml.safe_dump(action_as_workflow(_load(ACTION)), sort_keys=False, width=1000))
    shellcheck = tool("shellcheck") or ""
    files = [*WORKFLOWS, *TEMPLATES, action_workflow]
    result = subprocess.run(
        [actionlint, "-oneline", "-shellcheck", shellcheck, *map(str, files)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_really_checks_the_action(tmp_path: Path) -> None:
    actionlint = tool("actionlint")
    if actionlint is None:
        pytest.skip("actionlint is not installed")
    broken = ACTION.read_text(encoding="utf-8").replace(
        "steps.plan.outputs.plan-file", "steps.plann.outputs.plan-file"
    )
    path = tmp_path / "broken.yml"
    path.write_text(yaml.safe_dump(action_as_workflow(yaml.safe_load(broken)), sort_keys=False, width=1000))
    result = subprocess.run([actionlint, "-oneline", str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "plann" in result.stdout


def test_every_template_has_its_properties_file() -> None:
    for template in TEMPLATES:
        properties = json.loads(template.with_suffix(".properties.json").read_text(encoding="utf-8"))
        assert properties["name"] and properties["description"] and properties["iconName"]
        assert isinstance(properties["categories"], list)


def test_actions_are_pinned_by_major_version() -> None:
    for path in [*WORKFLOWS, *TEMPLATES, ACTION]:
        for ref in re.findall(r"uses:\s*([^\s#]+)", path.read_text(encoding="utf-8")):
            assert ref.startswith("./") or re.search(r"@v\d+$", ref), f"{path.name}: {ref}"


def test_the_templates_keep_their_promises() -> None:
    plan = _load(ROOT / ".github/workflow-templates/sesctl-plan.yml")
    assert plan["permissions"]["pull-requests"] == "write" and plan["permissions"]["id-token"] == "write"
    assert "pull_request" in plan[True]  # PyYAML reads the key "on" as True

    apply = _load(ROOT / ".github/workflow-templates/sesctl-apply.yml")
    assert apply["concurrency"]["group"].startswith("sesctl-apply-${{ inputs.environment")
    assert apply["concurrency"]["cancel-in-progress"] is False
    assert apply["jobs"]["apply"]["environment"]  # approvals live on the GitHub environment
    assert apply[True]["push"]["branches"] == ["$default-branch"]

    drift = _load(ROOT / ".github/workflow-templates/sesctl-drift.yml")
    assert drift[True]["schedule"][0]["cron"] and drift["permissions"]["issues"] == "write"
    # A rolling refresh: each run re-reads what fits in its budget, inside the job's time.
    [drift_step] = [s for s in drift["jobs"]["drift"]["steps"] if "sesctl" in s.get("uses", "")]
    budget = drift_step["with"]["refresh-budget"]
    assert budget.endswith("m") and int(budget[:-1]) + 10 <= drift["jobs"]["drift"]["timeout-minutes"]

    for template, mode in ((plan, "plan"), (apply, "apply"), (drift, "drift")):
        [step] = [s for s in next(iter(template["jobs"].values()))["steps"] if "sesctl" in s.get("uses", "")]
        assert step["with"]["mode"] == mode


def test_action_inputs_cover_the_documented_interface() -> None:
    inputs = _load(ACTION)["inputs"]
    assert set(inputs) >= {
        "path",
        "environment",
        "aws-role-arn",
        "aws-region",
        "mode",
        "max-destroy",
        "accept-drift",
        "python-version",
        "sesctl-version",
    }
    assert inputs["environment"]["required"] is True and inputs["mode"]["default"] == "plan"
    assert inputs["accept-drift"]["default"] == "false"
    assert inputs["refresh-budget"]["default"] == ""
    steps = {step.get("name"): step for step in _load(ACTION)["runs"]["steps"]}
    # The live cache travels between runs: restored before the plan, saved after it.
    restore, save = steps["Restore the live cache"], steps["Save the live cache"]
    assert restore["with"]["path"] == save["with"]["path"] == "${{ runner.temp }}/sesctl-live-cache"
    assert steps["Plan"]["env"]["SESCTL_LIVE_CACHE"] == restore["with"]["path"]
    assert save["with"]["key"].startswith(restore["with"]["restore-keys"])
