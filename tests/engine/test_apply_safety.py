"""plan/apply under hostile input, lost answers and concurrency (issue 15's plan/apply defects)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from engine_support import apply, plan, project, sesctl, template

from reconciler.errors import PlanError


def refused(result: subprocess.CompletedProcess[str], *needles: str) -> str:
    """A usage-style refusal: exit 1, no traceback, every needle in the output."""
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "Traceback" not in out
    for needle in needles:
        assert needle in out, out
    return out


@pytest.mark.parametrize("rate", ["nan", "inf", "0", "-2", "GetEmailTemplate=nan"])
def test_a_rate_that_would_switch_pacing_off_is_refused(
    tmp_path: Path, emulator: Any, ses: Any, rate: str
) -> None:
    root = project(tmp_path, {"t.yaml": template("welcome")})
    refused(sesctl(root, emulator, "apply", "--auto-approve", "--rate", rate), "--rate", rate)
    assert ses.list_email_templates()["TemplatesMetadata"] == []


def two_environments(root: Path) -> Path:
    """Two environments in one region and account: only the plan's own environment may apply it."""
    text = (root / "sesctl.yaml").read_text()
    (root / "sesctl.yaml").write_text(
        text + "environments:\n  staging: {variables: {brand: S}}\n  production: {variables: {brand: P}}\n"
    )
    return root


def test_a_plan_made_for_another_environment_is_refused(tmp_path: Path, emulator: Any, ses: Any) -> None:
    root = two_environments(project(tmp_path, {"t.yaml": template("welcome", subject="Hi ${brand}")}))
    saved = plan(root, emulator, env="staging").plan
    (root / "plan.json").write_text(saved.to_json())
    with pytest.raises(PlanError, match=r"environment 'staging'.*environment 'production'"):
        apply(root, emulator, env="production", plan_file=root / "plan.json")
    assert ses.list_email_templates()["TemplatesMetadata"] == []
    outcome = apply(root, emulator, env="staging", plan_file=root / "plan.json")
    assert outcome.result is not None and outcome.result.ok
