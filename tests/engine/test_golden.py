"""Golden outputs (Terraform's show-json testdata): for each tests/golden/<case>/, apply
``live/`` (if any) to a fresh emulator, plan ``desired/``, and compare plan.json, plan.txt and
plan.md. Regenerate with ``pytest tests/engine --update-golden``.

<case>/sesctl.yaml names the stack; options.json may set ``prune``, ``targets`` and
``unowned_templates`` (created directly with boto3, so not owned by the stack)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from engine_support import apply, plan

from reconciler.engine.render_markdown import render_markdown
from reconciler.engine.render_text import render_text

GOLDEN = Path(__file__).parent.parent / "golden"
CASES = sorted(p for p in GOLDEN.iterdir() if (p / "sesctl.yaml").exists())


def normalized_json(plan_dict: dict[str, Any]) -> str:
    plan_dict = dict(plan_dict, tool_version="<version>")  # changes with every release
    return json.dumps(plan_dict, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden(case: Path, emulator: Any, ses: Any, request: pytest.FixtureRequest) -> None:
    options = json.loads((case / "options.json").read_text()) if (case / "options.json").exists() else {}
    # The SNS topics the manifests name exist in the account, as SES requires of a destination.
    manifests = "".join(p.read_text() for p in sorted(case.rglob("*.yaml")))
    for topic in sorted(set(re.findall(r"arn:aws:sns:[a-z0-9-]+:\d{12}:([A-Za-z0-9_-]+)", manifests))):
        emulator.client("sns").create_topic(Name=topic)
    if (case / "live").exists():
        setup = apply(case / "live", emulator)
        assert setup.result is not None and setup.result.ok
    for name in options.get("unowned_templates", []):
        ses.create_email_template(TemplateName=name, TemplateContent={"Subject": "x", "Text": "y"})
    result = plan(
        case / "desired", emulator, prune=options.get("prune"), targets=tuple(options.get("targets", ()))
    )
    outputs = {
        "plan.json": normalized_json(result.plan.to_dict()),
        "plan.txt": render_text(result.plan, color=False),
        "plan.md": render_markdown(result.plan),
    }
    if request.config.getoption("--update-golden", default=False):
        for name, text in outputs.items():
            (case / name).write_text(text, encoding="utf-8")
        return
    for name, text in outputs.items():
        expected = case / name
        assert expected.exists(), f"{expected} is missing: run pytest tests/engine --update-golden"
        assert text == expected.read_text(encoding="utf-8"), (
            f"{case.name}/{name} differs (see --update-golden)"
        )
