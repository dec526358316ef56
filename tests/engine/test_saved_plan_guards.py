"""Applying a saved plan runs the guards again against what is live now: a protect tag put on
a resource after the plan was made, or a lower --max-destroy, still refuse it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from engine_support import apply, plan, project, template

from reconciler.errors import PlanError


def test_saved_plan_meets_new_protect_tag_and_max_destroy(tmp_path: Path, emulator: Any, ses: Any) -> None:
    root = project(tmp_path, {"t.yaml": template("keep") + template("old")})
    apply(root, emulator)
    project(root, {"t.yaml": template("keep")})
    saved = plan(root, emulator, prune=True).plan
    assert [c.address for c in saved.changes] == ["EmailTemplate/old"]
    plan_file = root / "plan.json"
    plan_file.write_text(saved.to_json())

    with pytest.raises(PlanError, match="max-destroy 0"):
        apply(root, emulator, plan_file=plan_file, max_destroy=0)
    ses.tag_resource(
        ResourceArn="arn:aws:ses:us-east-1:123456789012:template/old",
        Tags=[{"Key": "sesctl:protect", "Value": "true"}],
    )
    with pytest.raises(PlanError, match="EmailTemplate/old would be deleted"):
        apply(root, emulator, plan_file=plan_file)
    assert ses.get_email_template(TemplateName="old")["TemplateName"] == "old"
